"""Schema migrations: Alembic scripts shipped in ``compiler/state/migrations``.

:func:`ensure_schema` runs on first use of a store in a process and applies pending
migrations under a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL), so two commands starting at once on an empty database do not race.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from sqlalchemy import Connection, text

from compiler.state.engine import WRITE_OPTION, get_engine
from compiler.state.errors import InvariantError

VERSION_TABLE = "shipspec_schema_version"
MIGRATIONS = Path(__file__).parent / "migrations"
_ADVISORY_KEY = 0x5348_4950  # "SHIP"
_ready: set[str] = set()
_ready_lock = threading.Lock()


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema is, against the newest revision this shipspec ships."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def to_record(self) -> dict[str, Any]:
        return {"current": self.current, "head": self.head, "upToDate": self.up_to_date}


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def status(url: str) -> SchemaStatus:
    with get_engine(url).connect() as connection:
        return SchemaStatus(current=_current(connection), head=head_revision())


def upgrade(url: str, revision: str = "head") -> SchemaStatus:
    """Apply migrations up to ``revision``; returns the status before the upgrade."""
    with _migration_connection(url) as connection:
        before = SchemaStatus(current=_current(connection), head=head_revision())
        _check_known(before.current)
        command.upgrade(alembic_config(connection), revision)
    return before


def downgrade(url: str, revision: str) -> SchemaStatus:
    """Revert migrations down to ``revision`` (``base`` empties the schema)."""
    with _migration_connection(url) as connection:
        before = SchemaStatus(current=_current(connection), head=head_revision())
        command.downgrade(alembic_config(connection), revision)
    forget(url)
    return before


def ensure_schema(url: str) -> None:
    """Bring the store to head once per process; cheap after the first call."""
    with _ready_lock:
        if url in _ready:
            return
    if not status(url).up_to_date:
        upgrade(url)
    with _ready_lock:
        _ready.add(url)


def forget(url: str) -> None:
    with _ready_lock:
        _ready.discard(url)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render shipspec's UTC timestamp type as a plain ``sa.DateTime`` in migrations."""
    from compiler.state.models.base import UtcDateTime

    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


@contextmanager
def _migration_connection(url: str) -> Iterator[Connection]:
    with get_engine(url).connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY}
                )
            yield connection


def _current(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except (ResolutionError, CommandError):
        known = False
    if not known:
        raise InvariantError(
            f"the state store is at schema revision {revision}, which this shipspec does not know",
            hint="a newer shipspec migrated this database; upgrade shipspec",
        )
