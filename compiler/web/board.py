"""The release board of one project: modules x environments, from the tracked ledger.

Each cell says what runs (version, image digest, who promoted it and when), whether
the cluster agrees (sync status, drifted resources), and what comes next: a release
waiting for approvals, a failed health gate, a pipeline stage running.  What waits
for whom is the ledger's own answer (``release_status``); this module only adds the
facts around it, so the board and ``shipspec release status`` cannot disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from compiler.state.models import (
    ContainerImage,
    EnvironmentPromotion,
    EnvironmentRelease,
    GitOpsSyncState,
    HealthGateResult,
    ObservedHealth,
    PipelineRun,
    ReleasePlan,
    StageRun,
    SyncDrift,
)
from compiler.state.policy import ProjectPolicy
from compiler.state.services.status import release_status
from compiler.state.session import UnitOfWork
from compiler.web.estate import ProjectView

SHORT_DIGEST = len("sha256:") + 12


@dataclass(frozen=True)
class Waiting:
    version: str
    release_id: str
    waiting_for: str
    required: int
    approved_by: tuple[str, ...]
    rejected_by: tuple[str, ...]
    awaited: tuple[str, ...]
    """The approver groups still awaited (empty when the approvals are complete)."""


@dataclass(frozen=True)
class Cell:
    environment: str
    version: str | None = None
    release_id: str | None = None
    digest: str | None = None
    promoted_by: str | None = None
    promoted_at: str | None = None
    sync: str | None = None
    health: str | None = None
    """What Argo CD / Flux last reported (Healthy, Progressing, Degraded, ...)."""
    drift: int = 0
    failed_gates: tuple[str, ...] = ()
    in_progress: str | None = None
    running_stages: tuple[str, ...] = ()
    waiting: tuple[Waiting, ...] = ()

    @property
    def short_digest(self) -> str | None:
        return self.digest[:SHORT_DIGEST] if self.digest else None

    @property
    def state(self) -> str:
        """One word for the cell's colour: what needs attention first."""
        if self.failed_gates or self.health in ("Degraded", "Missing"):
            return "failing"
        if self.waiting or self.in_progress or self.running_stages:
            return "waiting"
        if self.sync not in (None, "Synced") or self.drift:
            return "drifting"
        return "live" if self.version else "empty"


