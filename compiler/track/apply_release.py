"""Approvals, deployments (pushes into the GitOps repository), sync and health.

These facts arrive in any order: an approval before the plan it approves exists, a
deploy stage's push before its approval webhook, Argo CD's health before the push.
Each is kept as observed (``tracked_*`` tables), and :func:`converge` moves the
ledger as far as the rules allow from everything observed so far — so the order of
arrival does not change the result.
"""

from __future__ import annotations

from sqlalchemy import select

from compiler.state import UnitOfWork
from compiler.state.identity import normalise
from compiler.state.models import (
    BuildResult,
    EnvironmentPromotion,
    ObservedApproval,
    ObservedDeployment,
    ObservedHealth,
    PipelineRun,
    ReleasePlan,
)
from compiler.state.models.base import utcnow
from compiler.state.services import promotion, release, sync
from compiler.track.apply_runs import plan_for_run
from compiler.track.catalog import ProjectCatalog
from compiler.track.ledger import attempt, log, observed_actor, run_of_build
from compiler.track.observations import ApprovalSeen, PushSeen, SyncSeen

FINAL_APPROVAL = frozenset({"approved", "rejected", "canceled", "skipped", "timedout", "failed"})
DECISIONS = {"approved": "approved", "rejected": "rejected"}
HEALTH_GATE = "gitops-health"


def apply_approval(uow: UnitOfWork, catalog: ProjectCatalog, seen: ApprovalSeen) -> str | None:
    """Keep the approval as observed; returns the module it concerns."""
    pipeline = catalog.pipeline(seen.pipeline or "")
    environment = None
    if pipeline is not None:
        environment = pipeline.environment_of_stage(seen.stage or "") or pipeline.environment_named(
            seen.ado_environment or ""
        )
    if pipeline is None or environment is None:
        log.info("approval %s: no environment of %s matches", seen.external_id, seen.pipeline)
        return None
    row = uow.scalar(
        select(ObservedApproval).where(ObservedApproval.external_id == seen.external_id)
    )
    steps = [
        {"approver": normalise(s.approver), "status": s.status.casefold(), "comment": s.comment}
        for s in seen.steps
    ]
    if row is None:
        uow.add(
            ObservedApproval(
                project=uow.scope.project,
                external_id=seen.external_id,
                build_id=seen.build_id,
                module=pipeline.module,
                environment=environment,
                status=seen.status.casefold(),
                required=seen.required,
                steps=steps,
                violations=[],
            )
        )
    elif row.status not in FINAL_APPROVAL:
        row.status, row.steps, row.observed_at = seen.status.casefold(), steps, utcnow()
        uow.session.flush()
    return pipeline.module


def apply_push(uow: UnitOfWork, catalog: ProjectCatalog, seen: PushSeen) -> set[str]:
    """Record each deploy-stage commit of a push into the GitOps repository."""
    if seen.repository != catalog.gitops_repository:
        return set()
    modules = set()
    for commit in seen.commits:
        found = commit.promotion()
        if found is None or found[0] not in catalog.policy.modules:
            continue
        module, environment, digest, build_id = found
        modules.add(module)
        if uow.scalar(
            select(ObservedDeployment.id).where(
                ObservedDeployment.commit_sha == commit.sha,
                ObservedDeployment.module == module,
                ObservedDeployment.environment == environment,
            )
        ):
            continue
        uow.add(
            ObservedDeployment(
                project=uow.scope.project,
                repository=seen.repository,
                commit_sha=commit.sha,
                module=module,
                environment=environment,
                digest=digest,
                build_id=build_id,
                pushed_by=normalise(seen.pushed_by),
            )
        )
    return modules


def apply_sync(uow: UnitOfWork, catalog: ProjectCatalog, seen: SyncSeen) -> set[str]:
    """Record sync state (desired/applied only move forward) and the latest health, under
    the application's own name (an Argo CD Application, a Flux Kustomization)."""
    application = catalog.application(seen.application)
    if application is None:
        return set()
    name = ledger_name(application.name)
    if seen.desired:
        command = sync.RecordSync(
            application=name,
            environment=application.environment,
            desired_commit=seen.desired,
            applied_commit=seen.applied,
            drift=seen.drift,
        )
        attempt(uow, f"sync {name}", lambda: sync.record_sync(uow, command))
    _health(uow, name, application.environment, seen)
    return {application.module} if application.module else set(catalog.policy.modules)


def ledger_name(route_key: str) -> str:
    """``Kustomization/flux-system/orders-dev`` -> ``orders-dev``; Argo CD names stay."""
    return route_key.rsplit("/", 1)[-1]


def _health(uow: UnitOfWork, name: str, environment: str, seen: SyncSeen) -> None:
    row = uow.scalar(select(ObservedHealth).where(ObservedHealth.application == name))
    values = {
        "revision": seen.applied or seen.desired,
        "sync_status": seen.sync_status,
        "health_status": seen.health_status,
        "healthy": seen.sync_status == "Synced" and seen.health_status == "Healthy",
        "observed_at": utcnow(),
    }
    if row is None:
        uow.add(
            ObservedHealth(
                project=uow.scope.project, application=name, environment=environment, **values
            )
        )
        return
    for key, value in values.items():
        setattr(row, key, value)
    uow.session.flush()


def converge(uow: UnitOfWork, catalog: ProjectCatalog, module: str) -> None:
    """Move one module's ledger as far as everything observed allows, path in order."""
    for run in _recent_runs(uow, module):
        plan_for_run(uow, catalog, run)
    for approval in uow.scalars(select(ObservedApproval).where(ObservedApproval.module == module)):
        if any(step["status"] in DECISIONS for step in approval.steps):
            _decisions(uow, catalog, approval)
    deployments = _deployments(uow, module)
    for environment in catalog.policy.path:
        for deployment in (d for d in deployments if d.environment == environment):
            _promote(uow, catalog, deployment)


