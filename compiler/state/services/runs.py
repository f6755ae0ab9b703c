"""Pipeline runs: start, move through the lifecycle, list and show.

Lifecycle: ``Started -> InProgress -> Succeeded | Failed | Canceled``; nothing else.
``finishedAt`` is set exactly when a run reaches a terminal state (the database
checks that too).  Stages follow the same lifecycle inside a run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from compiler.state.errors import InvariantError, TransitionError
from compiler.state.idempotency import Outcome, derive_key, once
from compiler.state.identity import Actor
from compiler.state.models import BuildResult, PipelineDefinition, PipelineRun, StageRun
from compiler.state.models.base import RUN_STATES, TERMINAL_RUN_STATES, utcnow
from compiler.state.session import UnitOfWork

TRANSITIONS: dict[str, frozenset[str]] = {
    "Started": frozenset({"InProgress"}),
    "InProgress": frozenset(TERMINAL_RUN_STATES),
}


@dataclass(frozen=True)
class StartRun:
    pipeline: str
    run_number: str
    module: str | None = None
    source_commit: str | None = None
    source_branch: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class UpdateRun:
    run_id: str
    status: str | None = None
    stages: tuple[tuple[str, str], ...] = ()
    idempotency_key: str | None = None


def check_transition(current: str, wanted: str, what: str) -> None:
    """Refuse any status change the lifecycle does not allow.

    >>> check_transition("Started", "InProgress", "run r")
    >>> check_transition("Started", "Succeeded", "run r")
    Traceback (most recent call last):
    ...
    compiler.state.errors.TransitionError: run r cannot move from Started to Succeeded
    """
    if wanted not in RUN_STATES:
        raise InvariantError(
            f"unknown status {wanted!r} for {what}", hint=f"one of {', '.join(RUN_STATES)}"
        )
    if wanted not in TRANSITIONS.get(current, frozenset()):
        allowed = sorted(TRANSITIONS.get(current, frozenset()))
        raise TransitionError(
            f"{what} cannot move from {current} to {wanted}",
            hint=f"from {current} it may move to {', '.join(allowed)}"
            if allowed
            else f"{current} is final",
        )


def start_run(uow: UnitOfWork, command: StartRun, actor: Actor) -> Outcome:
    project = uow.scope.project
    key = command.idempotency_key or derive_key(
        "runs.start", project, command.pipeline, command.run_number
    )
    request = {k: v for k, v in asdict(command).items() if k != "idempotency_key"}

    def write() -> PipelineRun:
        definition = _definition(uow, command.pipeline, command.module)
        run = uow.add(
            PipelineRun(
                project=project,
                definition_id=definition.id,
                pipeline=command.pipeline,
                run_number=command.run_number,
                module=command.module,
                source_commit=command.source_commit,
                source_branch=command.source_branch,
                status="Started",
                requested_by=actor.name,
            )
        )
        uow.emit("RunStarted", run.id, run.to_record())
        return run

    run, replayed = once(uow, key, request, PipelineRun, write)
    return Outcome(run_record(uow, run), replayed)


def update_run(uow: UnitOfWork, command: UpdateRun) -> Outcome:
    key = command.idempotency_key or derive_key(
        "runs.update", command.run_id, command.status or "-", *sorted(map("=".join, command.stages))
    )
    request = {k: v for k, v in asdict(command).items() if k != "idempotency_key"}

    def write() -> PipelineRun:
        run = uow.by_id(PipelineRun, command.run_id, "run", lock=True)
        for name, status in command.stages:
            _update_stage(uow, run, name, status)
        if command.status is not None:
            _move_run(uow, run, command.status)
        return run

    run, replayed = once(uow, key, request, PipelineRun, write)
    return Outcome(run_record(uow, run), replayed)


def list_runs(
    uow: UnitOfWork, *, pipeline: str | None = None, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    statement = select(PipelineRun).where(PipelineRun.project == uow.scope.project)
    if pipeline:
        statement = statement.where(PipelineRun.pipeline == pipeline)
    if status:
        statement = statement.where(PipelineRun.status == status)
    statement = statement.order_by(PipelineRun.started_at.desc(), PipelineRun.id).limit(limit)
    return [run.to_record() for run in uow.scalars(statement)]


def show_run(uow: UnitOfWork, run_id: str) -> dict[str, Any]:
    return run_record(uow, uow.by_id(PipelineRun, run_id, "run"))


def run_record(uow: UnitOfWork, run: PipelineRun) -> dict[str, Any]:
    stages = uow.scalars(select(StageRun).where(StageRun.run_id == run.id).order_by(StageRun.name))
    build = uow.scalar(select(BuildResult.id).where(BuildResult.run_id == run.id))
    return {**run.to_record(), "stages": [s.to_record() for s in stages], "buildResultId": build}


def _definition(uow: UnitOfWork, name: str, module: str | None) -> PipelineDefinition:
    found = uow.scalar(
        select(PipelineDefinition).where(
            PipelineDefinition.project == uow.scope.project, PipelineDefinition.name == name
        )
    )
    if found is not None:
        return found
    return uow.add(PipelineDefinition(project=uow.scope.project, name=name, module=module))


def _move_run(uow: UnitOfWork, run: PipelineRun, status: str) -> None:
    check_transition(run.status, status, f"run {run.id}")
    now = utcnow()
    run.status = status
    run.updated_at = now
    if status in TERMINAL_RUN_STATES:
        run.finished_at = now
    uow.session.flush()
    event = "RunFinished" if status in TERMINAL_RUN_STATES else "RunProgressed"
    uow.emit(event, run.id, run.to_record())


def _update_stage(uow: UnitOfWork, run: PipelineRun, name: str, status: str) -> None:
    if run.status in TERMINAL_RUN_STATES:
        raise TransitionError(f"run {run.id} is {run.status}; its stages can no longer change")
    stage = uow.scalar(select(StageRun).where(StageRun.run_id == run.id, StageRun.name == name))
    if stage is None:
        if status not in ("Started", "InProgress"):
            raise TransitionError(f"stage {name!r} must start as Started or InProgress")
        stage = uow.add(StageRun(run_id=run.id, name=name, status=status))
    else:
        check_transition(stage.status, status, f"stage {name!r} of run {run.id}")
        stage.status = status
        stage.finished_at = utcnow() if status in TERMINAL_RUN_STATES else None
        uow.session.flush()
    uow.emit("StageUpdated", run.id, stage.to_record())
