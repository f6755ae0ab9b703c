"""Polling Argo CD's application API (``GET /api/v1/applications``, bearer token).

Each Application the compiled specs declare becomes a
:class:`~compiler.track.observations.SyncSeen`: desired revision (``status.sync``),
applied revision (the last sync operation's result), sync and health status, and
the resources that are out of sync (drift).
"""

from __future__ import annotations

from typing import Any

import requests

from compiler.errors import ExternalError
from compiler.serve.payloads.gitops import gitops_revision
from compiler.track.catalog import ProjectCatalog
from compiler.track.observations import SyncSeen


class ArgoCdPoller:
    def __init__(self, url: str, token: str, *, timeout: float = 30) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def observe(self, catalog: ProjectCatalog) -> list[SyncSeen]:
        names = {a.name for a in catalog.applications if a.engine == "argocd"}
        if not names:
            return []
        items = self._applications(f"shipspec/tenant={catalog.tenant}")
        return [_seen(item) for item in items if item.get("metadata", {}).get("name") in names]

    def _applications(self, selector: str) -> list[dict[str, Any]]:
        try:
            response = requests.get(
                f"{self.url}/api/v1/applications",
                params={"selector": selector},
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise ExternalError(f"Argo CD at {self.url} is unreachable: {error}") from error
        if response.status_code in (401, 403):
            raise ExternalError(
                f"Argo CD refused the token ({response.status_code})",
                hint="the token needs `applications, get` on the project's applications",
            )
        if response.status_code != 200:
            raise ExternalError(f"Argo CD answered {response.status_code} for the application list")
        return list(response.json().get("items") or [])


def _seen(item: dict[str, Any]) -> SyncSeen:
    status = item.get("status", {})
    sync = status.get("sync", {})
    result = status.get("operationState", {}).get("syncResult", {})
    sync_status = sync.get("status", "Unknown")
    applied = gitops_revision(result.get("revision", ""), result.get("revisions", []))
    drift = tuple(
        (r.get("kind", ""), r.get("namespace", ""), r.get("name", ""))
        for r in status.get("resources", [])
        if r.get("status") == "OutOfSync"
    )
    return SyncSeen(
        application=item["metadata"]["name"],
        desired=gitops_revision(sync.get("revision", ""), sync.get("revisions", [])),
        applied=applied if sync_status == "Synced" else None,
        sync_status=sync_status,
        health_status=status.get("health", {}).get("status", "Unknown"),
        drift=drift,
    )
