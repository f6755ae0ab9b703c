"""The tenant: its home in Azure DevOps, and the defaults its projects inherit.

A `kind: Tenant` document (one per tenant) names the home — the organization and
Azure DevOps project that hold the tenant's own repositories (`pipeline-templates`)
— and defaults for `registry`, `feed`, `repositories` (default branch and policies),
`environments` (the promotion path with clusters, regions and approvals) and
`pipelines.tool` (the shipspec the generated pipelines install).  A
project inherits each of those it does not set; the value keeps the Tenant
document's location, so errors, the manifest and `shipspec explain` name that file.

Without a Tenant document the documented default home applies: the organization
and Azure DevOps project of the tenant's first templates-mode project (by name).
Every templates-mode project extends that one repository, from its own Azure DevOps
project or another, so it must be in the same organization: Azure Pipelines reads
repository resources only within one organization.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from compiler.errors import Diagnostic, SourceSpan
from compiler.spec.load import RawDocument
from compiler.spec.locate import Path_, format_path
from compiler.spec.models.documents import INHERITED, INHERITED_TOOL, ProjectSpec, Tenant
from compiler.spec.models.settings import BranchPolicies, Repositories, Tool
from compiler.spec.source import ProjectSource


def build_service(organization: str, project: str) -> str:
    """The identity Azure Pipelines runs a project's jobs as (the project Build Service).

    >>> build_service("contoso", "Payments")
    'Payments Build Service (contoso)'
    """
    return f"{project} Build Service ({organization})"


@dataclass(frozen=True)
class TenantSource:
    """A validated Tenant document and where it came from."""

    model: Tenant
    document: RawDocument

    @property
    def name(self) -> str:
        return self.model.metadata.name

    @property
    def file(self) -> str:
        return self.document.file

    def span(self, path: Path_) -> SourceSpan:
        return self.document.span(path)

    def problem(self, path: Path_, message: str, hint: str = "") -> Diagnostic:
        return Diagnostic(self.span(path), format_path(path), message, hint)


@dataclass(frozen=True)
class TenantHome:
    """Where the tenant's own repositories live and how they are protected."""

    organization: str
    project: str
    default_branch: str = "main"
    policies: BranchPolicies = field(default_factory=lambda: BranchPolicies(buildValidation=False))
    file: str | None = None
    """The Tenant document that set it; None for the default home."""

    def build_service(self, organization: str, project: str) -> str:
        return build_service(organization, project)


def default_home(projects: Sequence[ProjectSource]) -> TenantHome:
    """The Azure DevOps organization/project of the tenant's first templates-mode project."""
    users = [p for p in projects if p.model.spec.pipelines.mode == "templates"] or projects
    first = min(users, key=lambda p: (p.name, p.file))
    azure = first.model.spec.azureDevOps
    return TenantHome(azure.organization, azure.project)


def tenant_home(tenant: TenantSource) -> TenantHome:
    spec = tenant.model.spec
    repositories = spec.repositories or Repositories()
    return TenantHome(
        spec.azureDevOps.organization,
        spec.azureDevOps.project,
        repositories.defaultBranch,
        repositories.policies.model_copy(update={"buildValidation": False}),
        tenant.file,
    )


def merge(
    projects: Sequence[ProjectSource], tenants: Sequence[TenantSource]
) -> tuple[list[ProjectSource], list[Diagnostic]]:
    """Every project with its tenant's defaults applied and its home attached."""
    problems = list(_duplicate_tenants(tenants))
    by_name: dict[str, TenantSource] = {}
    for tenant in tenants:
        by_name.setdefault(tenant.name, tenant)
    out: list[ProjectSource] = []
    for name in sorted({p.tenant for p in projects}):
        tenant = by_name.get(name)
        members = [inherit(p, tenant) for p in projects if p.tenant == name]
        home = tenant_home(tenant) if tenant else default_home(members)
        problems.extend(_home_problems(name, home, members))
        problems.extend(_path_problems(members))
        groups = (tenant.model.spec.approverGroups or ()) if tenant else ()
        if tenant is not None:
            problems.extend(_approver_group_problems(tenant, members))
        out.extend(replace(p, home=home, approver_groups=groups) for p in members)
    return out, problems


