"""Tables the tracker writes: where observed events belong, which deliveries were
already taken, and the observed facts that the ledger is converged from.

``tracking_routes`` is the one table without a tenant: it is the directory that maps
an Azure DevOps pipeline or repository, an Argo CD application or a Flux object to
the tenant and project that own it.  Only ``shipspec track`` and publish write it,
from the compiled specs; a webhook never does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compiler.state.models.base import (
    NAME_LENGTH,
    SHA_LENGTH,
    TENANT_LENGTH,
    Base,
    Identified,
    utcnow,
)

KEY_LENGTH = 500
URL_LENGTH = 1000


class TrackingRoute(Base):
    """An external object (``kind`` + ``key``) and the tenant/project it belongs to."""

    __tablename__ = "tracking_routes"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(TENANT_LENGTH))
    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    detail: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrackingDelivery(Identified, Base):
    """A webhook delivery already taken: the same event id is recorded once."""

    __tablename__ = "tracking_deliveries"
    __table_args__ = (UniqueConstraint("tenant_id", "source", "event_id"),)

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    source: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(KEY_LENGTH))
    event_type: Mapped[str] = mapped_column(String(NAME_LENGTH))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunLink(Identified, Base):
    """The Azure DevOps build behind a pipeline run (its id and web link)."""

    __tablename__ = "tracked_run_links"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_key"),
        UniqueConstraint("tenant_id", "run_id"),
    )

    run_id: Mapped[str] = mapped_column(ForeignKey("pipeline_runs.id", ondelete="CASCADE"))
    external_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    build_id: Mapped[int] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(URL_LENGTH))


class ObservedApproval(Identified, Base):
    """An Azure DevOps environment approval as last seen, with its steps.

    ``steps`` lists ``{approver, status, comment, decidedAt}``; ``violations`` the
    approvers whose decision broke segregation of duties (they planned the release).
    """

    __tablename__ = "tracked_approvals"
    __table_args__ = (UniqueConstraint("tenant_id", "project", "external_id"),)

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    external_id: Mapped[str] = mapped_column(String(NAME_LENGTH))
    build_id: Mapped[int | None] = mapped_column(Integer)
    module: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    environment: Mapped[str] = mapped_column(String(NAME_LENGTH))
    status: Mapped[str] = mapped_column(String(40))
    required: Mapped[int] = mapped_column(Integer, default=1)
    steps: Mapped[list[Any]]
    violations: Mapped[list[Any]]
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ObservedDeployment(Identified, Base):
    """A deploy stage's push into a GitOps repository: module, environment, digest."""

    __tablename__ = "tracked_deployments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "project", "commit_sha", "module", "environment"),
    )

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    repository: Mapped[str] = mapped_column(String(NAME_LENGTH))
    commit_sha: Mapped[str] = mapped_column(String(SHA_LENGTH))
    module: Mapped[str] = mapped_column(String(NAME_LENGTH))
    environment: Mapped[str] = mapped_column(String(NAME_LENGTH))
    digest: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    build_id: Mapped[int | None] = mapped_column(Integer)
    pushed_by: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ObservedHealth(Identified, Base):
    """The latest sync and health state an Argo CD / Flux object reported."""

    __tablename__ = "tracked_health"
    __table_args__ = (UniqueConstraint("tenant_id", "project", "application"),)

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    application: Mapped[str] = mapped_column(String(NAME_LENGTH))
    environment: Mapped[str] = mapped_column(String(NAME_LENGTH))
    revision: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    sync_status: Mapped[str] = mapped_column(String(40))
    health_status: Mapped[str] = mapped_column(String(40))
    healthy: Mapped[bool] = mapped_column(Boolean, default=False)
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)
