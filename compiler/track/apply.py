"""Observations -> ledger: the one place webhooks and the poller write through.

:func:`apply_all` applies a batch of observations of one project in one unit of work,
then converges every module they touched (plans, decisions, promotions, gates).
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler.state import UnitOfWork
from compiler.track import apply_release, apply_runs
from compiler.track.catalog import ProjectCatalog
from compiler.track.observations import (
    ApprovalSeen,
    ImageSeen,
    Observation,
    PackageSeen,
    PullRequestSeen,
    PushSeen,
    RunSeen,
    SyncSeen,
    TestsSeen,
)
from compiler.track.pull_requests import apply_pull_request


def apply_all(
    uow: UnitOfWork,
    catalog: ProjectCatalog,
    observations: Iterable[Observation],
    *,
    modules: Iterable[str] = (),
) -> set[str]:
    """Apply every observation, then converge the modules they touched (and ``modules``)."""
    touched: set[str] = set(modules)
    for observation in observations:
        touched |= apply_one(uow, catalog, observation)
    for module in sorted(touched):
        apply_release.converge(uow, catalog, module)
    return touched


def apply_one(uow: UnitOfWork, catalog: ProjectCatalog, observation: Observation) -> set[str]:
    module = _module(catalog, observation)
    if isinstance(observation, RunSeen):
        apply_runs.apply_run(uow, catalog, observation)
    elif isinstance(observation, TestsSeen):
        apply_runs.apply_tests(uow, observation)
    elif isinstance(observation, ImageSeen):
        apply_runs.apply_image(uow, catalog, observation)
    elif isinstance(observation, PackageSeen):
        apply_runs.apply_package(uow, observation)
    elif isinstance(observation, ApprovalSeen):
        found = apply_release.apply_approval(uow, catalog, observation)
        return {found} if found else set()
    elif isinstance(observation, PushSeen):
        return apply_release.apply_push(uow, catalog, observation)
    elif isinstance(observation, SyncSeen):
        return apply_release.apply_sync(uow, catalog, observation)
    elif isinstance(observation, PullRequestSeen):
        apply_pull_request(uow, observation)
    return {module} if module else set()


def _module(catalog: ProjectCatalog, observation: Observation) -> str | None:
    name = getattr(observation, "pipeline", None)
    pipeline = catalog.pipeline(name) if isinstance(name, str) else None
    return pipeline.module if pipeline else None
