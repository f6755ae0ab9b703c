"""Fixtures for the poller suite: the tracking store fixtures, a local Azure DevOps
speaking builds/timeline/tests/coverage/artifacts/approvals/commits, and a local
Argo CD application API."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.serve.conftest import pg_template, served, sqlite_template, store, store_url  # noqa: F401
from tests.track.ado_fake import FakeAzureDevOpsBuilds
from tests.track.argocd_fake import FakeArgoCd
from tests.track.kube_fake import FakeKubernetes

ADO_TOKEN = "ado-token-for-tests"
ARGO_API_TOKEN = "argocd-api-token-for-tests"


@pytest.fixture
def ado(httpserver: HTTPServer) -> FakeAzureDevOpsBuilds:
    return FakeAzureDevOpsBuilds(httpserver, ADO_TOKEN)


@pytest.fixture
def argocd() -> FakeArgoCd:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield FakeArgoCd(server, ARGO_API_TOKEN)
    server.clear()
    server.stop()


KUBE_TOKEN = "kubernetes-token-for-tests"


@pytest.fixture
def kube() -> FakeKubernetes:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield FakeKubernetes(server, KUBE_TOKEN)
    server.clear()
    server.stop()
