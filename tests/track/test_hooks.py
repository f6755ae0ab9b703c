"""Publish wires tracking up: with SHIPSPEC_TRACKING_URL set, `shipspec publish
--provider azure-devops` creates one Web Hooks subscription per tracked event in the
published project (through the SDK, against the publish suite's local Azure DevOps
extended with the documented ``_apis/hooks/subscriptions`` route); a second publish
creates none; without a tracking URL nothing is subscribed."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from compiler.errors import UsageError
from compiler.publish.providers.azure_hooks import EVENTS, tracking_from_environment
from tests.publish.azure_fake import FakeAzureDevOps
from tests.publish.conftest import _platform

HOOKS_LOCATION = (
    "fc50d02a-849f-41fb-8af1-0a5216103269",
    "hooks",
    "subscriptions",
    "_apis/hooks/subscriptions/{subscriptionId}",
)


class FakeWithHooks(FakeAzureDevOps):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscriptions: list[dict[str, Any]] = []

    def _routes(self) -> list[tuple[str, str, Any]]:
        hooks = r"/_apis/hooks/subscriptions"
        return [
            *super()._routes(),
            (hooks, "GET", self.list_hooks),
            (hooks, "POST", self.create_hook),
        ]

    def options(self, request: Request) -> Response:
        document = json.loads(super().options(request).get_data())
        lid, area, resource, template = HOOKS_LOCATION
        document["value"].append({"id": lid, "area": area, "resourceName": resource, "routeTemplate": template,
                                  "resourceVersion": 1, "minVersion": 1.0, "maxVersion": 7.1, "releasedVersion": "7.0"})  # fmt: skip
        return Response(json.dumps(document), content_type="application/json")

    def list_hooks(self, request: Request) -> Response:
        shown = [
            {**s, "consumerInputs": {**s["consumerInputs"], "httpHeaders": "********"}}
            for s in self.subscriptions
        ]
        return Response(
            json.dumps({"count": len(shown), "value": shown}), content_type="application/json"
        )

    def create_hook(self, request: Request) -> Response:
        subscription = {**json.loads(request.get_data()), "id": str(uuid.uuid4())}
        self.subscriptions.append(subscription)
        return Response(json.dumps(subscription), content_type="application/json")


@pytest.fixture
def hooked(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, FakeWithHooks]:
    from azure.devops import _file_cache
    from azure.devops import client as sdk_client

    monkeypatch.setattr(sdk_client.Client, "_locations_cache", {})
    (tmp_path / "sdk-cache").mkdir()
    monkeypatch.setattr(
        sdk_client,
        "OPTIONS_FILE_CACHE",
        _file_cache.get_cache("options", cache_dir=str(tmp_path / "sdk-cache")),
    )
    token = f"pat-{uuid.uuid4().hex}"
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", token)
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN", raising=False)
    platform = _platform(tmp_path, f"sqlite:///{tmp_path / 'state.db'}")
    return platform, FakeWithHooks(httpserver, tmp_path / "ado-git", token)


def _publish(platform: Any, ado: FakeWithHooks) -> None:
    result = platform.run(provider="azure-devops", azure_devops_url=ado.base_url)
    assert result.exit_code == 0


def test_publish_subscribes_once_per_event_and_project(hooked, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    platform, ado = hooked
    monkeypatch.setenv("SHIPSPEC_TRACKING_URL", "https://shipspec.example/")
    monkeypatch.setenv("SHIPSPEC_HOOK_AZURE_DEVOPS_SECRET", "hook-secret")
    _publish(platform, ado)
    assert sorted(s["eventType"] for s in ado.subscriptions) == sorted(e for _, e, _ in EVENTS)
    project_id = ado.projects["payments"]["id"]
    for subscription in ado.subscriptions:
        assert (
            subscription["consumerId"] == "webHooks"
            and subscription["consumerActionId"] == "httpRequest"
        )
        assert (
            subscription["consumerInputs"]["url"] == "https://shipspec.example/hooks/azure-devops"
        )
        assert subscription["consumerInputs"]["httpHeaders"] == "X-Shipspec-Secret:hook-secret"
        assert subscription["publisherInputs"] == {"projectId": project_id}
    _publish(platform, ado)
    assert len(ado.subscriptions) == len(EVENTS)


def test_without_a_tracking_url_nothing_is_subscribed(hooked, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    platform, ado = hooked
    monkeypatch.delenv("SHIPSPEC_TRACKING_URL", raising=False)
    _publish(platform, ado)
    assert ado.subscriptions == []


def test_a_tracking_url_needs_the_shared_secret() -> None:
    assert tracking_from_environment({}) is None
    with pytest.raises(UsageError, match="SHIPSPEC_HOOK_AZURE_DEVOPS_SECRET"):
        tracking_from_environment({"SHIPSPEC_TRACKING_URL": "https://shipspec.example"})
    with pytest.raises(UsageError, match="not an http"):
        tracking_from_environment(
            {"SHIPSPEC_TRACKING_URL": "ftp://x", "SHIPSPEC_HOOK_AZURE_DEVOPS_SECRET": "s"}
        )
