"""Fixtures for review and offline dry runs: the publish suite's platform, and its Azure DevOps fake."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.publish.azure_fake import FakeAzureDevOps
from tests.publish.conftest import Platform, platform  # noqa: F401  (the fixture)


@pytest.fixture
def token() -> str:
    return f"pat-{uuid.uuid4().hex}"


@pytest.fixture
def sdk_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK caches discovered locations in memory and on disk, per URL; start clean."""
    from azure.devops import _file_cache
    from azure.devops import client as sdk_client

    monkeypatch.setattr(sdk_client.Client, "_locations_cache", {})
    (tmp_path / "sdk-cache").mkdir()
    cache = _file_cache.get_cache("options", cache_dir=str(tmp_path / "sdk-cache"))
    monkeypatch.setattr(sdk_client, "OPTIONS_FILE_CACHE", cache)
    monkeypatch.delenv("AZURE_DEVOPS_EXT_PAT", raising=False)
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN", raising=False)


@pytest.fixture
def ado(sdk_clean: None, httpserver: HTTPServer, token: str, tmp_path: Path) -> FakeAzureDevOps:
    return FakeAzureDevOps(httpserver, tmp_path / "ado-git", token)


__all__ = ["Platform"]
