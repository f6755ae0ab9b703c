"""Tables for pipeline runs, their stages, and the one build result of each run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compiler.state.models.base import (
    NAME_LENGTH,
    RUN_STATES,
    SHA_LENGTH,
    Base,
    Identified,
    finished_iff_terminal,
    in_list,
    utcnow,
)


class PipelineRun(Identified, Base):
    """One run of a pipeline; status moves Started -> InProgress -> a terminal state."""

    __tablename__ = "pipeline_runs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "definition_id", "run_number"),
        CheckConstraint(in_list("status", RUN_STATES), name="status"),
        CheckConstraint(finished_iff_terminal(), name="finished_only_when_terminal"),
        Index(None, "tenant_id", "project", "started_at"),
    )

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    definition_id: Mapped[str] = mapped_column(ForeignKey("pipeline_definitions.id"))
    pipeline: Mapped[str] = mapped_column(String(NAME_LENGTH))
    run_number: Mapped[str] = mapped_column(String(NAME_LENGTH))
    module: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    source_commit: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    source_branch: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    status: Mapped[str] = mapped_column(String(20), default="Started")
    requested_by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class StageRun(Identified, Base):
    """One stage of a run, with the same status rules as the run."""

    __tablename__ = "stage_runs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "run_id", "name"),
        CheckConstraint(in_list("status", RUN_STATES), name="status"),
        CheckConstraint(finished_iff_terminal(), name="finished_only_when_terminal"),
    )

    run_id: Mapped[str] = mapped_column(ForeignKey("pipeline_runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    status: Mapped[str] = mapped_column(String(20), default="Started")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class BuildResult(Identified, Base):
    """The test summary and coverage of a run; at most one per run."""

    __tablename__ = "build_results"
    __table_args__ = (
        UniqueConstraint("tenant_id", "run_id"),
        CheckConstraint(
            "tests_passed + tests_failed + tests_errored + tests_skipped = tests_total",
            name="test_counts_add_up",
        ),
    )

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    run_id: Mapped[str] = mapped_column(ForeignKey("pipeline_runs.id"))
    tests_total: Mapped[int]
    tests_passed: Mapped[int]
    tests_failed: Mapped[int]
    tests_errored: Mapped[int]
    tests_skipped: Mapped[int]
    test_duration_seconds: Mapped[float]
    suites: Mapped[list[Any]]
    line_rate: Mapped[float | None]
    branch_rate: Mapped[float | None]
    lines_covered: Mapped[int | None]
    lines_valid: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BuildArtifact(Identified, Base):
    """A named output of a build (an image, a package, a drop) and where it lives."""

    __tablename__ = "build_artifacts"
    __table_args__ = (UniqueConstraint("tenant_id", "build_result_id", "name"),)

    build_result_id: Mapped[str] = mapped_column(ForeignKey("build_results.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    kind: Mapped[str] = mapped_column(String(50))
    uri: Mapped[str] = mapped_column(String(1000))
