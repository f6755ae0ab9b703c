"""Small drivers over the services, so tests read as the story they tell."""

from __future__ import annotations

import hashlib
from typing import Any

from compiler.state import Outcome, ProjectPolicy, Scope, Store
from compiler.state.identity import Actor
from compiler.state.reports import Coverage, TestSummary
from compiler.state.services import artifacts, builds, promotion, release, runs

CI = Actor(name="azure-pipelines", source="test", real="azure-pipelines")
PLANNER = Actor(name="rita@contoso.com", source="test", real="rita@contoso.com")
ALICE = Actor(name="alice@contoso.com", source="test", real="alice@contoso.com")
BOB = Actor(name="bob@contoso.com", source="test", real="bob@contoso.com")
PASSED = (("smoke", True, "200 OK"),)


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def successful_run(
    store: Store, scope: Scope, module: str = "payments-api", number: str = "1"
) -> str:
    """A run that started, progressed and succeeded, with passing tests ingested."""
    run = store.write(
        scope, lambda u: runs.start_run(u, runs.StartRun(f"{module}-ci", number, module), CI)
    )
    run_id = run.record["id"]
    store.write(scope, lambda u: runs.update_run(u, runs.UpdateRun(run_id, "InProgress")))
    store.write(scope, lambda u: runs.update_run(u, runs.UpdateRun(run_id, "Succeeded")))
    tests = TestSummary(total=3, passed=3, duration_seconds=1.5)
    store.write(
        scope,
        lambda u: builds.ingest_build(
            u, builds.IngestBuild(run_id, tests, Coverage(0.8, 0.5, 80, 100))
        ),
    )
    return run_id


def planned(
    store: Store,
    scope: Scope,
    policy: ProjectPolicy,
    version: str = "1.0.0",
    module: str = "payments-api",
) -> dict[str, Any]:
    run_id = successful_run(store, scope, module, number=version)
    command = release.PlanRelease(module, version, run_id)
    return store.write(scope, lambda u: release.plan_release(u, command, policy, PLANNER)).record


def approve(
    store: Store,
    scope: Scope,
    policy: ProjectPolicy,
    ref: str,
    env: str,
    actor: Actor,
    decision: str = "approved",
) -> Outcome:
    command = release.Decide(ref, env, decision)
    return store.write(scope, lambda u: release.decide(u, command, policy, actor))


def promote(
    store: Store,
    scope: Scope,
    policy: ProjectPolicy,
    ref: str,
    env: str,
    gates: tuple[tuple[str, bool, str], ...] = PASSED,
    actor: Actor = CI,
) -> Outcome:
    command = promotion.Promote(ref, env, gates)
    return store.write(scope, lambda u: promotion.promote(u, command, policy, actor))


def promote_through(
    store: Store, scope: Scope, policy: ProjectPolicy, ref: str, until: str
) -> None:
    """Approve and promote along the path up to and including ``until``."""
    for environment in policy.environments:
        if environment.required_approvals >= 1:
            approve(store, scope, policy, ref, environment.name, ALICE)
        if environment.required_approvals >= 2:
            approve(store, scope, policy, ref, environment.name, BOB)
        promote(store, scope, policy, ref, environment.name)
        if environment.name == until:
            return


def record_image(store: Store, scope: Scope, name: str, tags: tuple[str, ...] = ()) -> Outcome:
    command = artifacts.RecordImage("contoso.azurecr.io", "payments-api", digest(name), tags)
    return store.write(scope, lambda u: artifacts.record_image(u, command, CI))
