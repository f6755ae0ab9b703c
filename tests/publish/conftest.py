"""Fixtures for the publish suite: a compiled copy of the examples, real bare remotes,
a state store, and drivers that run `shipspec publish` the way users do."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import git
import psycopg
import pytest
from click.testing import CliRunner, Result
from pytest_postgresql.janitor import DatabaseJanitor

from compiler.cli.publish import publish_command
from compiler.pipeline import CompileOptions, compile_specs
from compiler.publish import PublishOptions, PublishResult, RetryPolicy, run
from compiler.publish.providers import Provider
from compiler.state import Scope, Store
from compiler.state.engine import dispose_all, get_engine
from compiler.state.models import Base
from compiler.targets import TARGETS
from tests.conftest import SPECS

STABLE_TARGETS = ("repo",)
PAYMENTS = ("payments-api", "payments-worker", "ledger-client")
BRANCH = "shipspec/payments"
PG_HOST = os.environ.get("SHIPSPEC_TEST_PG_HOST", "/var/run/postgresql")
PG_USER = os.environ.get("SHIPSPEC_TEST_PG_USER", "root")


@dataclass
class Platform:
    """A platform repository in a temporary folder: specs, generated/, remotes, cache, state."""

    root: Path
    state_url: str
    sleeps: list[float] = field(default_factory=list)

    @property
    def generated(self) -> Path:
        return self.root / "generated"

    @property
    def remotes(self) -> Path:
        return self.root / "remotes"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    def compile(self) -> None:
        """Compile with the stable repository-layout target only.

        Publish treats every target's files alike; pinning the target set keeps this
        suite about publishing while other targets are being built.
        """
        saved = dict(TARGETS)
        try:
            for name in [n for n in TARGETS if n not in STABLE_TARGETS]:
                del TARGETS[name]
            compile_specs(CompileOptions((self.root / "specs",), self.generated))
        finally:
            TARGETS.clear()
            TARGETS.update(saved)

    def edit_spec(self, old: str, new: str, spec: str = "contoso/payments.yaml") -> None:
        path = self.root / "specs" / spec
        content = path.read_text(encoding="utf-8")
        assert old in content, f"{old!r} not in {spec}"
        path.write_text(content.replace(old, new, 1), encoding="utf-8")

    def options(self, **overrides: Any) -> PublishOptions:
        values: dict[str, Any] = {
            "paths": (self.generated,),
            "only": ("contoso/payments",),
            "provider": "local",
            "cache_dir": self.cache,
            "remotes_dir": self.remotes,
            "state_url": self.state_url,
        }
        values.update(overrides)
        return PublishOptions(**values)

    def run(self, using: Provider | None = None, **overrides: Any) -> PublishResult:
        """The stage without the CLI (tests that inject a provider or count retries)."""
        retry = RetryPolicy(attempts=4, base=0.01, cap=0.05, sleep=self.sleeps.append)
        return run(self.options(**overrides), retry=retry, provider=using)

    def cli(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """`shipspec publish` through click, with this platform's folders."""
        base = [
            str(self.generated),
            "--only",
            "contoso/payments",
            "--cache-dir",
            str(self.cache),
            "--remotes-dir",
            str(self.remotes),
            "--state-url",
            self.state_url,
        ]
        if not any(a.startswith("--provider") for a in args):
            base += ["--provider", "local"]
        return CliRunner().invoke(publish_command, [*base, *args], env=env, catch_exceptions=False)

    def bare(self, repo: str = "payments-api") -> git.Repo:
        return git.Repo(self.remotes / "contoso" / "payments" / f"{repo}.git")

    def clone(self, repo: str = "payments-api", branch: str = BRANCH) -> git.Repo:
        target = self.root / "clones" / f"{repo}-{uuid.uuid4().hex[:6]}"
        source = self.bare(repo).git_dir
        clone = git.Repo.clone_from(source, target, branch=branch)
        with clone.config_writer() as config:
            config.set_value("user", "name", "Alice Human")
            config.set_value("user", "email", "alice@contoso.com")
        return clone

    def refs(self, repo: str = "payments-api") -> dict[str, str]:
        return {ref.path: ref.commit.hexsha for ref in self.bare(repo).references}

    def store(self) -> Store:
        return Store(self.state_url)

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table of this platform's tenant, for counting and searching."""
        engine = get_engine(self.state_url)
        found: dict[str, list[dict[str, Any]]] = {}
        with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                if "tenant_id" not in table.c:
                    continue
                result = connection.execute(
                    table.select().where(table.c.tenant_id == "contoso")
                ).mappings()
                found[table.name] = [dict(row) for row in result]
        return found

    @property
    def scope(self) -> Scope:
        return Scope("contoso", "payments")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def state_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[Any]:
    """Creates fresh PostgreSQL databases on demand; drops them at the end of the session."""
    janitors: list[DatabaseJanitor] = []

    def create() -> str:
        try:
            with psycopg.connect(host=PG_HOST, user=PG_USER, dbname="postgres", connect_timeout=3):
                pass
        except psycopg.Error as error:
            message = f"PostgreSQL at {PG_HOST} is unreachable: {str(error).strip()}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        name = f"shipspec_publish_{uuid.uuid4().hex[:10]}"
        janitor = DatabaseJanitor(
            user=PG_USER, host=PG_HOST, port=5432, dbname=name, maintenance_dbname="postgres"
        )
        janitor.init()
        janitors.append(janitor)
        return f"postgresql+psycopg://{PG_USER}@/{name}?host={PG_HOST}"

    yield create
    dispose_all()
    for janitor in janitors:
        janitor.drop()


def _state_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return str(request.getfixturevalue("pg_databases")())


@pytest.fixture
def platform(tmp_path: Path, request: pytest.FixtureRequest) -> Platform:
    """The examples compiled in a temporary platform repository; SQLite state."""
    return _platform(tmp_path, _state_url("sqlite", tmp_path, request))


@pytest.fixture
def any_platform(tmp_path: Path, request: pytest.FixtureRequest, state_backend: str) -> Platform:
    """The same, once on SQLite and once on PostgreSQL."""
    return _platform(tmp_path, _state_url(state_backend, tmp_path, request))


def _platform(tmp_path: Path, state_url: str) -> Platform:
    root = tmp_path / "platform"
    shutil.copytree(SPECS, root / "specs")
    platform = Platform(root, state_url)
    platform.compile()
    return platform
