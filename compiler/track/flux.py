"""Polling Flux through the Kubernetes API: the status of each Kustomization (and
HelmRelease) the compiled specs declare.

``status.lastAttemptedRevision`` is the desired revision, ``status.lastAppliedRevision``
the applied one, and the ``Ready`` condition the health: True is Synced/Healthy,
False with a failure reason is Degraded, anything else is still Progressing.
"""

from __future__ import annotations

from typing import Any

import requests

from compiler.errors import ExternalError
from compiler.serve.payloads.gitops import flux_revision
from compiler.track.catalog import ProjectCatalog
from compiler.track.observations import SyncSeen

PATHS = {
    "Kustomization": "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{namespace}/kustomizations/{name}",
    "HelmRelease": "/apis/helm.toolkit.fluxcd.io/v2/namespaces/{namespace}/helmreleases/{name}",
}
FAILURES = frozenset(
    {
        "ReconciliationFailed",
        "HealthCheckFailed",
        "BuildFailed",
        "ArtifactFailed",
        "InstallFailed",
        "UpgradeFailed",
    }
)


class FluxPoller:
    def __init__(
        self, url: str, token: str, *, timeout: float = 30, verify: bool | str = True
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.verify = verify

    def observe(self, catalog: ProjectCatalog) -> list[SyncSeen]:
        found = []
        for application in catalog.applications:
            if application.engine != "flux":
                continue
            document = self._object(application.name)
            if document is not None:
                found.append(_seen(application.name, document.get("status", {})))
        return found

    def _object(self, key: str) -> dict[str, Any] | None:
        kind, namespace, name = key.split("/", 2)
        path = PATHS.get(kind)
        if path is None:
            return None
        try:
            response = requests.get(
                self.url + path.format(namespace=namespace, name=name),
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=self.timeout,
                verify=self.verify,
            )
        except requests.RequestException as error:
            raise ExternalError(
                f"the Kubernetes API at {self.url} is unreachable: {error}"
            ) from error
        if response.status_code == 404:
            return None
        if response.status_code in (401, 403):
            raise ExternalError(
                f"the Kubernetes API refused the token ({response.status_code}) for {key}",
                hint="the token needs get on kustomizations and helmreleases in flux-system",
            )
        if response.status_code != 200:
            raise ExternalError(f"the Kubernetes API answered {response.status_code} for {key}")
        return dict(response.json())


def _seen(key: str, status: dict[str, Any]) -> SyncSeen:
    ready = next((c for c in status.get("conditions", []) if c.get("type") == "Ready"), {})
    desired = flux_revision(status.get("lastAttemptedRevision", ""))
    applied = flux_revision(status.get("lastAppliedRevision", ""))
    healthy = ready.get("status") == "True"
    failing = ready.get("status") == "False" and ready.get("reason") in FAILURES
    synced = healthy and applied is not None and applied == desired
    return SyncSeen(
        application=key,
        desired=desired,
        applied=applied if synced else None,
        sync_status="Synced" if synced else "OutOfSync",
        health_status="Healthy" if healthy else "Degraded" if failing else "Progressing",
    )
