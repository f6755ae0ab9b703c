"""One release in full, and one module's history per environment: read models for the page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from compiler.state.models import (
    BuildResult,
    Commit,
    ContainerImage,
    EnvironmentPromotion,
    HealthGateResult,
    PackagePublication,
    PipelineRun,
    PullRequest,
    ReleaseApproval,
    ReleasePlan,
    RunLink,
)
from compiler.state.session import UnitOfWork
from compiler.web.estate import ProjectView


def release_detail(uow: UnitOfWork, view: ProjectView, release_id: str) -> dict[str, Any] | None:
    """The release, its build, image, packages, approvals, promotions and lineage; None if unknown."""
    plan = uow.scalar(
        select(ReleasePlan).where(
            ReleasePlan.id == release_id, ReleasePlan.project == view.policy.project
        )
    )
    if plan is None:
        return None
    build = uow.scalar(select(BuildResult).where(BuildResult.id == plan.build_result_id))
    run = uow.scalar(select(PipelineRun).where(PipelineRun.id == build.run_id)) if build else None
    return {
        "release": _record(plan),
        "build": _record(build),
        "run": _record(run),
        "runUrl": _run_url(uow, run),
        "image": _image(uow, plan),
        "packages": _packages(uow, run),
        "approvals": _approvals(uow, plan),
        "promotions": _promotions(uow, plan),
        "lineage": _lineage(uow, view, plan, run),
    }


def module_history(uow: UnitOfWork, view: ProjectView, module: str) -> dict[str, list[Any]]:
    """Per environment (path order), every promotion and rollback of `module`, newest first."""
    promotions = uow.scalars(
        select(EnvironmentPromotion)
        .where(
            EnvironmentPromotion.project == view.policy.project,
            EnvironmentPromotion.module == module,
        )
        .order_by(EnvironmentPromotion.started_at.desc(), EnvironmentPromotion.id.desc())
    )
    return {
        environment: [_record(p) for p in promotions if p.environment == environment]
        for environment in view.policy.path
    }


def _record(row: Any) -> dict[str, Any] | None:
    return row.to_record() if row is not None else None


def _run_url(uow: UnitOfWork, run: PipelineRun | None) -> str | None:
    """The run's page in Azure DevOps, when tracking linked it to a build."""
    if run is None:
        return None
    link = uow.scalar(select(RunLink).where(RunLink.run_id == run.id))
    return web_link(link.url) if link else None


def web_link(url: str | None) -> str | None:
    """`url` when it is an http(s) address, else None: a page links nowhere else.

    >>> web_link("https://dev.azure.com/acme/_build/results?buildId=7"), web_link("javascript:x")
    ('https://dev.azure.com/acme/_build/results?buildId=7', None)
    """
    return url if url and url.casefold().startswith(("https://", "http://")) else None


def _image(uow: UnitOfWork, plan: ReleasePlan) -> dict[str, Any] | None:
    if plan.image_id is None:
        return None
    return _record(uow.scalar(select(ContainerImage).where(ContainerImage.id == plan.image_id)))


def _packages(uow: UnitOfWork, run: PipelineRun | None) -> list[dict[str, Any]]:
    if run is None:
        return []
    rows = uow.scalars(
        select(PackagePublication)
        .where(PackagePublication.run_id == run.id)
        .order_by(PackagePublication.package_id)
    )
    return [row.to_record() for row in rows]


def _approvals(uow: UnitOfWork, plan: ReleasePlan) -> list[dict[str, Any]]:
    rows = uow.scalars(
        select(ReleaseApproval)
        .where(ReleaseApproval.release_plan_id == plan.id)
        .order_by(ReleaseApproval.decided_at, ReleaseApproval.approver)
    )
    return [row.to_record() for row in rows]


def _promotions(uow: UnitOfWork, plan: ReleasePlan) -> list[dict[str, Any]]:
    rows = uow.scalars(
        select(EnvironmentPromotion)
        .where(EnvironmentPromotion.release_plan_id == plan.id)
        .order_by(EnvironmentPromotion.started_at, EnvironmentPromotion.id)
    )
    return [{**row.to_record(), "gates": _gates(uow, row.id)} for row in rows]


def _gates(uow: UnitOfWork, promotion_id: str) -> list[dict[str, Any]]:
    rows = uow.scalars(
        select(HealthGateResult)
        .where(HealthGateResult.promotion_id == promotion_id)
        .order_by(HealthGateResult.name)
    )
    return [row.to_record() for row in rows]


def _pull_request(pull: PullRequest | None) -> dict[str, Any] | None:
    if pull is None:
        return None
    record = pull.to_record()
    return {**record, "url": web_link(record.get("url"))}


def _lineage(
    uow: UnitOfWork, view: ProjectView, plan: ReleasePlan, run: PipelineRun | None
) -> dict[str, Any]:
    """Back to the spec: the module's spec line, and the published commit and pull request."""
    sha = run.source_commit if run else None
    commit = uow.scalar(select(Commit).where(Commit.sha == sha)) if sha else None
    pull = None
    if sha:
        pull = uow.scalar(
            select(PullRequest).where(PullRequest.source_sha == sha).order_by(PullRequest.id)
        )
    return {
        "spec": view.module_spans.get(plan.module, view.spec_file),
        "specSha": commit.spec_sha if commit else None,
        "commit": sha,
        "pullRequest": _pull_request(pull),
    }
