"""Engines for the state store: URL resolution, SQLite pragmas, and write transactions.

SQLite runs in WAL mode with a busy timeout and foreign keys on; a write transaction
starts with ``BEGIN IMMEDIATE`` so that two writers queue on the database lock instead
of failing when one upgrades a read lock.  PostgreSQL runs at READ COMMITTED and the
services take row locks (``SELECT ... FOR UPDATE``) on the aggregate they change.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from compiler.errors import UsageError

ENV_VAR = "SHIPSPEC_STATE_URL"
DEFAULT_PATH = Path(".shipspec") / "state.db"
BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "shipspec_write"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def resolve_url(url: str | None = None, *, cwd: Path | None = None) -> str:
    """The store URL: the flag, else ``SHIPSPEC_STATE_URL``, else ``.shipspec/state.db``."""
    chosen = url or os.environ.get(ENV_VAR)
    if chosen:
        return chosen
    path = (cwd or Path.cwd()) / DEFAULT_PATH
    return f"sqlite:///{path}"


def redact(url: str) -> str:
    """The URL with any password hidden, fit for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def get_engine(url: str) -> Engine:
    """One engine per URL per process (engines own pools; they are meant to be shared)."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create(url)
            _engines[url] = engine
        return engine


def dispose_all() -> None:
    """Close every pooled connection (tests call this between databases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _create(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise UsageError(
            f"not a database URL: {redact(url)}",
            hint="use sqlite:///path/to/state.db or postgresql+psycopg://user@host/db",
        ) from error
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    raise UsageError(
        f"unsupported state store back end {parsed.get_backend_name()!r}",
        hint="shipspec supports SQLite and PostgreSQL (postgresql+psycopg://)",
    )


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """pysqlite's own BEGIN handling is off (isolation_level=None); start it here."""
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
