"""The plan stage: resolved estate -> the ordered list of files to generate, a pure function.

Each project becomes an ordered list of files, asked of every registered target;
targets that also write tenant-wide repositories are asked for those.  Paths are
unique and sorted, so render and emit see the same order on every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from compiler.errors import BugReport
from compiler.ir import OutputFile, Plan, ProjectPlan
from compiler.layout import TENANT_FOLDER
from compiler.plan.select import Changes, ProjectChange, TenantChange
from compiler.resolve import Estate, Project
from compiler.targets import TARGETS, Target, TenantTarget


@dataclass(frozen=True)
class Planned:
    """One folder's plan with what render and emit need beside it."""

    plan: ProjectPlan
    fingerprint: str = ""
    modules: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FolderJob:
    """One folder to build: a changed project, a changed tenant folder, or a retired folder
    (`change` None: its project left the specs, so everything it owned goes)."""

    tenant: str
    folder: str
    change: ProjectChange | TenantChange | None = None


def folder_jobs(changes: Changes) -> list[FolderJob]:
    """Every folder the changes touch, sorted by (tenant, folder) as emit reports them."""
    jobs = [FolderJob(c.project.tenant, c.project.name, c) for c in changes.projects]
    jobs += [FolderJob(c.tenant, TENANT_FOLDER, c) for c in changes.tenants]
    jobs += [FolderJob(tenant, folder) for tenant, folder in changes.retired]
    return sorted(jobs, key=lambda job: (job.tenant, job.folder))


def plan_job(job: FolderJob, targets: Mapping[str, Target]) -> Planned | None:
    """The folder's plan; None for a tenant folder that has no files (nothing to write)."""
    change = job.change
    if change is None:
        return Planned(ProjectPlan(job.tenant, job.folder, {}, ()))
    if isinstance(change, ProjectChange):
        plan = plan_project(change.project, targets)
        return Planned(plan, change.fingerprint, change.modules)
    tenant = plan_tenant(change.tenant, change.projects, targets)
    return Planned(tenant, change.fingerprint) if tenant.files else None


def plan(estate: Estate, targets: Mapping[str, Target] = TARGETS) -> Plan:
    """Every folder of the estate (for tools and tests)."""
    projects = [plan_project(project, targets) for project in estate.projects]
    for tenant in estate.tenants:
        members = tuple(p for p in estate.projects if p.tenant == tenant)
        tenant_plan = plan_tenant(tenant, members, targets)
        if tenant_plan.files:
            projects.append(tenant_plan)
    return Plan(tuple(sorted(projects, key=lambda p: (p.tenant, p.folder))))


def plan_tenant(
    tenant: str, projects: Sequence[Project], targets: Mapping[str, Target]
) -> ProjectPlan:
    """The tenant-wide repositories, under `generated/<tenant>/_tenant/`."""
    files = [
        file
        for target in targets.values()
        if isinstance(target, TenantTarget)
        for file in target.tenant_files(tenant, projects)
    ]
    _check_unique(files, tenant)
    files.sort(key=lambda file: file.path)
    specs = {p.source.file: p.source.document.file_sha256 for p in projects}
    return ProjectPlan(tenant=tenant, folder=TENANT_FOLDER, specs=specs, files=tuple(files))


def plan_project(project: Project, targets: Mapping[str, Target]) -> ProjectPlan:
    files = [file for target in targets.values() for file in target.files(project)]
    _check_unique(files, project.source.file)
    files.sort(key=lambda file: file.path)
    return ProjectPlan(
        tenant=project.tenant,
        folder=project.name,
        specs=_specs(project),
        files=tuple(files),
        modules={module.name: module.repository for module in project.modules},
    )


def _specs(project: Project) -> dict[str, str]:
    """Every spec file the project's files came from (its own, and its Tenant document)."""
    documents = [project.source.document, project.source.tenant_document]
    return {d.file: d.file_sha256 for d in documents if d is not None}


def _check_unique(files: list[OutputFile], spec_file: str) -> None:
    clashes = [path for path, count in Counter(f.path for f in files).items() if count > 1]
    if clashes:
        raise BugReport(
            f"two targets planned the same file: {sorted(clashes)[0]}", {"spec": spec_file}
        )
