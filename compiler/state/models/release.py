"""Tables for releases: plans, approvals, promotions with their health gates, and
the version live in each environment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from compiler.state.models.base import (
    ID_LENGTH,
    NAME_LENGTH,
    Base,
    Identified,
    in_list,
    utcnow,
)

DECISIONS = ("approved", "rejected")
PROMOTION_KINDS = ("promotion", "rollback")
PROMOTION_STATES = ("InProgress", "Succeeded", "Failed")


class ReleasePlan(Identified, Base):
    """A version of a module, built by a successful build, to go along the path."""

    __tablename__ = "release_plans"
    __table_args__ = (
        UniqueConstraint("tenant_id", "project", "module", "version"),
        UniqueConstraint("tenant_id", "project", "module", "ordinal"),
    )

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    module: Mapped[str] = mapped_column(String(NAME_LENGTH))
    version: Mapped[str] = mapped_column(String(NAME_LENGTH))
    ordinal: Mapped[int]
    build_result_id: Mapped[str] = mapped_column(ForeignKey("build_results.id"))
    image_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("container_images.id")
    )
    planner: Mapped[str] = mapped_column(String(NAME_LENGTH))
    planner_source: Mapped[str] = mapped_column(String(NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReleaseApproval(Identified, Base):
    """One approver's immutable decision for one environment of a release plan."""

    __tablename__ = "release_approvals"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "release_plan_id",
            "environment",
            "approver",
            name="uq_release_approvals_one_decision",
        ),
        CheckConstraint("approver <> planner", name="approver_is_not_planner"),
        CheckConstraint("recorded_by <> planner", name="recorder_is_not_planner"),
        CheckConstraint(in_list("decision", DECISIONS), name="decision"),
        CheckConstraint("required_approvals > 0", name="policy_requires_approval"),
    )

    release_plan_id: Mapped[str] = mapped_column(ForeignKey("release_plans.id"))
    environment: Mapped[str] = mapped_column(String(NAME_LENGTH))
    approver: Mapped[str] = mapped_column(String(NAME_LENGTH))
    approver_source: Mapped[str] = mapped_column(String(NAME_LENGTH))
    recorded_by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    planner: Mapped[str] = mapped_column(String(NAME_LENGTH))
    decision: Mapped[str] = mapped_column(String(20))
    required_approvals: Mapped[int]
    comment: Mapped[str] = mapped_column(String(2000), default="")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnvironmentPromotion(Identified, Base):
    """Moving a release into an environment (or rolling one back there)."""

    __tablename__ = "environment_promotions"
    __table_args__ = (
        CheckConstraint(in_list("kind", PROMOTION_KINDS), name="kind"),
        CheckConstraint(in_list("status", PROMOTION_STATES), name="status"),
        CheckConstraint(
            "(status = 'InProgress' AND completed_at IS NULL)"
            " OR (status <> 'InProgress' AND completed_at IS NOT NULL)",
            name="completed_only_when_done",
        ),
        Index(
            "uq_environment_promotions_one_in_progress",
            "tenant_id",
            "project",
            "module",
            "environment",
            unique=True,
            sqlite_where=text("status = 'InProgress'"),
            postgresql_where=text("status = 'InProgress'"),
        ),
        Index(
            "uq_environment_promotions_once_per_environment",
            "tenant_id",
            "release_plan_id",
            "environment",
            unique=True,
            sqlite_where=text("kind = 'promotion' AND status <> 'Failed'"),
            postgresql_where=text("kind = 'promotion' AND status <> 'Failed'"),
        ),
    )

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    release_plan_id: Mapped[str] = mapped_column(ForeignKey("release_plans.id"))
    module: Mapped[str] = mapped_column(String(NAME_LENGTH))
    version: Mapped[str] = mapped_column(String(NAME_LENGTH))
    environment: Mapped[str] = mapped_column(String(NAME_LENGTH))
    kind: Mapped[str] = mapped_column(String(20), default="promotion")
    status: Mapped[str] = mapped_column(String(20), default="InProgress")
    previous_version: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    requested_by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    requested_by_source: Mapped[str] = mapped_column(String(NAME_LENGTH))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class HealthGateResult(Identified, Base):
    """One health gate checked for a promotion; all must pass for it to complete."""

    __tablename__ = "health_gate_results"
    __table_args__ = (UniqueConstraint("tenant_id", "promotion_id", "name"),)

    promotion_id: Mapped[str] = mapped_column(
        ForeignKey("environment_promotions.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    passed: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(String(2000), default="")
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnvironmentRelease(Identified, Base):
    """What runs where: the live release of a module in an environment.

    The row is also the lock a promotion takes on (module, environment).
    """

    __tablename__ = "environment_releases"
    __table_args__ = (UniqueConstraint("tenant_id", "project", "module", "environment"),)

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    module: Mapped[str] = mapped_column(String(NAME_LENGTH))
    environment: Mapped[str] = mapped_column(String(NAME_LENGTH))
    release_plan_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("release_plans.id")
    )
    version: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    promotion_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("environment_promotions.id")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
