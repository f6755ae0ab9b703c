"""A local Kubernetes API answering Flux objects: ``GET /apis/kustomize.toolkit.fluxcd.io/v1/
namespaces/{ns}/kustomizations/{name}`` with the documented status (revisions, conditions)."""

from __future__ import annotations

import json
import re
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


class FakeKubernetes:
    def __init__(self, server: HTTPServer, token: str) -> None:
        self.server = server
        self.token = token
        self.kustomizations: dict[tuple[str, str], dict[str, Any]] = {}
        server.expect_request(re.compile(r"^/apis/.*")).respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def set(self, name: str, revision: str, *, ready: str = "True", reason: str = "ReconciliationSucceeded",
            attempted: str | None = None) -> None:  # fmt: skip
        self.kustomizations[("flux-system", name)] = {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system"},
            "status": {
                "lastAttemptedRevision": f"main@sha1:{attempted or revision}",
                "lastAppliedRevision": f"main@sha1:{revision}",
                "conditions": [
                    {"type": "Ready", "status": ready, "reason": reason, "message": reason}
                ],
            },
        }

    def handle(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"kind": "Status", "code": 401, "reason": "Unauthorized"}, 401)
        match = re.fullmatch(
            r"/apis/kustomize\.toolkit\.fluxcd\.io/v1/namespaces/([^/]+)/kustomizations/([^/]+)",
            request.path,
        )
        found = self.kustomizations.get(match.groups()) if match else None  # type: ignore[arg-type]
        if found is None:
            return _json({"kind": "Status", "code": 404, "reason": "NotFound"}, 404)
        return _json(found)


def _json(document: Any, status: int = 200) -> Response:
    return Response(json.dumps(document), status=status, content_type="application/json")
