"""A demo ledger for the example specs, so a new user sees the page with one command.

``shipspec serve --demo`` (or ``seed_demo``) writes, through the same ledger services
the trackers use, what a few days of a real estate look like: builds with tests and
coverage, images, release plans, approvals, promotions with health gates, a rollback,
sync states with drift and a pipeline run in progress.  Every identity is a made-up
example; nothing is a secret.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from compiler.state import Actor, ProjectPolicy, Scope, Store
from compiler.state.reports import Coverage, TestSummary
from compiler.state.services import artifacts, builds, promotion, release, runs, sync
from compiler.web.estate import ProjectView, WebEstate

PIPELINE = Actor("azure-pipelines", "demo", "azure-pipelines")
PLANNER = Actor("rita@example.com", "demo", "rita@example.com")
APPROVERS = (
    Actor("alice@example.com", "demo", "alice@example.com"),
    Actor("bob@example.com", "demo", "bob@example.com"),
)
PASSING = (("smoke", True, "200 OK"), ("http-5xx", True, "0.02% errors"))
FAILING = (("smoke", True, "200 OK"), ("http-5xx", False, "4.1% errors over 5 minutes"))


@dataclass(frozen=True)
class Story:
    """How far one version of a module gets: promoted up to `until`, approvals beyond it."""

    version: str
    until: str | None
    approvals_next: int = 0
    fail_next: bool = False


def seed_demo(store: Store, estate: WebEstate) -> None:
    """Fill `store` with a plausible history for every deployable module of `estate`."""
    for view in estate.projects:
        scope = Scope(view.policy.tenant, view.policy.project)
        for index, module in enumerate(view.deployables):
            for story in _stories(view.policy, index):
                _walk(store, scope, view.policy, module, story)
            if index % 2:
                _roll_back(store, scope, view.policy, module, "2.0.0")
            _sync_states(store, scope, view, module, index)
        if view.deployables:
            _running(store, scope, view.deployables[0])


def _stories(policy: ProjectPolicy, index: int) -> Sequence[Story]:
    path = policy.path
    if index % 2 == 0:
        return (
            Story("1.4.0", path[-2] if len(path) > 1 else path[0], approvals_next=1),
            Story("1.5.0", path[0]),
        )
    return (
        Story("2.0.0", path[0]),
        Story("2.1.0", path[0], fail_next=len(path) > 1),
    )


def _walk(store: Store, scope: Scope, policy: ProjectPolicy, module: str, story: Story) -> None:
    plan_id = _plan(store, scope, policy, module, story.version)
    for environment in policy.environments:
        _approve(store, scope, policy, plan_id, environment.name, environment.required_approvals)
        _promote(store, scope, policy, plan_id, environment.name, PASSING)
        if environment.name == story.until:
            break
    following = _after(policy, story.until)
    if following is None:
        return
    if story.approvals_next:
        _approve(store, scope, policy, plan_id, following, story.approvals_next)
    elif story.fail_next:
        required = policy.environment(following).required_approvals
        _approve(store, scope, policy, plan_id, following, required)
        _promote(store, scope, policy, plan_id, following, FAILING)


def _after(policy: ProjectPolicy, environment: str | None) -> str | None:
    path = policy.path
    if environment is None or path.index(environment) + 1 >= len(path):
        return None
    return path[path.index(environment) + 1]


def _plan(store: Store, scope: Scope, policy: ProjectPolicy, module: str, version: str) -> str:
    run_id = _build(store, scope, module, version)
    image = store.write(
        scope,
        lambda u: artifacts.record_image(
            u,
            artifacts.RecordImage(
                "demo.azurecr.io",
                f"{scope.project}/{module}",
                _digest(f"{scope.project}/{module}", version),
                (version,),
                module,
                run_id,
            ),
            PIPELINE,
        ),
    ).record
    command = release.PlanRelease(module, version, run_id, image["id"])
    return str(
        store.write(scope, lambda u: release.plan_release(u, command, policy, PLANNER)).record["id"]
    )


def _build(store: Store, scope: Scope, module: str, version: str) -> str:
    start = runs.StartRun(
        f"{module}-ci", f"{version}-ci", module, _sha(module + version), "refs/heads/main"
    )
    run_id = str(store.write(scope, lambda u: runs.start_run(u, start, PIPELINE)).record["id"])
    for status, stages in (
        ("InProgress", (("build", "InProgress"),)),
        ("Succeeded", (("build", "Succeeded"),)),
    ):
        update = runs.UpdateRun(run_id, status, stages)
        store.write(scope, lambda u, update=update: runs.update_run(u, update))
    tests = TestSummary(total=214, passed=212, skipped=2, duration_seconds=48.0)
    coverage = Coverage(0.83, 0.71, 4150, 5000)
    store.write(
        scope, lambda u: builds.ingest_build(u, builds.IngestBuild(run_id, tests, coverage))
    )
    return run_id


def _approve(
    store: Store, scope: Scope, policy: ProjectPolicy, plan_id: str, environment: str, count: int
) -> None:
    for approver in APPROVERS[:count]:
        command = release.Decide(plan_id, environment, "approved", "looks good")
        store.write(scope, lambda u, a=approver, c=command: release.decide(u, c, policy, a))


def _promote(
    store: Store,
    scope: Scope,
    policy: ProjectPolicy,
    plan_id: str,
    environment: str,
    gates: tuple[tuple[str, bool, str], ...],
) -> None:
    command = promotion.Promote(plan_id, environment, gates)
    store.write(scope, lambda u: promotion.promote(u, command, policy, PIPELINE))


def _roll_back(
    store: Store, scope: Scope, policy: ProjectPolicy, module: str, version: str
) -> None:
    command = promotion.Rollback(module, policy.path[0], version, PASSING)
    store.write(scope, lambda u: promotion.rollback(u, command, policy, PIPELINE))


def _sync_states(store: Store, scope: Scope, view: ProjectView, module: str, index: int) -> None:
    """Every environment synced; the last one of every other module then lags and drifts."""
    policy = view.policy
    for position, environment in enumerate(policy.path):
        name = view.applications[(module, environment)]
        applied = _sha(f"{module}-{environment}-applied")
        observations = [sync.RecordSync(name, environment, applied, applied)]
        if index % 2 == 0 and position == len(policy.path) - 1:
            drift = (("Deployment", f"{policy.project}-{environment}", module),)
            desired = _sha(f"{module}-{environment}-desired")
            observations.append(sync.RecordSync(name, environment, desired, applied, drift))
        for command in observations:
            store.write(scope, lambda u, c=command: sync.record_sync(u, c))


def _running(store: Store, scope: Scope, module: str) -> None:
    start = runs.StartRun(
        f"{module}-ci", "20261201.9", module, _sha(module + "next"), "refs/heads/main"
    )
    run_id = str(store.write(scope, lambda u: runs.start_run(u, start, PIPELINE)).record["id"])
    update = runs.UpdateRun(run_id, "InProgress", (("build", "InProgress"),))
    store.write(scope, lambda u: runs.update_run(u, update))


def _digest(module: str, version: str) -> str:
    return "sha256:" + hashlib.sha256(f"{module}@{version}".encode()).hexdigest()


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()
