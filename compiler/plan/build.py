"""The plan stage: Spec -> Plan, a pure function.

Each project becomes an ordered list of files, asked of every registered target.
Paths are unique and sorted, so render and emit see the same order on every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from compiler.errors import BugReport
from compiler.ir import OutputFile, Plan, ProjectPlan
from compiler.plan.context import ProjectContext
from compiler.plan.naming import TENANT_FOLDER
from compiler.spec.validate import Spec
from compiler.targets import TARGETS, Target


def plan(spec: Spec, targets: Mapping[str, Target] = TARGETS) -> Plan:
    contexts = [ProjectContext.of(source) for source in spec.projects]
    projects = [plan_project(context, targets) for context in contexts]
    for tenant in sorted({context.tenant for context in contexts}):
        tenant_plan = plan_tenant(tenant, [c for c in contexts if c.tenant == tenant], targets)
        if tenant_plan.files:
            projects.append(tenant_plan)
    return Plan(tuple(sorted(projects, key=lambda p: (p.tenant, p.folder))))


def plan_tenant(
    tenant: str, projects: list[ProjectContext], targets: Mapping[str, Target]
) -> ProjectPlan:
    """The tenant-wide repositories, under `generated/<tenant>/_tenant/`."""
    files = [file for target in targets.values() for file in target.tenant_files(tenant, projects)]
    _check_unique(files, tenant)
    files.sort(key=lambda file: file.path)
    specs = {p.source.file: p.source.document.file_sha256 for p in projects}
    return ProjectPlan(tenant=tenant, folder=TENANT_FOLDER, specs=specs, files=tuple(files))


def plan_project(project: ProjectContext, targets: Mapping[str, Target]) -> ProjectPlan:
    files = [file for target in targets.values() for file in target.files(project)]
    _check_unique(files, project.source.file)
    files.sort(key=lambda file: file.path)
    return ProjectPlan(
        tenant=project.tenant,
        folder=project.name,
        specs={project.source.file: project.source.document.file_sha256},
        files=tuple(files),
        modules={module.name: module.repository for module in project.modules},
    )


def _check_unique(files: list[OutputFile], spec_file: str) -> None:
    clashes = [path for path, count in Counter(f.path for f in files).items() if count > 1]
    if clashes:
        raise BugReport(
            f"two targets planned the same file: {sorted(clashes)[0]}", {"spec": spec_file}
        )
