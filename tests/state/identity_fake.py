"""Azure DevOps as far as identity goes: connection data (who a token belongs to) and the
Graph API (groups a user is a direct member of; a storage key resolved to a descriptor),
in the documented REST shapes, over pytest-httpserver. Requests without the expected
token get 401."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from azure.devops.v7_1.graph import GraphClient
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

LOCATIONS = [
    ("e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "ResourceAreas", "_apis/resourceAreas/{areaId}"),
    ("00d9565f-ed9c-4a06-9a50-00e7896ccab4", "Location", "ConnectionData", "_apis/connectionData"),
    ("e34b6394-6b30-4435-94a9-409a5eef3e31", "Graph", "Memberships", "_apis/Graph/Memberships/{subjectDescriptor}"),
    ("ebbe6af8-0b91-4c13-8cf1-777c14858188", "Graph", "Groups", "_apis/Graph/Groups/{groupDescriptor}"),
    ("048aee0a-7072-4cde-ab73-7af77b1e0b4e", "Graph", "Descriptors", "_apis/Graph/Descriptors/{storageKey}"),
]  # fmt: skip


class IdentityServer:
    """One organization with users (by token) and groups (by principal name)."""

    def __init__(self, server: HTTPServer, org: str = "contoso") -> None:
        self.server, self.org = server, org
        self.users: dict[str, dict[str, Any]] = {}  # token -> user
        self.groups: dict[str, str] = {}  # descriptor -> principal name
        self.members: dict[str, list[str]] = {}  # user descriptor -> group descriptors
        self.storage_keys: dict[str, str] = {}  # identity id -> descriptor
        self.calls = 0
        for path in (f"/{org}/_apis", f"/{org}/_apis/"):
            server.expect_request(path, method="OPTIONS").respond_with_handler(
                self._guard(self.options)
            )
        server.expect_request(f"/{org}/_apis/resourceAreas").respond_with_handler(
            self._guard(self.areas)
        )
        server.expect_request(f"/{org}/_apis/connectionData").respond_with_handler(
            self._guard(self.who)
        )
        for path in ("Graph/Memberships", "Graph/Groups", "Graph/Descriptors"):
            server.expect_request(re.compile(f"/{org}/_apis/{path}/.*")).respond_with_handler(
                self._guard(self.graph)
            )

    @property
    def url(self) -> str:
        return self.server.url_for("/{organization}").replace("%7B", "{").replace("%7D", "}")

    def user(self, token: str | None, email: str, groups: list[str]) -> None:
        """A user (signing in with ``token``; None: one who only requests pipeline runs)."""
        descriptor = f"aad.{email}"
        self.storage_keys[f"id-{email}"] = descriptor
        user = {
            "id": f"id-{email}",
            "subjectDescriptor": descriptor,
            "providerDisplayName": email.split("@")[0],
            "properties": {"Account": {"$type": "System.String", "$value": email}},
        }
        if token is not None:
            self.users[token] = user
        self.members[descriptor] = []
        for name in groups:
            group = f"vssgp.{len(self.groups)}"
            self.groups[group] = name
            self.members[descriptor].append(group)

    def _guard(self, handler: Any) -> Any:
        def guarded(request: Request) -> Response:
            self.calls += 1
            header = request.headers.get("Authorization", "")
            token = (
                base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")[2]
                if header
                else ""
            )
            if token not in self.users:
                return Response("unauthorized", status=401)
            return handler(request, self.users[token])

        return guarded

    def options(self, request: Request, user: dict[str, Any]) -> Response:
        value = [
            {"id": lid, "area": area, "resourceName": name, "routeTemplate": template,
             "resourceVersion": 1, "minVersion": 1.0, "maxVersion": 7.1, "releasedVersion": "7.0"}
            for lid, area, name, template in LOCATIONS
        ]  # fmt: skip
        return _json({"count": len(value), "value": value})

    def areas(self, request: Request, user: dict[str, Any]) -> Response:
        base = self.server.url_for(f"/{self.org}")
        area = {"id": GraphClient.resource_area_identifier, "name": "Graph", "locationUrl": base}
        return _json({"count": 1, "value": [area]})

    def who(self, request: Request, user: dict[str, Any]) -> Response:
        return _json({"authenticatedUser": user, "authorizedUser": user})

    def graph(self, request: Request, user: dict[str, Any]) -> Response:
        descriptor = request.path.rsplit("/", 1)[-1]
        if "/Descriptors/" in request.path:
            if descriptor not in self.storage_keys:
                return Response("not found", status=404)
            return _json({"value": self.storage_keys[descriptor]})
        if "/Memberships/" in request.path:
            value = [
                {"containerDescriptor": group, "memberDescriptor": descriptor}
                for group in self.members.get(descriptor, [])
            ]
            return _json({"count": len(value), "value": value})
        return _json({"descriptor": descriptor, "principalName": self.groups[descriptor]})


def _json(document: Any) -> Response:
    return Response(json.dumps(document), status=200, content_type="application/json")
