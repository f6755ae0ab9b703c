"""Promotions along the environment path, rollbacks, and their health gates.

A promotion of a plan into an environment needs: the plan live-or-promoted in the
previous environment (no skipping), no newer version live there (no going back —
that is what ``rollback`` is for, and only to a version that was live there), the
environment's approvals and no rejection, and no other promotion of the module in
progress there.  It completes only when its health gates pass; a failed gate fails
it.  The ``environment_releases`` row of (module, environment) is locked for the
whole decision, so concurrent promotions queue and the loser sees the winner.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from compiler.state.errors import InvariantError
from compiler.state.idempotency import Outcome, derive_key, once
from compiler.state.identity import Actor
from compiler.state.models import (
    EnvironmentPromotion,
    EnvironmentRelease,
    HealthGateResult,
    ReleasePlan,
)
from compiler.state.models.base import utcnow
from compiler.state.policy import EnvironmentPolicy, ProjectPolicy
from compiler.state.services.release import approval_state, resolve_plan
from compiler.state.session import UnitOfWork

Gate = tuple[str, bool, str]  # (name, passed, detail)


@dataclass(frozen=True)
class Promote:
    release: str
    environment: str
    gates: tuple[Gate, ...] = ()
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Rollback:
    module: str
    environment: str
    version: str
    gates: tuple[Gate, ...] = ()
    idempotency_key: str | None = None


def promote(uow: UnitOfWork, command: Promote, policy: ProjectPolicy, actor: Actor) -> Outcome:
    plan = resolve_plan(uow, command.release, lock=True)
    environment = policy.environment(command.environment)
    key = command.idempotency_key or derive_key(
        "release.promote", plan.id, environment.name, *_gate_signature(command.gates)
    )
    request = {"plan": plan.id, "env": environment.name, "gates": sorted(command.gates)}

    def write() -> EnvironmentPromotion:
        live = lock_environment(uow, plan.module, environment.name)
        promotion = _open_promotion(uow, plan, environment.name, "promotion")
        if promotion is None:
            _check_promotable(uow, plan, environment, policy, live)
            promotion = _start(uow, plan, environment.name, "promotion", live, actor)
        return _check_gates(uow, promotion, command.gates, environment, live)

    promotion, replayed = once(uow, key, request, EnvironmentPromotion, write)
    return Outcome(promotion_record(uow, promotion), replayed)


def rollback(uow: UnitOfWork, command: Rollback, policy: ProjectPolicy, actor: Actor) -> Outcome:
    plan = resolve_plan(uow, f"{command.module}@{command.version}", lock=True)
    environment = policy.environment(command.environment)
    key = command.idempotency_key or derive_key(
        "release.rollback", plan.id, environment.name, *_gate_signature(command.gates)
    )
    request = {"plan": plan.id, "env": environment.name, "gates": sorted(command.gates)}

    def write() -> EnvironmentPromotion:
        live = lock_environment(uow, plan.module, environment.name)
        promotion = _open_promotion(uow, plan, environment.name, "rollback")
        if promotion is None:
            _check_rollback(uow, plan, environment.name, live)
            promotion = _start(uow, plan, environment.name, "rollback", live, actor)
        return _check_gates(uow, promotion, command.gates, environment, live)

    promotion, replayed = once(uow, key, request, EnvironmentPromotion, write)
    return Outcome(promotion_record(uow, promotion), replayed)


def lock_environment(uow: UnitOfWork, module: str, environment: str) -> EnvironmentRelease:
    """The live-release row of (module, environment), created if new, locked FOR UPDATE."""
    statement = select(EnvironmentRelease).where(
        EnvironmentRelease.project == uow.scope.project,
        EnvironmentRelease.module == module,
        EnvironmentRelease.environment == environment,
    )
    row = uow.scalar(statement.with_for_update())
    if row is None:
        row = uow.add(
            EnvironmentRelease(project=uow.scope.project, module=module, environment=environment)
        )
    return row


def promotion_record(uow: UnitOfWork, promotion: EnvironmentPromotion) -> dict[str, object]:
    gates = uow.scalars(
        select(HealthGateResult)
        .where(HealthGateResult.promotion_id == promotion.id)
        .order_by(HealthGateResult.name)
    )
    return {**promotion.to_record(), "gates": [gate.to_record() for gate in gates]}


def _gate_signature(gates: tuple[Gate, ...]) -> list[str]:
    return [f"{name}={'pass' if passed else 'fail'}" for name, passed, _ in sorted(gates)]


def _open_promotion(
    uow: UnitOfWork, plan: ReleasePlan, environment: str, kind: str
) -> EnvironmentPromotion | None:
    """The plan's promotion into the environment that is in progress (or, for a forward
    promotion, already done: a second request continues or reports it)."""
    statuses = ("InProgress", "Succeeded") if kind == "promotion" else ("InProgress",)
    return uow.scalar(
        select(EnvironmentPromotion).where(
            EnvironmentPromotion.release_plan_id == plan.id,
            EnvironmentPromotion.environment == environment,
            EnvironmentPromotion.kind == kind,
            EnvironmentPromotion.status.in_(statuses),
        )
    )


def _check_promotable(
    uow: UnitOfWork,
    plan: ReleasePlan,
    environment: EnvironmentPolicy,
    policy: ProjectPolicy,
    live: EnvironmentRelease,
) -> None:
    _check_path(uow, plan, environment.name, policy)
    _check_not_going_back(uow, plan, environment.name, live)
    _check_none_in_progress(uow, plan.module, environment.name)
    approvals = approval_state(uow, plan, environment)
    if approvals["rejectedBy"]:
        raise InvariantError(
            f"{plan.module} {plan.version} was rejected for {environment.name} by "
            f"{', '.join(approvals['rejectedBy'])}"
        )
    if approvals["missing"]:
        approved = ", ".join(approvals["approvedBy"]) or "nobody yet"
        raise InvariantError(
            f"{environment.name} needs {approvals['required']} approval(s) for {plan.module} "
            f"{plan.version}; {approvals['missing']} missing (approved by: {approved})",
            hint=f"approvers run `shipspec release approve {plan.module}@{plan.version} "
            f"--env {environment.name}`",
        )


def _check_path(
    uow: UnitOfWork, plan: ReleasePlan, environment: str, policy: ProjectPolicy
) -> None:
    previous = policy.previous(environment)
    if previous is None or _succeeded_in(uow, plan, previous, kinds=("promotion",)):
        return
    raise InvariantError(
        f"{plan.module} {plan.version} has not been promoted to {previous}, which comes "
        f"before {environment}; promotions follow the path {' -> '.join(policy.path)}",
        hint=f"promote it to {previous} first",
    )


def _check_not_going_back(
    uow: UnitOfWork, plan: ReleasePlan, environment: str, live: EnvironmentRelease
) -> None:
    if live.release_plan_id is None:
        return
    current = uow.one(select(ReleasePlan).where(ReleasePlan.id == live.release_plan_id), "plan")
    if current.ordinal >= plan.ordinal:
        raise InvariantError(
            f"{plan.module} {current.version} is live in {environment}; promoting "
            f"{plan.version} there would go back",
            hint="to return to an earlier version that ran there, use `shipspec release rollback`",
        )


def _check_none_in_progress(uow: UnitOfWork, module: str, environment: str) -> None:
    running = uow.scalar(
        select(EnvironmentPromotion).where(
            EnvironmentPromotion.project == uow.scope.project,
            EnvironmentPromotion.module == module,
            EnvironmentPromotion.environment == environment,
            EnvironmentPromotion.status == "InProgress",
        )
    )
    if running is not None:
        raise InvariantError(
            f"{running.kind} of {module} {running.version} to {environment} is in progress "
            f"({running.id}); one at a time"
        )


def _check_rollback(
    uow: UnitOfWork, plan: ReleasePlan, environment: str, live: EnvironmentRelease
) -> None:
    if live.release_plan_id == plan.id:
        raise InvariantError(f"{plan.module} {plan.version} is already live in {environment}")
    if not _succeeded_in(uow, plan, environment, kinds=("promotion", "rollback")):
        raise InvariantError(
            f"{plan.module} {plan.version} was never live in {environment}; "
            "a rollback returns only to a version that ran there"
        )
    _check_none_in_progress(uow, plan.module, environment)


def _succeeded_in(
    uow: UnitOfWork, plan: ReleasePlan, environment: str, *, kinds: tuple[str, ...]
) -> bool:
    found = uow.scalar(
        select(EnvironmentPromotion.id).where(
            EnvironmentPromotion.release_plan_id == plan.id,
            EnvironmentPromotion.environment == environment,
            EnvironmentPromotion.kind.in_(kinds),
            EnvironmentPromotion.status == "Succeeded",
        )
    )
    return found is not None


def _start(
    uow: UnitOfWork,
    plan: ReleasePlan,
    environment: str,
    kind: str,
    live: EnvironmentRelease,
    actor: Actor,
) -> EnvironmentPromotion:
    promotion = uow.add(
        EnvironmentPromotion(
            project=uow.scope.project,
            release_plan_id=plan.id,
            module=plan.module,
            version=plan.version,
            environment=environment,
            kind=kind,
            status="InProgress",
            previous_version=live.version,
            requested_by=actor.name,
            requested_by_source=actor.source,
        )
    )
    event = "PromotionStarted" if kind == "promotion" else "RollbackStarted"
    uow.emit(event, plan.id, promotion.to_record())
    return promotion


def _check_gates(
    uow: UnitOfWork,
    promotion: EnvironmentPromotion,
    gates: tuple[Gate, ...],
    environment: EnvironmentPolicy,
    live: EnvironmentRelease,
) -> EnvironmentPromotion:
    if promotion.status != "InProgress":
        if gates:
            raise InvariantError(
                f"{promotion.kind} {promotion.id} is already {promotion.status}; "
                "its health gates are closed"
            )
        return promotion
    for name, passed, detail in sorted(gates):
        _record_gate(uow, promotion, name, passed, detail)
    return _settle(uow, promotion, environment, live)


def _record_gate(
    uow: UnitOfWork, promotion: EnvironmentPromotion, name: str, passed: bool, detail: str
) -> None:
    existing = uow.scalar(
        select(HealthGateResult).where(
            HealthGateResult.promotion_id == promotion.id, HealthGateResult.name == name
        )
    )
    if existing is not None:
        raise InvariantError(f"health gate {name!r} was already checked for {promotion.id}")
    gate = uow.add(
        HealthGateResult(promotion_id=promotion.id, name=name, passed=passed, detail=detail)
    )
    uow.emit("HealthGateChecked", promotion.release_plan_id, gate.to_record())


def _settle(
    uow: UnitOfWork,
    promotion: EnvironmentPromotion,
    environment: EnvironmentPolicy,
    live: EnvironmentRelease,
) -> EnvironmentPromotion:
    """Fail on any failed gate; succeed once every required gate (or at least one) passed."""
    results = {
        gate.name: gate.passed
        for gate in uow.scalars(
            select(HealthGateResult).where(HealthGateResult.promotion_id == promotion.id)
        )
    }
    if not all(results.values()):
        return _finish(uow, promotion, "Failed", live)
    required = set(environment.health_gates)
    done = required <= set(results) if required else bool(results)
    return _finish(uow, promotion, "Succeeded", live) if done else promotion


def _finish(
    uow: UnitOfWork, promotion: EnvironmentPromotion, status: str, live: EnvironmentRelease
) -> EnvironmentPromotion:
    now = utcnow()
    promotion.status = status
    promotion.completed_at = now
    if status == "Succeeded":
        live.release_plan_id = promotion.release_plan_id
        live.version = promotion.version
        live.promotion_id = promotion.id
        live.updated_at = now
    uow.session.flush()
    kind = "Promotion" if promotion.kind == "promotion" else "Rollback"
    uow.emit(f"{kind}{status}", promotion.release_plan_id, promotion.to_record())
    return promotion
