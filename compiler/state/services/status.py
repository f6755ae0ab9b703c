"""The release manager's first view: per module, what runs in each environment and
what is waiting for whom."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from compiler.state.models import EnvironmentPromotion, EnvironmentRelease, ReleasePlan
from compiler.state.policy import EnvironmentPolicy, ProjectPolicy
from compiler.state.services.release import approval_state
from compiler.state.session import UnitOfWork


def release_status(
    uow: UnitOfWork, policy: ProjectPolicy, module: str | None = None
) -> dict[str, Any]:
    plans = uow.scalars(
        select(ReleasePlan)
        .where(ReleasePlan.project == uow.scope.project)
        .order_by(ReleasePlan.module, ReleasePlan.ordinal)
    )
    modules = sorted({*policy.modules, *(plan.module for plan in plans)})
    if module is not None:
        modules = [name for name in modules if name == module]
    return {
        "tenant": uow.scope.tenant,
        "project": uow.scope.project,
        "path": list(policy.path),
        "modules": [_module(uow, policy, name, plans) for name in modules],
    }


def _module(
    uow: UnitOfWork, policy: ProjectPolicy, module: str, plans: list[ReleasePlan]
) -> dict[str, Any]:
    mine = [plan for plan in plans if plan.module == module]
    promotions = uow.scalars(
        select(EnvironmentPromotion).where(
            EnvironmentPromotion.project == uow.scope.project,
            EnvironmentPromotion.module == module,
        )
    )
    live = {
        row.environment: row
        for row in uow.scalars(
            select(EnvironmentRelease).where(
                EnvironmentRelease.project == uow.scope.project,
                EnvironmentRelease.module == module,
            )
        )
    }
    environments = [
        _environment(uow, policy, environment, mine, promotions, live.get(environment.name))
        for environment in policy.environments
    ]
    return {"module": module, "environments": environments}


def _environment(
    uow: UnitOfWork,
    policy: ProjectPolicy,
    environment: EnvironmentPolicy,
    plans: list[ReleasePlan],
    promotions: list[EnvironmentPromotion],
    live: EnvironmentRelease | None,
) -> dict[str, Any]:
    here = [p for p in promotions if p.environment == environment.name]
    running = next((p for p in here if p.status == "InProgress"), None)
    live_ordinal = _ordinal(plans, live.release_plan_id if live else None)
    previous = policy.previous(environment.name)
    waiting = [
        _waiting(uow, plan, environment)
        for plan in reversed(plans)
        if plan.ordinal > live_ordinal
        and (running is None or running.release_plan_id != plan.id)
        and _reached(promotions, plan, previous)
    ]
    return {
        "environment": environment.name,
        "live": live.version if live else None,
        "runsNothing": not (live and live.version),
        "since": live.to_record()["updatedAt"] if live and live.version else None,
        "inProgress": None if running is None else {"version": running.version, "id": running.id},
        "waiting": waiting,
    }


def _waiting(uow: UnitOfWork, plan: ReleasePlan, environment: EnvironmentPolicy) -> dict[str, Any]:
    state = approval_state(uow, plan, environment)
    if state["rejectedBy"]:
        waiting_for = f"rejected by {', '.join(state['rejectedBy'])}"
    elif state["missing"]:
        who = ", ".join(sorted(environment.approvers)) or f"anyone but {plan.planner}"
        waiting_for = f"{state['missing']} approval(s) from {who}"
    else:
        waiting_for = "promotion (approvals complete)"
    return {"version": plan.version, "releaseId": plan.id, "waitingFor": waiting_for, **state}


def _reached(promotions: list[EnvironmentPromotion], plan: ReleasePlan, env: str | None) -> bool:
    if env is None:
        return True
    return any(
        p.release_plan_id == plan.id and p.environment == env and p.status == "Succeeded"
        for p in promotions
    )


def _ordinal(plans: list[ReleasePlan], plan_id: str | None) -> int:
    return next((plan.ordinal for plan in plans if plan.id == plan_id), 0)