def _recent_runs(uow: UnitOfWork, module: str) -> list[PipelineRun]:
    """Runs of the module with a build result but no release plan yet (the candidates)."""
    planned = select(ReleasePlan.build_result_id)
    return uow.scalars(
        select(PipelineRun)
        .join(BuildResult, BuildResult.run_id == PipelineRun.id)
        .where(
            PipelineRun.project == uow.scope.project,
            PipelineRun.module == module,
            BuildResult.id.not_in(planned),
        )
        .order_by(PipelineRun.started_at.desc())
        .limit(20)
    )


def _plan_of_build(
    uow: UnitOfWork, catalog: ProjectCatalog, build_id: int | None
) -> ReleasePlan | None:
    run = run_of_build(uow, None, build_id)
    return None if run is None else plan_for_run(uow, catalog, run)


def _decisions(uow: UnitOfWork, catalog: ProjectCatalog, approval: ObservedApproval) -> None:
    plan = _plan_of_build(uow, catalog, approval.build_id)
    if plan is None:
        return
    violations = set(approval.violations)
    for step in approval.steps:
        decision = DECISIONS.get(step["status"])
        if decision is None:
            continue
        if step["approver"] == plan.planner:
            if step["approver"] not in violations:
                violations.add(step["approver"])
                uow.emit("SegregationOfDutiesViolated", plan.id, _violation(approval, plan, step))
            continue
        _decide(uow, catalog, plan, approval, step, decision)
    if violations != set(approval.violations):
        approval.violations = sorted(violations)
        uow.session.flush()


def _violation(
    approval: ObservedApproval, plan: ReleasePlan, step: dict[str, str]
) -> dict[str, str]:
    return {
        "approval": approval.external_id,
        "environment": approval.environment,
        "release": f"{plan.module}@{plan.version}",
        "approver": step["approver"],
        "why": "the approver planned (requested) this release",
    }


def _decide(
    uow: UnitOfWork,
    catalog: ProjectCatalog,
    plan: ReleasePlan,
    approval: ObservedApproval,
    step: dict[str, str],
    decision: str,
) -> None:
    already = [a.approver for a in release.approvals_for(uow, plan.id, approval.environment)]
    if step["approver"] in already:
        return
    command = release.Decide(plan.id, approval.environment, decision, step.get("comment", ""))
    actor = observed_actor(step["approver"], "approval")
    attempt(
        uow,
        f"decision of {step['approver']}",
        lambda: release.decide(uow, command, catalog.policy, actor),
    )


def _deployments(uow: UnitOfWork, module: str) -> list[ObservedDeployment]:
    return uow.scalars(
        select(ObservedDeployment)
        .where(ObservedDeployment.module == module)
        .order_by(ObservedDeployment.observed_at, ObservedDeployment.id)
    )


def _promote(uow: UnitOfWork, catalog: ProjectCatalog, deployment: ObservedDeployment) -> None:
    plan = _plan_of_build(uow, catalog, deployment.build_id)
    if plan is None or _done(uow, plan, deployment.environment):
        return
    actor = observed_actor(deployment.pushed_by or "azure-pipelines", "gitops-push")
    start = promotion.Promote(plan.id, deployment.environment)
    if (
        attempt(
            uow,
            f"promote {plan.version}",
            lambda: promotion.promote(uow, start, catalog.policy, actor),
        )
        is None
    ):
        return
    gate = _gate(uow, catalog, deployment)
    if gate is not None:
        checked = promotion.Promote(plan.id, deployment.environment, (gate,))
        attempt(
            uow,
            f"gate of {plan.version}",
            lambda: promotion.promote(uow, checked, catalog.policy, actor),
        )


def _done(uow: UnitOfWork, plan: ReleasePlan, environment: str) -> bool:
    return (
        uow.scalar(
            select(EnvironmentPromotion.id).where(
                EnvironmentPromotion.release_plan_id == plan.id,
                EnvironmentPromotion.environment == environment,
                EnvironmentPromotion.status.in_(("Succeeded", "Failed")),
            )
        )
        is not None
    )


def _gate(
    uow: UnitOfWork, catalog: ProjectCatalog, deployment: ObservedDeployment
) -> promotion.Gate | None:
    """Passed when the environment's application is Synced and Healthy at the pushed
    commit (or a later one); failed when it is Degraded there; else not yet known."""
    names = [
        ledger_name(a.name)
        for a in catalog.applications
        if a.environment == deployment.environment and a.module in (deployment.module, None)
    ]
    later = _commits_from(uow, deployment)
    for health in uow.scalars(select(ObservedHealth).where(ObservedHealth.application.in_(names))):
        if health.revision not in later:
            continue
        detail = f"{health.application}: {health.sync_status}/{health.health_status} at {health.revision}"
        if health.healthy:
            return (HEALTH_GATE, True, detail)
        if health.health_status in ("Degraded", "Missing"):
            return (HEALTH_GATE, False, detail)
    return None


def _commits_from(uow: UnitOfWork, deployment: ObservedDeployment) -> set[str]:
    """This deployment's commit and the GitOps commits observed after it."""
    rows = uow.scalars(
        select(ObservedDeployment.commit_sha).where(
            ObservedDeployment.repository == deployment.repository,
            ObservedDeployment.observed_at >= deployment.observed_at,
        )
    )
    return {deployment.commit_sha, *rows}
