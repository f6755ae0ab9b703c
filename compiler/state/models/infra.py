"""Tables for infrastructure operations (Pulumi preview/apply, the per-stack apply
lock) and GitOps sync state with its drift records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compiler.state.models.base import (
    ID_LENGTH,
    NAME_LENGTH,
    SHA_LENGTH,
    Base,
    Identified,
    in_list,
    utcnow,
)

OPERATIONS = ("preview", "apply")
OPERATION_STATES = ("InProgress", "Succeeded", "Failed")
SYNC_STATES = ("Synced", "OutOfSync", "Drifted")


class InfrastructurePlan(Identified, Base):
    """One preview or apply of a stack's program at a given sha."""

    __tablename__ = "infrastructure_plans"
    __table_args__ = (
        CheckConstraint(in_list("operation", OPERATIONS), name="operation"),
        CheckConstraint(in_list("status", OPERATION_STATES), name="status"),
        CheckConstraint(
            "(status = 'InProgress' AND finished_at IS NULL)"
            " OR (status <> 'InProgress' AND finished_at IS NOT NULL)",
            name="finished_only_when_done",
        ),
        Index("ix_infrastructure_plans_stack_sha", "tenant_id", "project", "stack", "program_sha"),
    )

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    stack: Mapped[str] = mapped_column(String(NAME_LENGTH))
    program_sha: Mapped[str] = mapped_column(String(SHA_LENGTH))
    operation: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="InProgress")
    preview_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("infrastructure_plans.id")
    )
    actor: Mapped[str] = mapped_column(String(NAME_LENGTH))
    summary: Mapped[dict[str, Any]]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class StackLock(Identified, Base):
    """The one active apply of a stack; a lease that expires if its holder dies."""

    __tablename__ = "stack_locks"
    __table_args__ = (UniqueConstraint("tenant_id", "project", "stack"),)

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    stack: Mapped[str] = mapped_column(String(NAME_LENGTH))
    operation_id: Mapped[str] = mapped_column(ForeignKey("infrastructure_plans.id"))
    holder: Mapped[str] = mapped_column(String(NAME_LENGTH))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class GitOpsSyncState(Identified, Base):
    """Desired versus applied commit of one GitOps application in one environment."""

    __tablename__ = "gitops_sync_states"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "project",
            "application",
            "environment",
            name="uq_gitops_sync_states_natural_key",
        ),
        CheckConstraint(in_list("status", SYNC_STATES), name="status"),
    )

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    application: Mapped[str] = mapped_column(String(NAME_LENGTH))
    environment: Mapped[str] = mapped_column(String(NAME_LENGTH))
    desired_commit: Mapped[str] = mapped_column(String(SHA_LENGTH))
    applied_commit: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    status: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncRevision(Identified, Base):
    """The order in which commits became desired; applied may only move forward in it."""

    __tablename__ = "sync_revisions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "sync_state_id", "commit_sha"),
        UniqueConstraint("tenant_id", "sync_state_id", "ordinal"),
    )

    sync_state_id: Mapped[str] = mapped_column(
        ForeignKey("gitops_sync_states.id", ondelete="CASCADE")
    )
    commit_sha: Mapped[str] = mapped_column(String(SHA_LENGTH))
    ordinal: Mapped[int]


class SyncDrift(Identified, Base):
    """One resource found to differ from Git at a sync observation."""

    __tablename__ = "sync_drifts"
    __table_args__ = (Index(None, "tenant_id", "sync_state_id", "detected_at"),)

    sync_state_id: Mapped[str] = mapped_column(
        ForeignKey("gitops_sync_states.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(NAME_LENGTH))
    namespace: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    applied_commit: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
