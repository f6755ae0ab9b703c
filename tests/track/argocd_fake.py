"""A local Argo CD application API: ``GET /api/v1/applications`` with a bearer token,
answering the documented ``v1alpha1.ApplicationList`` shape (name, labels, sync,
health, operation state, resources)."""

from __future__ import annotations

import json
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

CHART_REVISION = "53d54ac915144006c2c9e90d2c7d3880920db49c"


class FakeArgoCd:
    def __init__(self, server: HTTPServer, token: str) -> None:
        self.server = server
        self.token = token
        self.applications: dict[str, dict[str, Any]] = {}
        self.selectors: list[str] = []
        server.expect_request("/api/v1/applications").respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def set(self, name: str, revision: str, *, sync: str = "Synced", health: str = "Healthy",
            drift: tuple[tuple[str, str, str], ...] = ()) -> None:  # fmt: skip
        tenant, _, rest = name.partition("-")
        self.applications[name] = {
            "metadata": {
                "name": name,
                "namespace": "argocd",
                "labels": {"shipspec/tenant": tenant},
            },
            "spec": {"project": f"{tenant}-{rest.split('-')[0]}"},
            "status": {
                "sync": {"status": sync, "revisions": [CHART_REVISION, revision]},
                "health": {"status": health},
                "operationState": {
                    "phase": "Succeeded",
                    "syncResult": {"revisions": [CHART_REVISION, revision]},
                },
                "resources": [
                    {
                        "kind": k,
                        "namespace": ns,
                        "name": n,
                        "status": "OutOfSync",
                        "health": {"status": "Healthy"},
                    }
                    for k, ns, n in drift
                ],
            },
        }

    def handle(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Response(
                json.dumps({"error": "unauthenticated", "code": 16}),
                status=401,
                content_type="application/json",
            )
        selector = request.args.get("selector", "")
        self.selectors.append(selector)
        key, _, value = selector.partition("=")
        items = [
            a
            for a in self.applications.values()
            if not key or a["metadata"]["labels"].get(key) == value
        ]
        return Response(
            json.dumps({"metadata": {}, "items": items}), content_type="application/json"
        )
