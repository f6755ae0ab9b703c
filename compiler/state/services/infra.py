"""Infrastructure operations: previews, applies, and the one-apply-per-stack lock.

An apply needs a successful preview of the same program sha.  Starting an apply
takes the stack's lock (a row unique per stack); the lock is a lease: a holder that
crashed stops renewing it, and after it expires the next apply takes it over and the
crashed operation is marked Failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from compiler.state.errors import InvariantError, TransitionError
from compiler.state.idempotency import Outcome, derive_key, once
from compiler.state.identity import Actor
from compiler.state.models import InfrastructurePlan, StackLock
from compiler.state.models.base import utcnow
from compiler.state.session import UnitOfWork

DEFAULT_LEASE_SECONDS = 3600


@dataclass(frozen=True)
class RecordPreview:
    stack: str
    program_sha: str
    succeeded: bool
    idempotency_key: str | None = None


@dataclass(frozen=True)
class StartApply:
    stack: str
    program_sha: str
    lease_seconds: int = DEFAULT_LEASE_SECONDS
    idempotency_key: str | None = None


@dataclass(frozen=True)
class FinishApply:
    operation_id: str
    succeeded: bool
    idempotency_key: str | None = None


def record_preview(uow: UnitOfWork, command: RecordPreview, actor: Actor) -> Outcome:
    status = "Succeeded" if command.succeeded else "Failed"
    key = command.idempotency_key or derive_key(
        "infra.preview", uow.scope.project, command.stack, command.program_sha, status
    )

    def write() -> InfrastructurePlan:
        preview = uow.add(_operation(uow, "preview", command.stack, command.program_sha, actor))
        preview.status, preview.finished_at = status, utcnow()
        uow.session.flush()
        uow.emit("InfrastructurePreviewed", preview.id, preview.to_record())
        return preview

    request = {"stack": command.stack, "sha": command.program_sha, "status": status}
    preview, replayed = once(uow, key, request, InfrastructurePlan, write)
    return Outcome(preview.to_record(), replayed)


def start_apply(uow: UnitOfWork, command: StartApply, actor: Actor) -> Outcome:
    preview = _successful_preview(uow, command.stack, command.program_sha)
    key = command.idempotency_key

    def write() -> InfrastructurePlan:
        lock = _current_lock(uow, command.stack)
        apply = _operation(uow, "apply", command.stack, command.program_sha, actor)
        apply.preview_id = preview.id
        uow.add(apply)
        _take_lock(uow, lock, apply, command.lease_seconds)
        uow.emit("InfrastructureApplyStarted", apply.id, apply.to_record())
        return apply

    if key is None:  # no default key: every apply asks for the lock, and only one gets it
        return Outcome(write().to_record(), False)
    request = {"preview": preview.id, "lease": command.lease_seconds, "actor": actor.name}
    apply, replayed = once(uow, key, request, InfrastructurePlan, write)
    return Outcome(apply.to_record(), replayed)


def finish_apply(uow: UnitOfWork, command: FinishApply) -> Outcome:
    status = "Succeeded" if command.succeeded else "Failed"
    key = command.idempotency_key or derive_key("infra.finish", command.operation_id, status)

    def write() -> InfrastructurePlan:
        apply = uow.by_id(InfrastructurePlan, command.operation_id, "apply", lock=True)
        if apply.operation != "apply" or apply.status != "InProgress":
            raise TransitionError(f"{apply.operation} {apply.id} is {apply.status}, not running")
        held = uow.scalar(select(StackLock).where(StackLock.operation_id == apply.id))
        if held is None:
            raise InvariantError(f"apply {apply.id} no longer holds the lock of {apply.stack}")
        uow.session.execute(delete(StackLock).where(StackLock.id == held.id))
        apply.status, apply.finished_at = status, utcnow()
        uow.session.flush()
        uow.emit(f"InfrastructureApply{status}", apply.id, apply.to_record())
        return apply

    apply, replayed = once(
        uow, key, {"op": command.operation_id, "status": status}, InfrastructurePlan, write
    )
    return Outcome(apply.to_record(), replayed)


def _operation(
    uow: UnitOfWork, operation: str, stack: str, program_sha: str, actor: Actor
) -> InfrastructurePlan:
    return InfrastructurePlan(
        project=uow.scope.project,
        stack=stack,
        program_sha=program_sha,
        operation=operation,
        status="InProgress",
        actor=actor.name,
        summary={},
    )


def _successful_preview(uow: UnitOfWork, stack: str, program_sha: str) -> InfrastructurePlan:
    preview = uow.scalar(
        select(InfrastructurePlan)
        .where(
            InfrastructurePlan.project == uow.scope.project,
            InfrastructurePlan.stack == stack,
            InfrastructurePlan.program_sha == program_sha,
            InfrastructurePlan.operation == "preview",
            InfrastructurePlan.status == "Succeeded",
        )
        .order_by(InfrastructurePlan.finished_at.desc())
    )
    if preview is None:
        raise InvariantError(
            f"stack {stack} has no successful preview of program {program_sha}",
            hint="an apply needs a successful preview of the same program sha",
        )
    return preview


def _current_lock(uow: UnitOfWork, stack: str) -> StackLock | None:
    return uow.scalar(
        select(StackLock)
        .where(StackLock.project == uow.scope.project, StackLock.stack == stack)
        .with_for_update()
    )


def _take_lock(
    uow: UnitOfWork, lock: StackLock | None, apply: InfrastructurePlan, lease_seconds: int
) -> None:
    now = utcnow()
    expires = now + timedelta(seconds=lease_seconds)
    if lock is None:
        uow.add(
            StackLock(
                project=apply.project,
                stack=apply.stack,
                operation_id=apply.id,
                holder=apply.actor,
                acquired_at=now,
                expires_at=expires,
            )
        )
        return
    if lock.expires_at > now:
        raise InvariantError(
            f"stack {apply.stack} is locked by {lock.holder} since "
            f"{lock.acquired_at.isoformat()} (operation {lock.operation_id}, lease until "
            f"{lock.expires_at.isoformat()}); one apply at a time",
            hint="wait for that apply to finish (`shipspec infra finish`), or for its lease to end",
        )
    _fail_crashed(uow, lock.operation_id)
    lock.operation_id, lock.holder = apply.id, apply.actor
    lock.acquired_at, lock.expires_at = now, expires
    uow.session.flush()


def _fail_crashed(uow: UnitOfWork, operation_id: str) -> None:
    crashed = uow.by_id(InfrastructurePlan, operation_id, "apply")
    if crashed.status == "InProgress":
        crashed.status, crashed.finished_at = "Failed", utcnow()
        crashed.summary = {"reason": "lock lease expired; holder presumed crashed"}
        uow.emit("InfrastructureApplyAbandoned", crashed.id, crashed.to_record())
