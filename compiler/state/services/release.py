"""Release plans and approvals.

A plan names a module version built by a successful build; the version is unique per
module (so per module and environment).  Approvals are per environment: the policy
(required count, eligible approvers) is evaluated before a decision is recorded, the
approver differs from the planner (segregation of duties, also a CHECK constraint),
and a decision is never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from compiler.state.errors import InvariantError, NotFoundError
from compiler.state.idempotency import Outcome, derive_key, once
from compiler.state.identity import Actor, normalise
from compiler.state.models import (
    BuildResult,
    EnvironmentPromotion,
    PipelineRun,
    ReleaseApproval,
    ReleasePlan,
)
from compiler.state.policy import EnvironmentPolicy, ProjectPolicy
from compiler.state.services.builds import build_is_successful
from compiler.state.session import UnitOfWork


@dataclass(frozen=True)
class PlanRelease:
    module: str
    version: str
    run_id: str
    image_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Decide:
    release: str  # a plan id or MODULE@VERSION
    environment: str
    decision: str  # "approved" | "rejected"
    comment: str = ""
    idempotency_key: str | None = None


def plan_release(
    uow: UnitOfWork, command: PlanRelease, policy: ProjectPolicy, actor: Actor
) -> Outcome:
    policy.check_module(command.module)
    build = uow.scalar(select(BuildResult).where(BuildResult.run_id == command.run_id))
    if build is None:
        raise InvariantError(
            f"run {command.run_id} has no build result in {uow.scope.project}",
            hint="a release plan needs a successful build: run `shipspec builds ingest` first",
        )
    _check_same_module(uow, command)
    key = command.idempotency_key or derive_key(
        "release.plan", uow.scope.project, command.module, command.version, build.id
    )
    request = {"module": command.module, "version": command.version, "build": build.id}
    request["image"] = command.image_id

    def write() -> ReleasePlan:
        _check_plannable(uow, command, build)
        plan = uow.add(
            ReleasePlan(
                project=uow.scope.project,
                module=command.module,
                version=command.version,
                ordinal=_next_ordinal(uow, command.module),
                build_result_id=build.id,
                image_id=command.image_id,
                planner=actor.name,
                planner_source=actor.source,
            )
        )
        uow.emit("ReleasePlanned", plan.id, plan.to_record())
        return plan

    plan, replayed = once(uow, key, request, ReleasePlan, write)
    return Outcome(plan.to_record(), replayed)


def decide(uow: UnitOfWork, command: Decide, policy: ProjectPolicy, actor: Actor) -> Outcome:
    plan = resolve_plan(uow, command.release, lock=True)
    key = command.idempotency_key or derive_key(
        "release.decide", plan.id, command.environment, actor.name, command.decision
    )
    request = {"plan": plan.id, "env": command.environment, "decision": command.decision}
    request["approver"] = actor.name

    def write() -> ReleaseApproval:
        environment = policy.environment(command.environment)
        _check_decision_allowed(uow, plan, environment, actor)
        approval = uow.add(
            ReleaseApproval(
                release_plan_id=plan.id,
                environment=environment.name,
                approver=actor.name,
                approver_source=actor.source,
                recorded_by=actor.real,
                planner=plan.planner,
                decision=command.decision,
                required_approvals=environment.required_approvals,
                comment=command.comment,
            )
        )
        kind = "ReleaseApproved" if command.decision == "approved" else "ReleaseRejected"
        uow.emit(kind, plan.id, approval.to_record())
        return approval

    approval, replayed = once(uow, key, request, ReleaseApproval, write)
    return Outcome(approval.to_record(), replayed)


def resolve_plan(uow: UnitOfWork, reference: str, *, lock: bool = False) -> ReleasePlan:
    """A plan by id, or by ``MODULE@VERSION`` within the project."""
    if "@" not in reference:
        return uow.by_id(ReleasePlan, reference, "release plan", lock=lock)
    module, version = reference.split("@", 1)
    statement = select(ReleasePlan).where(
        ReleasePlan.project == uow.scope.project,
        ReleasePlan.module == module,
        ReleasePlan.version == version,
    )
    plan = uow.scalar(statement.with_for_update() if lock else statement)
    if plan is None:
        raise NotFoundError(f"no release plan {reference} in {uow.scope.project}")
    return plan


def approvals_for(uow: UnitOfWork, plan_id: str, environment: str) -> list[ReleaseApproval]:
    return uow.scalars(
        select(ReleaseApproval)
        .where(
            ReleaseApproval.release_plan_id == plan_id,
            ReleaseApproval.environment == environment,
        )
        .order_by(ReleaseApproval.approver)
    )


def approval_state(
    uow: UnitOfWork, plan: ReleasePlan, environment: EnvironmentPolicy
) -> dict[str, Any]:
    """Who approved, who rejected, and how many approvals are still missing."""
    decisions = approvals_for(uow, plan.id, environment.name)
    approved = [a.approver for a in decisions if a.decision == "approved"]
    rejected = [a.approver for a in decisions if a.decision == "rejected"]
    return {
        "required": environment.required_approvals,
        "approvedBy": approved,
        "rejectedBy": rejected,
        "missing": max(environment.required_approvals - len(approved), 0),
    }


def _check_plannable(uow: UnitOfWork, command: PlanRelease, build: BuildResult) -> None:
    successful, why = build_is_successful(uow, build)
    if not successful:
        raise InvariantError(
            f"a release plan needs a successful build, and build {build.id} is not: {why}"
        )
    existing = uow.scalar(
        select(ReleasePlan).where(
            ReleasePlan.project == uow.scope.project,
            ReleasePlan.module == command.module,
            ReleasePlan.version == command.version,
        )
    )
    if existing is not None:
        raise InvariantError(
            f"{command.module} {command.version} is already planned ({existing.id}); "
            "a version is released once per module and environment",
            hint="plan a new version",
        )


def _check_same_module(uow: UnitOfWork, command: PlanRelease) -> None:
    run = uow.by_id(PipelineRun, command.run_id, "run")
    if run.module is not None and run.module != command.module:
        raise InvariantError(
            f"run {run.id} built module {run.module}, not {command.module}",
            hint=f"plan {command.module} with a run of its own pipeline",
        )


def _next_ordinal(uow: UnitOfWork, module: str) -> int:
    highest = uow.session.scalar(
        select(func.max(ReleasePlan.ordinal)).where(
            ReleasePlan.project == uow.scope.project, ReleasePlan.module == module
        )
    )
    return int(highest or 0) + 1


def _check_decision_allowed(
    uow: UnitOfWork, plan: ReleasePlan, environment: EnvironmentPolicy, actor: Actor
) -> None:
    if environment.required_approvals <= 0:
        raise InvariantError(
            f"environment {environment.name!r} requires no approvals; there is nothing to decide"
        )
    eligible = {normalise(name) for name in environment.eligible}
    if eligible and actor.name not in eligible:
        raise InvariantError(
            f"{actor.name} may not decide for {environment.name}",
            hint=f"eligible approvers: {', '.join(sorted(eligible))}",
        )
    _check_approver_group(environment, actor)
    if plan.planner in (actor.name, actor.real):
        raise InvariantError(
            f"{actor.real} planned {plan.module} {plan.version} and may not approve or reject it",
            hint="segregation of duties: another person must decide",
        )
    _check_no_decision_yet(uow, plan, environment.name, actor)
    _check_not_promoted(uow, plan, environment.name)


def _check_approver_group(environment: EnvironmentPolicy, actor: Actor) -> None:
    """The approver is named by the environment, or is in one of its approver groups.

    A group the Tenant document declares is judged by its declared members; any other by
    the groups read for the identity (the Azure DevOps token's direct memberships).  Only
    identities whose groups were asked for (`groups` not None: the CLI's token and
    pipeline identities) are checked; a decision observed in Azure DevOps went through
    the environment's own approval check there.
    """
    approvers = {normalise(name) for name in environment.approvers}
    if not approvers or actor.groups is None or actor.name in approvers:
        return
    declared = {g: m for g, m in environment.declared.items() if g in approvers}
    if any(actor.name in members for members in declared.values()):
        return
    undeclared = approvers - set(declared)
    if undeclared and (actor.member_of() or frozenset()) & undeclared:
        return
    raise InvariantError(
        f"{actor.name} is in none of the approver groups of {environment.name}: "
        f"{', '.join(sorted(environment.approvers))}",
        hint=_membership_hint(environment, set(declared)),
    )


def _membership_hint(environment: EnvironmentPolicy, declared: set[str]) -> str:
    shown = sorted(a for a in environment.approvers if normalise(a) in declared)
    read = sorted(a for a in environment.approvers if normalise(a) not in declared)
    parts = []
    if shown:
        parts.append(f"members of {', '.join(shown)} are declared in the Tenant document")
    if read:
        parts.append(
            f"membership of {', '.join(read)} is read from Azure DevOps (direct members of "
            "the token's identity, or of the pipeline's requester by Build.RequestedForId)"
        )
    return "; ".join(parts)


OVERRIDE = "override(--as"


def _check_no_decision_yet(uow: UnitOfWork, plan: ReleasePlan, env: str, actor: Actor) -> None:
    """One decision per person and environment: by name, and by who really acted (an
    `--as` override in test mode names someone else; the recorder is still one person)."""
    for earlier in approvals_for(uow, plan.id, env):
        if earlier.approver == actor.name:
            raise InvariantError(
                f"{actor.name} already {earlier.decision} {plan.module} {plan.version} for "
                f"{env}; a decision is immutable"
            )
        if earlier.recorded_by == actor.real and _overridden(actor.source, earlier):
            raise InvariantError(
                f"{actor.real} already {earlier.decision} {plan.module} {plan.version} for "
                f"{env} (as {earlier.approver}); one person decides once",
                hint="another person must give the next approval",
            )


def _overridden(source: str, earlier: ReleaseApproval) -> bool:
    """Either decision named someone other than the person recording it (`--as`); an
    observer (the tracker) records many people's decisions and is not one of them."""
    return OVERRIDE in source or OVERRIDE in (earlier.approver_source or "")


def _check_not_promoted(uow: UnitOfWork, plan: ReleasePlan, env: str) -> None:
    promoted = uow.scalar(
        select(EnvironmentPromotion.id).where(
            EnvironmentPromotion.release_plan_id == plan.id,
            EnvironmentPromotion.environment == env,
            EnvironmentPromotion.status != "Failed",
        )
    )
    if promoted is not None:
        raise InvariantError(
            f"{plan.module} {plan.version} is already promoted to {env}; decisions are closed"
        )
