"""Runs, stages, build results, images and packages from observations.

The lifecycle holds for observed runs: a run first seen finished is recorded through
``Started -> InProgress -> <terminal>`` in order, a stage the same way, and an event
for a state the ledger already passed changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from compiler.state import UnitOfWork
from compiler.state.idempotency import once
from compiler.state.models import (
    BuildResult,
    ContainerImage,
    PipelineRun,
    ReleasePlan,
    RunLink,
    StageRun,
)
from compiler.state.models.base import TERMINAL_RUN_STATES
from compiler.state.services import artifacts, builds, runs
from compiler.state.services.builds import IngestBuild
from compiler.state.services.release import _next_ordinal
from compiler.track.catalog import Pipeline, ProjectCatalog
from compiler.track.ledger import attempt, link_key, observed_actor, run_of_build
from compiler.track.observations import ImageSeen, PackageSeen, RunSeen, TestsSeen

ORDER = ("Started", "InProgress")


def steps_to(current: str | None, wanted: str | None) -> list[str]:
    """The states between ``current`` (exclusive) and ``wanted``, in lifecycle order.

    >>> steps_to(None, "Succeeded")
    ['Started', 'InProgress', 'Succeeded']
    >>> steps_to("InProgress", "Started")
    []
    >>> steps_to("Failed", "Succeeded")
    []
    """
    if wanted is None or current in TERMINAL_RUN_STATES:
        return []
    full = [*ORDER, wanted] if wanted in TERMINAL_RUN_STATES else list(ORDER)
    start = full.index(current) + 1 if current in full else 0
    return full[start : full.index(wanted) + 1]


def apply_run(uow: UnitOfWork, catalog: ProjectCatalog, seen: RunSeen) -> PipelineRun | None:
    pipeline = catalog.pipeline(seen.pipeline)
    if pipeline is None:
        return None
    run = run_of_build(uow, seen.pipeline, seen.build_id) or _start(uow, pipeline, seen)
    for stage, status in seen.stages:
        _move_stage(uow, run, stage, status)
    for status in steps_to(run.status, seen.status):
        if status != "Started":
            attempt(uow, f"run {run.id} -> {status}", lambda s=status: _update(uow, run, s))
    uow.session.refresh(run)
    return run


def _start(uow: UnitOfWork, pipeline: Pipeline, seen: RunSeen) -> PipelineRun:
    command = runs.StartRun(
        pipeline=pipeline.name,
        run_number=seen.run_number,
        module=pipeline.module,
        source_commit=seen.source_commit,
        source_branch=seen.source_branch,
        idempotency_key=f"track.run:{link_key(pipeline.name, seen.build_id)}",
    )
    record = runs.start_run(uow, command, observed_actor(seen.requested_by, "requestedFor")).record
    uow.add(
        RunLink(
            run_id=record["id"],
            external_key=link_key(pipeline.name, seen.build_id),
            build_id=seen.build_id,
            url=seen.url,
        )
    )
    return uow.by_id(PipelineRun, record["id"], "run")


def _update(uow: UnitOfWork, run: PipelineRun, status: str) -> None:
    runs.update_run(uow, runs.UpdateRun(run.id, status=status))


def _move_stage(uow: UnitOfWork, run: PipelineRun, name: str, status: str) -> None:
    if run.status in TERMINAL_RUN_STATES:
        return
    stage = uow.scalar(select(StageRun).where(StageRun.run_id == run.id, StageRun.name == name))
    for step in steps_to(stage.status if stage else None, status):
        if stage is None and step == "Started":
            continue
        command = runs.UpdateRun(run.id, stages=((name, step),))
        attempt(uow, f"stage {name} -> {step}", lambda c=command: runs.update_run(uow, c))


def apply_tests(uow: UnitOfWork, seen: TestsSeen) -> None:
    run = run_of_build(uow, seen.pipeline, seen.build_id)
    if run is None or uow.scalar(select(BuildResult.id).where(BuildResult.run_id == run.id)):
        return
    command = IngestBuild(
        run.id, seen.tests, seen.coverage, idempotency_key=f"track.tests:{run.id}"
    )
    attempt(uow, f"build result of {run.id}", lambda: builds.ingest_build(uow, command))


def apply_image(uow: UnitOfWork, catalog: ProjectCatalog, seen: ImageSeen) -> None:
    run = run_of_build(uow, seen.pipeline, seen.build_id)
    pipeline = catalog.pipeline(seen.pipeline)
    command = artifacts.RecordImage(
        registry=seen.registry,
        repository=seen.repository,
        digest=seen.digest,
        tags=seen.tags,
        module=pipeline.module if pipeline else None,
        run_id=run.id if run else None,
    )
    actor = observed_actor("azure-pipelines", "image-artifact")
    attempt(uow, f"image {seen.digest}", lambda: artifacts.record_image(uow, command, actor))


def apply_package(uow: UnitOfWork, seen: PackageSeen) -> None:
    run = run_of_build(uow, seen.pipeline, seen.build_id)
    command = artifacts.RecordPackage(
        seen.feed, seen.package_id, seen.version, seen.sha256, run.id if run else None
    )
    actor = observed_actor("azure-pipelines", "package")
    attempt(
        uow, f"package {seen.package_id}", lambda: artifacts.record_package(uow, command, actor)
    )


def plan_for_run(uow: UnitOfWork, catalog: ProjectCatalog, run: PipelineRun) -> ReleasePlan | None:
    """The release plan of the version a run built, planned once its build stages passed.

    A run of a generated pipeline keeps going through its deploy stages after it built
    the version, so the plan cannot wait for the whole run: it needs the build stages
    to have succeeded, no failed or errored test, and the image when one was pushed.
    The run's requester is the planner (the approver must be someone else).
    """
    build = uow.scalar(select(BuildResult).where(BuildResult.run_id == run.id))
    pipeline = catalog.pipeline(run.pipeline)
    if build is None or pipeline is None or pipeline.module is None:
        return None
    existing = uow.scalar(select(ReleasePlan).where(ReleasePlan.build_result_id == build.id))
    if existing is not None or not _built(uow, run, pipeline, build):
        return existing
    image = uow.scalar(select(ContainerImage.id).where(ContainerImage.run_id == run.id))
    return attempt(uow, f"plan {run.run_number}", lambda: _plan(uow, run, pipeline, build, image))


def _built(uow: UnitOfWork, run: PipelineRun, pipeline: Pipeline, build: BuildResult) -> bool:
    if build.tests_failed or build.tests_errored or run.status in ("Failed", "Canceled"):
        return False
    if run.status == "Succeeded":
        return True
    stages = {
        s.name: s.status for s in uow.scalars(select(StageRun).where(StageRun.run_id == run.id))
    }
    return all(stages.get(name) == "Succeeded" for name in pipeline.build_stages)


def _plan(
    uow: UnitOfWork, run: PipelineRun, pipeline: Pipeline, build: BuildResult, image: str | None
) -> ReleasePlan:
    module = str(pipeline.module)

    def write() -> ReleasePlan:
        plan = uow.add(
            ReleasePlan(
                project=uow.scope.project,
                module=module,
                version=run.run_number,
                ordinal=_next_ordinal(uow, module),
                build_result_id=build.id,
                image_id=image,
                planner=run.requested_by,
                planner_source="observed:requestedFor",
            )
        )
        uow.emit("ReleasePlanned", plan.id, plan.to_record())
        return plan

    request = {"build": build.id, "version": run.run_number, "image": image}
    plan, _ = once(uow, f"track.plan:{build.id}", request, ReleasePlan, write)
    return plan
