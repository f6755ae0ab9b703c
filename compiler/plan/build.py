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
from compiler.plan.select import Changes
from compiler.resolve import Estate, Project
from compiler.targets import TARGETS, Target, TenantTarget


@dataclass(frozen=True)
class Planned:
    """One folder's plan with what render and emit need beside it."""

    plan: ProjectPlan
    fingerprint: str = ""
    previous: Mapping[str, str] = field(default_factory=dict)
    """sha256 per path of the folder's previous output: unchanged files are not parsed back."""
    modules: Mapping[str, str] = field(default_factory=dict)


def plan_changes(changes: Changes, targets: Mapping[str, Target]) -> list[Planned]:
    planned = [
        Planned(plan_project(c.project, targets), c.fingerprint, c.previous.hashes, c.modules)
        for c in changes.projects
    ]
    for change in changes.tenants:
        tenant = plan_tenant(change.tenant, change.projects, targets)
        if tenant.files:
            planned.append(Planned(tenant, change.fingerprint, change.previous.hashes))
    return planned


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
