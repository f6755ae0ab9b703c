"""After the repositories: what their pipelines need, in dependency order.

Per Azure DevOps project, for the `.shipspec/pipeline.json` files of the published
repositories: pipeline definitions -> environments and their checks -> variable
groups -> permissions (pipelines on resources; the Build Service on repositories).
Branch policies follow (the stage applies them last, so build validation finds
its pipeline).  Each step reads before it writes, so a run that failed half-way
converges when run again; a dry run reads only and reports what would change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from compiler.errors import ShipspecError
from compiler.publish.declared import PipelineDecl, VariableGroupDecl, declaration
from compiler.publish.errors import AuthError, PublishRefused
from compiler.publish.inputs import RepoTarget
from compiler.publish.providers import RemoteRepository
from compiler.publish.result import RepoResult

if TYPE_CHECKING:
    from compiler.publish.options import Context


class Setup:
    """What a provider offers for pipelines (the ``azure-devops`` one; ``local`` has none)."""

    def project(self, organization: str, project: str) -> Any: ...


@dataclass
class ProjectRun:
    """The pipelines of one compiled project folder, with the ids provisioning found."""

    tenant: str
    folder: str
    organization: str
    project: str
    targets: list[RepoTarget]
    pipelines: dict[str, tuple[PipelineDecl, int | None]] = field(default_factory=dict)
    environments: dict[str, int | None] = field(default_factory=dict)
    groups: dict[str, int | None] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.tenant}/{self.folder}"


def finish(
    ctx: Context,
    targets: Sequence[RepoTarget],
    results: Sequence[RepoResult],
    remotes: dict[str, RemoteRepository],
) -> list[RepoResult]:
    """Pipelines and what they use, then branch policies (build validation needs the pipeline)."""
    dry = ctx.options.dry_run
    done = {r.key for r in results if not r.error and (dry or r.key in remotes)}
    extra, stopped = provision(ctx, targets, done)
    if dry or stopped:
        return extra
    by_key = {r.key: r for r in results}
    for target in targets:
        if target.key not in done:
            continue
        result = by_key[target.key]
        try:
            result.actions += ctx.provider.apply_policies(target, remotes[target.key])
        except ShipspecError as error:
            from compiler.publish.stage import fail

            fail(result, error)
            if isinstance(error, AuthError):
                break
    return extra


def provision(
    ctx: Context, targets: Sequence[RepoTarget], done: set[str]
) -> tuple[list[RepoResult], bool]:
    """One result per project folder with repositories in Azure DevOps; whether auth stopped it."""
    setup = ctx.provider.pipeline_setup(dry_run=ctx.options.dry_run)
    if setup is None:
        return [], False
    results = []
    planned = _planned_tags(targets) if ctx.options.dry_run else set()
    for run in _runs([t for t in targets if t.key in done]):
        result = RepoResult(run.key, "", kind="azure-devops")
        results.append(result)
        try:
            _provision_one(setup, run, result, planned)
        except ShipspecError as error:
            from compiler.publish.stage import fail

            fail(result, error)
            if isinstance(error, AuthError):
                return results, True
        if result.actions and not result.error:
            result.status = "would-publish" if ctx.options.dry_run else "published"
    return results, False


def _runs(targets: Sequence[RepoTarget]) -> list[ProjectRun]:
    groups: dict[tuple[str, str], list[RepoTarget]] = {}
    for target in targets:
        groups.setdefault((target.tenant, target.project), []).append(target)
    runs = []
    for (tenant, folder), members in sorted(groups.items()):
        homed = [t for t in members if t.config.organization and t.config.project]
        if homed:
            first = homed[0].config
            assert first.organization and first.project
            runs.append(ProjectRun(tenant, folder, first.organization, first.project, homed))
    return runs


def _planned_tags(targets: Sequence[RepoTarget]) -> set[tuple[str, str, str]]:
    """(project, repository, tag) of the tags this run creates (a dry run: would create)."""
    return {(t.config.project or "", t.config.name, t.config.tag) for t in targets if t.config.tag}


def _provision_one(
    setup: Any, run: ProjectRun, result: RepoResult, planned: set[tuple[str, str, str]]
) -> None:
    project = setup.project(run.organization, run.project)
    declared = [(t, d) for t in run.targets if (d := declaration(t)) is not None]
    for target, decl in declared:
        repo_id = project.repository_id(run.project, target.config.name)
        pid, actions = project.pipeline(decl, repo_id)
        run.pipelines[decl.name] = (decl, pid)
        result.actions += actions
        result.actions += _pinned_refs(project, decl, planned)
    for env in _unique(e for _, d in declared for e in d.environments):
        env_id, actions = project.environment(env)
        run.environments[env.name] = env_id
        result.actions += actions + project.checks(env, env_id)
    for group in _merged_groups(g for _, d in declared for g in d.variable_groups):
        group_id, actions = project.variable_group(group)
        run.groups[group.name] = group_id
        result.actions += actions
    result.actions += _pipeline_permissions(project, run)
    for target in run.targets:
        result.actions += _repository_permissions(project, target)


def _pinned_refs(project: Any, decl: PipelineDecl, planned: set[tuple[str, str, str]]) -> list[str]:
    """Every tag the pipeline pins must exist, or the pipeline cannot queue."""
    for ref in decl.repositories:
        if not ref.tag or (ref.project, ref.name, ref.tag) in planned:
            continue
        if not project.tag_exists(ref.project, ref.name, ref.tag):
            raise PublishRefused(
                f"pipeline {decl.name} pins {ref.ref} of {ref.project}/{ref.name}, which does "
                "not exist: the pipeline could not queue",
                hint="publish the pipeline-templates repository (it creates the tag shipspec "
                "generates), or set spec.pipelines.templatesRef to a tag that exists",
            )
    return []


Resource = tuple[str, str, str, str]
"""(Azure DevOps project, resource type, resource id, label) of something a pipeline uses."""


def _pipeline_permissions(project: Any, run: ProjectRun) -> list[str]:
    """Each pipeline authorized for exactly what it uses (and nothing else shipspec manages)."""
    users: dict[Resource, set[int]] = {}
    for decl, pid in run.pipelines.values():
        if pid is None:
            continue
        for resource in _resources(project, run, decl):
            users.setdefault(resource, set()).add(pid)
    pipelines = {pid for _, pid in run.pipelines.values() if pid is not None}
    actions = []
    for resource in sorted(users):
        where, kind, ident, label = resource
        wanted = {pid: pid in users[resource] for pid in sorted(pipelines)}
        actions += project.access.authorize(where, kind, ident, label, wanted)
    return actions


def _resources(project: Any, run: ProjectRun, decl: PipelineDecl) -> list[Resource]:
    out: list[Resource] = []
    for ref in decl.repositories:
        found = project.repository(ref.project, ref.name)
        if found is not None:
            ident = f"{found.project.id}.{found.id}"
            out.append((ref.project, "repository", ident, f"repository {ref.project}/{ref.name}"))
    connections = [*decl.service_connections, *(g.service_connection for g in decl.variable_groups)]
    for name, ident in sorted(project.endpoints(connections).items()):
        out.append((run.project, "endpoint", ident, f"service connection {name}"))
    for env in decl.environments:
        if run.environments.get(env.name) is not None:
            ident = str(run.environments[env.name])
            out.append((run.project, "environment", ident, f"environment {env.name}"))
    for group in decl.variable_groups:
        if run.groups.get(group.name) is not None:
            ident = str(run.groups[group.name])
            out.append((run.project, "variablegroup", ident, f"variable group {group.name}"))
    return out


def _repository_permissions(project: Any, target: RepoTarget) -> list[str]:
    config = target.config
    assert config.organization and config.project
    found = project.repository(config.project, config.name)
    if found is None:
        return []
    service = project.build_service(config.organization, config.project)
    return list(project.access.repository(config, str(found.project.id), str(found.id), service))


def _merged_groups(groups: Iterable[VariableGroupDecl]) -> list[VariableGroupDecl]:
    """One group per name: pipelines of a project share it, each adding the secrets it reads."""
    merged: dict[str, VariableGroupDecl] = {}
    for group in groups:
        seen = merged.get(group.name)
        secrets = tuple(sorted({*group.secrets, *(seen.secrets if seen else ())}))
        merged[group.name] = replace(seen or group, secrets=secrets)
    return [merged[name] for name in sorted(merged)]


def _unique(items: Any) -> list[Any]:
    seen: dict[str, Any] = {}
    for item in items:
        seen.setdefault(item.name, item)
    return [seen[name] for name in sorted(seen)]
