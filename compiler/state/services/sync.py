"""GitOps sync state: desired versus applied commit per application and environment.

Desired commits are kept in the order they became desired; the applied commit may
only move forward in that order and never past the desired one.  Drift is recorded
with the resources that drifted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from compiler.state.errors import InvariantError
from compiler.state.idempotency import Outcome, derive_key, once
from compiler.state.models import GitOpsSyncState, SyncDrift, SyncRevision
from compiler.state.session import UnitOfWork

Resource = tuple[str, str, str]  # (kind, namespace, name)


@dataclass(frozen=True)
class RecordSync:
    application: str
    environment: str
    desired_commit: str
    applied_commit: str | None = None
    drift: tuple[Resource, ...] = ()
    idempotency_key: str | None = None


def record_sync(uow: UnitOfWork, command: RecordSync) -> Outcome:
    drift = tuple(sorted(set(command.drift)))
    key = command.idempotency_key or derive_key(
        "sync.record",
        uow.scope.project,
        command.application,
        command.environment,
        command.desired_commit,
        command.applied_commit or "-",
        *("/".join(resource) for resource in drift),
    )
    request = {"command": [command.application, command.environment], "drift": drift}
    request["commits"] = [command.desired_commit, command.applied_commit]

    def write() -> GitOpsSyncState:
        state = _state(uow, command)
        _move_desired(uow, state, command.desired_commit)
        if command.applied_commit is not None:
            _move_applied(uow, state, command.applied_commit)
        _record_drift(uow, state, drift)
        state.status = _status(state, drift)
        uow.session.flush()
        uow.emit("SyncRecorded", state.id, state.to_record())
        return state

    state, replayed = once(uow, key, request, GitOpsSyncState, write)
    return Outcome(sync_record(uow, state), replayed)


def sync_status(uow: UnitOfWork, application: str | None = None) -> list[dict[str, Any]]:
    statement = select(GitOpsSyncState).where(GitOpsSyncState.project == uow.scope.project)
    if application:
        statement = statement.where(GitOpsSyncState.application == application)
    statement = statement.order_by(GitOpsSyncState.application, GitOpsSyncState.environment)
    return [sync_record(uow, state) for state in uow.scalars(statement)]


def sync_record(uow: UnitOfWork, state: GitOpsSyncState) -> dict[str, Any]:
    drift = uow.scalars(
        select(SyncDrift)
        .where(
            SyncDrift.sync_state_id == state.id, SyncDrift.applied_commit == state.applied_commit
        )
        .order_by(SyncDrift.kind, SyncDrift.namespace, SyncDrift.name)
    )
    latest = [d for d in drift if d.detected_at == max(x.detected_at for x in drift)]
    resources = [{"kind": d.kind, "namespace": d.namespace, "name": d.name} for d in latest]
    return {**state.to_record(), "drift": resources if state.status == "Drifted" else []}


def _state(uow: UnitOfWork, command: RecordSync) -> GitOpsSyncState:
    statement = select(GitOpsSyncState).where(
        GitOpsSyncState.project == uow.scope.project,
        GitOpsSyncState.application == command.application,
        GitOpsSyncState.environment == command.environment,
    )
    state = uow.scalar(statement.with_for_update())
    if state is None:
        state = uow.add(
            GitOpsSyncState(
                project=uow.scope.project,
                application=command.application,
                environment=command.environment,
                desired_commit=command.desired_commit,
                status="OutOfSync",
            )
        )
    return state


def _ordinal(uow: UnitOfWork, state: GitOpsSyncState, commit: str | None) -> int | None:
    if commit is None:
        return None
    return uow.session.scalar(
        select(SyncRevision.ordinal).where(
            SyncRevision.sync_state_id == state.id, SyncRevision.commit_sha == commit
        )
    )


def _move_desired(uow: UnitOfWork, state: GitOpsSyncState, desired: str) -> None:
    known = _ordinal(uow, state, desired)
    current = _ordinal(uow, state, state.desired_commit)
    if known is None:
        highest = uow.session.scalar(
            select(func.max(SyncRevision.ordinal)).where(SyncRevision.sync_state_id == state.id)
        )
        uow.add(
            SyncRevision(sync_state_id=state.id, commit_sha=desired, ordinal=(highest or 0) + 1)
        )
    elif current is not None and known < current:
        raise InvariantError(
            f"{desired} was desired before {state.desired_commit}; desired state only moves forward",
            hint="revert with a new commit in the GitOps repository",
        )
    state.desired_commit = desired


def _move_applied(uow: UnitOfWork, state: GitOpsSyncState, applied: str) -> None:
    target = _ordinal(uow, state, applied)
    desired = _ordinal(uow, state, state.desired_commit)
    current = _ordinal(uow, state, state.applied_commit)
    if target is None and state.applied_commit is None and desired is not None:
        target = _first_applied(uow, state, applied)
    if target is None or desired is None or target > desired:
        raise InvariantError(
            f"applied commit {applied} is not at or before desired commit {state.desired_commit}",
            hint="the applied commit only moves toward the desired commit",
        )
    if current is not None and target < current:
        raise InvariantError(
            f"applied commit would move back from {state.applied_commit} to {applied}; "
            "it only moves toward the desired commit"
        )
    state.applied_commit = applied


def _first_applied(uow: UnitOfWork, state: GitOpsSyncState, applied: str) -> int:
    """The first applied commit ever seen is older than every desired one (a lagging
    environment at first sight): it is recorded before them."""
    lowest = uow.session.scalar(
        select(func.min(SyncRevision.ordinal)).where(SyncRevision.sync_state_id == state.id)
    )
    ordinal = (lowest or 1) - 1
    uow.add(SyncRevision(sync_state_id=state.id, commit_sha=applied, ordinal=ordinal))
    return ordinal


def _record_drift(uow: UnitOfWork, state: GitOpsSyncState, drift: tuple[Resource, ...]) -> None:
    for kind, namespace, name in drift:
        row = SyncDrift(
            sync_state_id=state.id,
            kind=kind,
            namespace=namespace,
            name=name,
            applied_commit=state.applied_commit,
        )
        uow.add(row)
    if drift:
        resources = ["/".join(resource) for resource in drift]
        uow.emit("DriftDetected", state.id, {"syncStateId": state.id, "resources": resources})


def _status(state: GitOpsSyncState, drift: tuple[Resource, ...]) -> str:
    if drift:
        return "Drifted"
    return "Synced" if state.applied_commit == state.desired_commit else "OutOfSync"