@dataclass(frozen=True)
class Row:
    module: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Board:
    tenant: str
    project: str
    path: tuple[str, ...]
    rows: tuple[Row, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def project_board(uow: UnitOfWork, view: ProjectView, module: str | None = None) -> Board:
    """The board of the deployable modules of `view` (or just `module`)."""
    status = release_status(uow, view.policy, module)
    entries = [entry for entry in status["modules"] if entry["module"] in view.deployables]
    rows = tuple(_row(uow, view, entry) for entry in entries)
    return Board(view.policy.tenant, view.policy.project, view.policy.path, rows)


def _row(uow: UnitOfWork, view: ProjectView, entry: dict[str, Any]) -> Row:
    module = entry["module"]
    running = _running_stages(uow, module)
    cells = tuple(
        _cell(uow, view, module, environment, running) for environment in entry["environments"]
    )
    return Row(module, cells)


def _cell(
    uow: UnitOfWork,
    view: ProjectView,
    module: str,
    status: dict[str, Any],
    running: tuple[str, ...],
) -> Cell:
    policy = view.policy
    environment = status["environment"]
    live = _live(uow, module, environment)
    promotion = uow.scalar(_latest_promotion(uow.scope.project, module, environment))
    application = view.applications[(module, environment)]
    sync, drift = _sync(uow, application, environment)
    in_progress = status["inProgress"]["version"] if status["inProgress"] else None
    return Cell(
        environment=environment,
        version=status["live"],
        release_id=live.release_plan_id if live else None,
        digest=_digest(uow, live.release_plan_id) if live and live.release_plan_id else None,
        promoted_by=_promoted_by(uow, live),
        promoted_at=_iso(status["since"]),
        sync=sync,
        health=_health(uow, application),
        drift=drift,
        failed_gates=_failed_gates(uow, promotion),
        in_progress=in_progress,
        running_stages=running if environment == policy.path[0] else (),
        waiting=tuple(_waiting(w, policy, environment) for w in status["waiting"]),
    )


def _live(uow: UnitOfWork, module: str, environment: str) -> EnvironmentRelease | None:
    return uow.scalar(
        select(EnvironmentRelease).where(
            EnvironmentRelease.project == uow.scope.project,
            EnvironmentRelease.module == module,
            EnvironmentRelease.environment == environment,
        )
    )


def _latest_promotion(project: str, module: str, environment: str) -> Any:
    return (
        select(EnvironmentPromotion)
        .where(
            EnvironmentPromotion.project == project,
            EnvironmentPromotion.module == module,
            EnvironmentPromotion.environment == environment,
        )
        .order_by(EnvironmentPromotion.started_at.desc(), EnvironmentPromotion.id.desc())
        .limit(1)
    )


def _digest(uow: UnitOfWork, plan_id: str) -> str | None:
    plan = uow.scalar(select(ReleasePlan).where(ReleasePlan.id == plan_id))
    if plan is None or plan.image_id is None:
        return None
    image = uow.scalar(select(ContainerImage).where(ContainerImage.id == plan.image_id))
    return image.digest if image else None


def _promoted_by(uow: UnitOfWork, live: EnvironmentRelease | None) -> str | None:
    if live is None or live.promotion_id is None:
        return None
    promotion = uow.scalar(
        select(EnvironmentPromotion).where(EnvironmentPromotion.id == live.promotion_id)
    )
    return promotion.requested_by if promotion else None


def _sync(uow: UnitOfWork, application: str, environment: str) -> tuple[str | None, int]:
    state = uow.scalar(
        select(GitOpsSyncState).where(
            GitOpsSyncState.application == application, GitOpsSyncState.environment == environment
        )
    )
    if state is None:
        return None, 0
    drift = uow.scalar(
        select(func.count()).select_from(SyncDrift).where(SyncDrift.sync_state_id == state.id)
    )
    return state.status, int(drift or 0)


def _health(uow: UnitOfWork, application: str) -> str | None:
    observed = uow.scalar(
        select(ObservedHealth).where(
            ObservedHealth.project == uow.scope.project, ObservedHealth.application == application
        )
    )
    return observed.health_status if observed else None


def _failed_gates(uow: UnitOfWork, promotion: EnvironmentPromotion | None) -> tuple[str, ...]:
    if promotion is None or promotion.status != "Failed":
        return ()
    gates = uow.scalars(
        select(HealthGateResult)
        .where(HealthGateResult.promotion_id == promotion.id, HealthGateResult.passed.is_(False))
        .order_by(HealthGateResult.name)
    )
    return tuple(f"{g.name}: {g.detail}" if g.detail else g.name for g in gates) or ("failed",)


def _running_stages(uow: UnitOfWork, module: str) -> tuple[str, ...]:
    runs = uow.scalars(
        select(PipelineRun).where(
            PipelineRun.project == uow.scope.project,
            PipelineRun.module == module,
            PipelineRun.status.in_(("Started", "InProgress")),
        )
    )
    stages = uow.scalars(
        select(StageRun)
        .where(StageRun.run_id.in_([run.id for run in runs]), StageRun.status == "InProgress")
        .order_by(StageRun.name)
    )
    return tuple(f"{stage.name} (run {_run_number(runs, stage.run_id)})" for stage in stages)


def _run_number(runs: list[PipelineRun], run_id: str) -> str:
    return next((run.run_number for run in runs if run.id == run_id), "?")


def _waiting(entry: dict[str, Any], policy: ProjectPolicy, environment: str) -> Waiting:
    groups = policy.environment(environment).approvers
    awaited = groups if entry["missing"] else ()
    return Waiting(
        version=entry["version"],
        release_id=entry["releaseId"],
        waiting_for=entry["waitingFor"],
        required=entry["required"],
        approved_by=tuple(entry["approvedBy"]),
        rejected_by=tuple(entry["rejectedBy"]),
        awaited=tuple(awaited),
    )


def _iso(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)
