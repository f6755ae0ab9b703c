"""Argo CD notification and Flux notification-controller payloads.

Argo CD sends what shipspec's webhook template renders (see
:data:`compiler.track.notifications.ARGOCD_TEMPLATE`); Flux sends its event object
(``involvedObject``, ``reason``, ``metadata.revision``...) through a ``generic-hmac``
Provider.  Both become a :class:`~compiler.track.observations.SyncSeen`.
"""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel, ConfigDict, Field

from compiler.track.observations import SyncSeen
from compiler.track.routes import ARGOCD, FLUX

SHA = re.compile(r"[0-9a-f]{7,64}")
Name = Field(min_length=1, max_length=500)


class Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Resource(Loose):
    kind: str = Name
    namespace: str = ""
    name: str = Name


class ArgoNotification(Loose):
    id: str = Field(min_length=1, max_length=500)
    application: str = Name
    syncStatus: str = Field(min_length=1, max_length=40)
    healthStatus: str = Field(min_length=1, max_length=40)
    revision: str = ""
    revisions: list[str] = []
    appliedRevision: str = ""
    appliedRevisions: list[str] = []
    outOfSync: list[Resource] = []

    def observation(self) -> SyncSeen:
        desired = gitops_revision(self.revision, self.revisions)
        applied = gitops_revision(self.appliedRevision, self.appliedRevisions)
        return SyncSeen(
            application=self.application,
            desired=desired,
            applied=applied if applied and self.syncStatus == "Synced" else None,
            sync_status=self.syncStatus,
            health_status=self.healthStatus,
            drift=tuple((r.kind, r.namespace, r.name) for r in self.outOfSync),
        )

    def route(self) -> tuple[str, str]:
        return ARGOCD, self.application


class InvolvedObject(Loose):
    kind: str = Name
    namespace: str = Name
    name: str = Name
    uid: str = ""


class FluxEvent(Loose):
    involvedObject: InvolvedObject
    severity: str = Field(min_length=1, max_length=20)
    timestamp: str = Field(min_length=1, max_length=60)
    message: str = ""
    reason: str = Field(min_length=1, max_length=200)
    metadata: dict[str, str] = {}
    reportingController: str = ""

    def event_id(self) -> str:
        """Flux events carry no id: the object, reason, time and revision make one."""
        obj = self.involvedObject
        parts = [obj.uid or f"{obj.kind}/{obj.namespace}/{obj.name}", self.reason, self.timestamp]
        parts.append(self.metadata.get("revision", ""))
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def route(self) -> tuple[str, str]:
        obj = self.involvedObject
        return FLUX, f"{obj.kind}/{obj.namespace}/{obj.name}"

    def observation(self) -> SyncSeen:
        revision = flux_revision(self.metadata.get("revision", ""))
        succeeded = self.severity == "info" and self.reason == "ReconciliationSucceeded"
        failed = self.severity == "error"
        health = "Healthy" if succeeded else "Degraded" if failed else "Progressing"
        return SyncSeen(
            application=self.route()[1],
            desired=revision,
            applied=revision if succeeded else None,
            sync_status="Synced" if succeeded else "OutOfSync",
            health_status=health,
        )


def gitops_revision(single: str, many: list[str]) -> str | None:
    """The GitOps repository's revision: the last source of a multi-source application
    (shipspec's applications list the chart first and the values repository last)."""
    chosen = many[-1] if many else single
    return chosen if SHA.fullmatch(chosen or "") else None


def flux_revision(revision: str) -> str | None:
    """``main@sha1:abc...`` (Flux v2) or ``main/abc...`` (older) -> ``abc...``.

    >>> flux_revision("main@sha1:0123456789abcdef")
    '0123456789abcdef'
    """
    tail = revision.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return tail if SHA.fullmatch(tail) else None
