"""Fixtures for the state-store suite: every test runs on SQLite and on PostgreSQL.

PostgreSQL is the machine's running cluster, reached over its Unix socket through
pytest-postgresql's noproc fixture; one fresh database is created per test run and
dropped afterwards.  Tests stay apart by using a fresh tenant each (which is also
what tenant isolation promises).  Without a reachable server the PostgreSQL tests
are skipped locally and fail in CI (``CI`` set).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pytest_postgresql import factories
from pytest_postgresql.janitor import DatabaseJanitor

from compiler.state import EnvironmentPolicy, ProjectPolicy, Scope, Store
from compiler.state.engine import dispose_all
from compiler.state.migrate import forget, upgrade

PG_HOST = os.environ.get("SHIPSPEC_TEST_PG_HOST", "/var/run/postgresql")
PG_USER = os.environ.get("SHIPSPEC_TEST_PG_USER", "root")

state_pg_noproc = factories.postgresql_noproc(
    host=PG_HOST, user=PG_USER, dbname=f"shipspec_noproc_{os.getpid()}"
)


def pg_url(dbname: str) -> str:
    return f"postgresql+psycopg://{PG_USER}@/{dbname}?host={PG_HOST}"


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(host=PG_HOST, user=PG_USER, dbname="postgres", connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> object:
    """The noproc executor, after checking the server answers (fail in CI, skip locally)."""
    problem = _pg_reachable()
    if problem is not None:
        message = f"PostgreSQL at {PG_HOST} is unreachable: {problem}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + " (set CI=1 to make this a failure)")
    return request.getfixturevalue("state_pg_noproc")


@pytest.fixture(scope="session")
def pg_database_factory(pg_server: object) -> Iterator[object]:
    """Creates fresh PostgreSQL databases for this run and drops them all at the end."""
    janitors: list[DatabaseJanitor] = []

    def create(prefix: str = "shipspec_state") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        janitor = DatabaseJanitor(
            user=PG_USER, host=PG_HOST, port=5432, dbname=name, maintenance_dbname="postgres"
        )
        janitor.init()
        janitors.append(janitor)
        return pg_url(name)

    yield create
    dispose_all()
    for janitor in janitors:
        janitor.drop()


@pytest.fixture(scope="session")
def migrated_pg(pg_database_factory: object) -> str:
    url = pg_database_factory()  # type: ignore[operator]
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "state.db"
    upgrade(f"sqlite:///{path}")
    dispose_all()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated store URL on each back end."""
    if request.param == "sqlite":
        template = request.getfixturevalue("migrated_sqlite_template")
        path = tmp_path / "state.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
        forget(url)
        return url
    return request.getfixturevalue("migrated_pg")


@pytest.fixture
def backend(state_url: str) -> str:
    return "sqlite" if state_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def scope(tenant: str) -> Scope:
    return Scope(tenant=tenant, project="payments")


@pytest.fixture
def store(state_url: str) -> Store:
    return Store(state_url)


@pytest.fixture
def policy(tenant: str) -> ProjectPolicy:
    """The payments example's path: dev, test, staging (1 approval), prod (2)."""
    return ProjectPolicy(
        tenant=tenant,
        project="payments",
        environments=(
            EnvironmentPolicy("dev"),
            EnvironmentPolicy("test"),
            EnvironmentPolicy("staging", required_approvals=1),
            EnvironmentPolicy("prod", required_approvals=2),
        ),
        modules=("ledger-client", "payments-api", "payments-worker"),
    )
