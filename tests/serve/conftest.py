"""Fixtures for the tracking suites: a migrated store on SQLite and on PostgreSQL (a
fresh database per test, cloned from a migrated template), the routes of the example
estate, and `shipspec serve`'s application on real uvicorn at 127.0.0.1:<random>."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
import uvicorn
from fastapi import APIRouter
from pydantic import SecretStr
from pytest_postgresql.janitor import DatabaseJanitor

from compiler.serve.app import create_app
from compiler.serve.config import ServeConfig
from compiler.state import Store
from compiler.state.engine import dispose_all
from compiler.state.migrate import forget, upgrade
from compiler.track import routes
from compiler.track.catalog import read_catalog
from tests.conftest import ROOT

PG_HOST = os.environ.get("SHIPSPEC_TEST_PG_HOST", "/var/run/postgresql")
PG_USER = os.environ.get("SHIPSPEC_TEST_PG_USER", "root")
GENERATED = ROOT / "generated"
FIXTURES = Path(__file__).parent / "fixtures"
ADO_SECRET = "ado-shared-secret-for-tests"
ARGO_TOKEN = "argocd-token-for-tests"
FLUX_KEY = "flux-hmac-key-for-tests"


def fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / name).read_text(encoding="utf-8")))


def _janitor(name: str, template: str | None = None) -> DatabaseJanitor:
    return DatabaseJanitor(
        user=PG_USER,
        host=PG_HOST,
        port=5432,
        dbname=name,
        template_dbname=template,
        maintenance_dbname="postgres",
    )


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's database is cloned from."""
    try:
        with psycopg.connect(host=PG_HOST, user=PG_USER, dbname="postgres", connect_timeout=3):
            pass
    except psycopg.Error as error:
        message = f"PostgreSQL at {PG_HOST} is unreachable: {str(error).strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"shipspec_track_template_{uuid.uuid4().hex[:8]}"
    janitor = _janitor(name)
    janitor.init()
    url = f"postgresql+psycopg://{PG_USER}@/{name}?host={PG_HOST}"
    upgrade(url)
    dispose_all()
    yield name
    dispose_all()
    janitor.drop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("track-template") / "state.db"
    upgrade(f"sqlite:///{path}")
    dispose_all()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated store with the example estate's routes registered."""
    if request.param == "sqlite":
        path = tmp_path / "state.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url, janitor = f"sqlite:///{path}", None
    else:
        name = f"shipspec_track_{uuid.uuid4().hex[:10]}"
        janitor = _janitor(name, request.getfixturevalue("pg_template"))
        janitor.init()
        url = f"postgresql+psycopg://{PG_USER}@/{name}?host={PG_HOST}"
    forget(url)
    routes.register(Store(url), read_catalog(GENERATED))
    yield url
    dispose_all()
    if janitor is not None:
        janitor.drop()


@pytest.fixture
def store(store_url: str) -> Store:
    return Store(store_url)


def serve_config(url: str, **overrides: Any) -> ServeConfig:
    values: dict[str, Any] = {
        "state_url": url,
        "ado_secret": SecretStr(ADO_SECRET),
        "argocd_token": SecretStr(ARGO_TOKEN),
        "flux_secret": SecretStr(FLUX_KEY),
    }
    values.update(overrides)
    return ServeConfig(**values)


@dataclass
class Served:
    """A running `shipspec serve` application and an HTTP session pointed at it."""

    url: str
    store: Store
    http: requests.Session

    def post(self, path: str, body: bytes | dict[str, Any], **headers: str) -> requests.Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **headers}
        return self.http.post(self.url + path, data=data, headers=sent, timeout=30)

    def azure(self, body: bytes | dict[str, Any], secret: str = ADO_SECRET) -> requests.Response:
        return self.post("/hooks/azure-devops", body, **{"X-Shipspec-Secret": secret})

    def argocd(self, body: dict[str, Any], token: str = ARGO_TOKEN) -> requests.Response:
        return self.post("/hooks/argocd", body, Authorization=f"Bearer {token}")


def run_server(config: ServeConfig, store: Store, page: APIRouter | None = None) -> Iterator[str]:
    app = create_app(config, store, page)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (server.started and server.servers):
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def served(store_url: str, store: Store) -> Iterator[Served]:
    for url in run_server(serve_config(store_url), store):
        with requests.Session() as http:
            yield Served(url, store, http)
