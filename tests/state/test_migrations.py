"""Migrations: empty -> head -> empty on both back ends, and models == migrations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from compiler.state import Scope, Store
from compiler.state.engine import get_engine
from compiler.state.migrate import VERSION_TABLE, downgrade, head_revision, status, upgrade
from compiler.state.models import Base

from .cli import Shipspec


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    factory: Callable[[], str] = request.getfixturevalue("pg_database_factory")
    return factory()


def tables(url: str) -> set[str]:
    return set(inspect(get_engine(url)).get_table_names())


def test_upgrade_from_empty_to_head_and_back(empty_url: str) -> None:
    assert status(empty_url).current is None
    upgrade(empty_url)
    assert status(empty_url).up_to_date
    assert set(Base.metadata.tables) <= tables(empty_url)
    downgrade(empty_url, "base")
    assert tables(empty_url) <= {VERSION_TABLE}
    upgrade(empty_url)
    assert status(empty_url).current == head_revision()


def test_models_and_migrations_agree(empty_url: str) -> None:
    upgrade(empty_url)
    with get_engine(empty_url).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_first_use_migrates_and_cli_upgrade_reports(empty_url: str) -> None:
    ship = Shipspec(empty_url, "contoso")
    assert ship.json("state", "current")["current"] is None
    Store(empty_url).write(Scope("contoso", "payments"), lambda uow: None)
    assert ship.json("state", "current")["upToDate"] is True
    assert ship.json("state", "upgrade")["before"] == head_revision()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with get_engine(url).connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == 30000