def inherit(source: ProjectSource, tenant: TenantSource | None) -> ProjectSource:
    """The project with each default it does not set taken from the Tenant document."""
    if tenant is None:
        return source
    spec = source.model.spec
    explicit = spec.model_fields_set
    taken = {
        key: getattr(tenant.model.spec, key)
        for key in INHERITED
        if key not in explicit and getattr(tenant.model.spec, key) is not None
    }
    tool = _inherited_tool(spec, tenant)
    if tool is not None:
        taken["pipelines"] = spec.pipelines.model_copy(update={"tool": tool})
    model = source.model.model_copy(update={"spec": spec.model_copy(update=taken)})
    inherited = {*taken} - {"pipelines"} | ({INHERITED_TOOL} if tool is not None else set())
    return replace(
        source, model=model, inherited=frozenset(inherited), tenant_document=tenant.document
    )


def _inherited_tool(spec: ProjectSpec, tenant: TenantSource) -> Tool | None:
    """The Tenant document's `pipelines.tool`, for a project that does not set its own."""
    default = tenant.model.spec.pipelines
    if default is None or "tool" in spec.pipelines.model_fields_set:
        return None
    return default.tool


def _duplicate_tenants(tenants: Sequence[TenantSource]) -> Iterator[Diagnostic]:
    seen: dict[str, TenantSource] = {}
    for tenant in tenants:
        if tenant.name in seen:
            yield tenant.problem(
                ["metadata", "name"],
                f"tenant `{tenant.name}` already has a Tenant document at "
                f"{seen[tenant.name].span(['metadata', 'name'])}",
                "keep one Tenant document per tenant",
            )
        else:
            seen[tenant.name] = tenant


def _path_problems(members: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in members:
        if not source.model.spec.environments:
            yield source.problem(
                ["spec"],
                "no environments: a project needs a promotion path",
                "add `spec.environments` (or set them once in the tenant's Tenant document)",
                at_key=True,
            )


def _home_problems(
    tenant: str, home: TenantHome, members: Sequence[ProjectSource]
) -> Iterator[Diagnostic]:
    """Templates-mode projects must reach the tenant's one pipeline-templates repository."""
    for source in members:
        azure = source.model.spec.azureDevOps
        if (
            source.model.spec.pipelines.mode == "templates"
            and azure.organization != home.organization
        ):
            yield source.problem(
                ["spec", "azureDevOps", "organization"],
                f"project `{source.name}` is in organization `{azure.organization}`, but the "
                f"pipeline-templates repository of tenant `{tenant}` is in `{home.organization}`;"
                " Azure Pipelines extends templates only within one organization",
                "use `pipelines: {mode: inline}` for this project, or move it",
            )


def _approver_group_problems(
    tenant: TenantSource, members: Sequence[ProjectSource]
) -> Iterator[Diagnostic]:
    """Each declared group once, each member once, and only groups some environment names."""
    named = {
        approver
        for source in members
        for env in source.model.spec.environments
        if env.approvals
        for approver in env.approvals.approvers
    }
    seen: dict[str, int] = {}
    for index, group in enumerate(tenant.model.spec.approverGroups or ()):
        where: Path_ = ["spec", "approverGroups", index]
        key = group.name.strip().casefold()
        if key in seen:
            first = tenant.span(["spec", "approverGroups", seen[key], "name"])
            yield tenant.problem(
                [*where, "name"],
                f"approver group `{group.name}` is declared twice (first at {first})",
                "declare each group once, with all its members",
            )
            continue
        seen[key] = index
        if group.name not in named:
            yield tenant.problem([*where, "name"], *_unused_group(tenant, group.name, named))
        yield from _duplicate_members(tenant, where, group.members)


def _unused_group(tenant: TenantSource, name: str, named: set[str]) -> tuple[str, str]:
    close = difflib.get_close_matches(name, sorted(named), n=1)
    hint = (
        f"did you mean `{close[0]}`?"
        if close
        else ("name it exactly as an environment's `approvals.approvers` does")
    )
    return (
        f"approver group `{name}` is not an approver of any environment of tenant "
        f"`{tenant.name}`: its members would approve nothing",
        hint,
    )


def _duplicate_members(
    tenant: TenantSource, where: Path_, members: Sequence[str]
) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for position, member in enumerate(members):
        key = member.strip().casefold()
        if key in seen:
            yield tenant.problem(
                [*where, "members", position],
                f"`{member}` is listed twice in this group",
                "list each member once (names compare without case)",
            )
        seen.add(key)
