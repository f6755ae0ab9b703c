"""The release page on real uvicorn at 127.0.0.1:<random>, over a seeded demo ledger.

Two viewers with API tokens: one granted the contoso tenant, one granted northwind.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import uvicorn

from compiler.serve.app import create_app
from compiler.serve.config import ServeConfig
from compiler.state import Store
from compiler.state.engine import dispose_all
from compiler.web.access import Access
from compiler.web.demo import seed_demo
from compiler.web.estate import WebEstate, load_estate
from compiler.web.routes import web_router
from tests.conftest import ROOT

CONTOSO_TOKEN = "contoso-viewer-token-0123456789"
NORTHWIND_TOKEN = "northwind-viewer-token-0123456789"
ARTIFACTS = ROOT / "test-artifacts" / "web"


@dataclass(frozen=True)
class Server:
    url: str
    store: Store
    estate: WebEstate

    def get(self, path: str, token: str | None = None, **kwargs: object) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(
            self.url + path, headers=headers, allow_redirects=False, timeout=10, **kwargs
        )


def tokens_json() -> str:
    return json.dumps(
        [
            {"viewer": "contoso-ops", "token": CONTOSO_TOKEN, "tenants": ["contoso"]},
            {"viewer": "northwind-ops", "token": NORTHWIND_TOKEN, "tenants": ["northwind"]},
        ]
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def estate() -> WebEstate:
    return load_estate(ROOT / "specs")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, estate: WebEstate) -> Iterator[Server]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('web') / 'state.db'}")
    seed_demo(store, estate)
    access = Access.from_environment({"SHIPSPEC_WEB_TOKENS": tokens_json()})
    app = create_app(ServeConfig(), store, web_router(store, estate, access))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    yield Server(f"http://127.0.0.1:{port}", store, estate)
    running.should_exit = True
    thread.join(timeout=10)
    dispose_all()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
