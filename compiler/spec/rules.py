"""Rules the schema cannot express: across fields, across modules and across documents.

Each rule is a function from the validated projects to diagnostics; `RULES` lists
them in the order they run.  A rule reports at the key the user has to change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from compiler.errors import Diagnostic
from compiler.layout import TEMPLATES_REPOSITORY, gitops_repository, infra_repository
from compiler.spec.delivery_rules import DELIVERY_RULES, preview_connection_is_not_the_apply_one
from compiler.spec.deploy_rules import (
    DEPLOY_RULES,
    known_regions,
    unique_ingress_routes,
    unique_key_vaults,
    worker_ingress_needs_a_port,
)
from compiler.spec.hints import count_phrase, did_you_mean, modules_phrase
from compiler.spec.locate import Path_
from compiler.spec.models.modules import Microservice, Worker
from compiler.spec.needs import required_settings
from compiler.spec.quantities import parse_cpu, parse_memory
from compiler.spec.source import ProjectSource

__all__ = [
    "RULES",
    "ProjectSource",
    "check",
    "find_cycles",
    "known_regions",
    "parse_cpu",
    "parse_memory",
    "preview_connection_is_not_the_apply_one",
    "reserved_repositories",
    "unique_ingress_routes",
    "unique_key_vaults",
    "worker_ingress_needs_a_port",
]

Rule = Callable[[Sequence[ProjectSource]], Iterator[Diagnostic]]


def check(sources: Sequence[ProjectSource]) -> list[Diagnostic]:
    return [diagnostic for rule in RULES for diagnostic in rule(sources)]


# --- uniqueness ------------------------------------------------------------------------------------


def _duplicates(
    entries: Iterable[tuple[str, ProjectSource, Path_]],
    describe: str,
) -> Iterator[Diagnostic]:
    first_seen: dict[str, tuple[ProjectSource, Path_]] = {}
    for name, source, path in entries:
        if name in first_seen:
            earlier, earlier_path = first_seen[name]
            yield source.problem(
                path,
                f"{describe} `{name}` is already defined at {earlier.span(earlier_path)}",
                "names must be unique; rename one of them",
            )
        else:
            first_seen[name] = (source, path)


def unique_projects(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    entries = ((f"{s.tenant}/{s.name}", s, ["metadata", "name"]) for s in sources)
    yield from _duplicates(entries, "project")


def unique_environments(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        environments = source.model.spec.environments
        entries = (
            (e.name, source, ["spec", "environments", i, "name"])
            for i, e in enumerate(environments)
        )
        yield from _duplicates(entries, "environment")


def unique_modules(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        modules = source.model.spec.modules
        entries = ((m.name, source, ["spec", "modules", i, "name"]) for i, m in enumerate(modules))
        yield from _duplicates(entries, "module")


def reserved_repositories(project: str) -> dict[str, str]:
    """Repository names the project's own repositories take, with what they hold."""
    return {
        gitops_repository(project): f"the GitOps repository of project `{project}`",
        infra_repository(project): f"the infrastructure repository of project `{project}`",
        TEMPLATES_REPOSITORY: "the tenant's pipeline templates repository",
    }


def unique_repositories(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        reserved = reserved_repositories(source.name)
        entries = []
        for index, module in enumerate(source.model.spec.modules):
            key = "repository" if module.repository else "name"
            path = ["spec", "modules", index, key]
            if module.repository_name in reserved:
                yield source.problem(
                    path,
                    f"repository name `{module.repository_name}` is reserved for "
                    f"{reserved[module.repository_name]}",
                    "choose another module name, or set `repository:` to another name",
                )
            entries.append((module.repository_name, source, path))
        named = [e for e in entries if e[2][-1] == "repository" or _names_once(source, e[0])]
        yield from _duplicates(named, "repository")


def _names_once(source: ProjectSource, name: str) -> bool:
    """Duplicate module names are reported once, as modules, not again as repositories."""
    return sum(module.name == name for module in source.model.spec.modules) == 1


def unique_stores(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        entries = []
        for m_index, module in enumerate(source.model.spec.modules):
            for s_index, store in enumerate(module.owned_stores):
                entries.append(
                    (store.name, source, ["spec", "modules", m_index, "stores", s_index, "name"])
                )
        yield from _duplicates(entries, "store")


# --- dependencies --------------------------------------------------------------------------------


def known_dependencies(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        names = [module.name for module in source.model.spec.modules]
        for index, module in enumerate(source.model.spec.modules):
            for d_index, dependency in enumerate(module.dependencies):
                path = ["spec", "modules", index, "dependsOn", d_index]
                if dependency == module.name:
                    yield source.problem(path, f"module `{module.name}` depends on itself")
                elif dependency not in names:
                    hint = did_you_mean(dependency, names) or f"modules here: {', '.join(names)}"
                    yield source.problem(
                        path, f"`{dependency}` is not a module of project `{source.name}`", hint
                    )


def acyclic_dependencies(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        modules = source.model.spec.modules
        graph = {m.name: [d for d in m.dependencies if d != m.name] for m in modules}
        index_of = {m.name: i for i, m in enumerate(modules)}
        for cycle in find_cycles(graph):
            path = ["spec", "modules", index_of[cycle[0]], "dependsOn"]
            yield source.problem(
                path,
                f"dependency cycle: {' -> '.join(cycle)}",
                "remove one of these dependsOn entries",
                at_key=True,
            )


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each elementary cycle found by depth-first search, once, starting at its first node.

    >>> find_cycles({"a": ["b"], "b": ["a"], "c": []})
    [['a', 'b', 'a']]
    """
    cycles: list[list[str]] = []
    seen_members: set[frozenset[str]] = set()
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "active"
        for neighbour in graph.get(node, []):
            if neighbour not in graph:
                continue
            if state.get(neighbour) == "active":
                loop = [*trail[trail.index(neighbour) :], neighbour]
                members = frozenset(loop)
                if members not in seen_members:
                    seen_members.add(members)
                    cycles.append(loop)
            elif neighbour not in state:
                visit(neighbour, [*trail, neighbour])
        state[node] = "done"

    for start in graph:
        if start not in state:
            visit(start, [start])
    return cycles


# --- environments ----------------------------------------------------------------------------------


def approvals_fit(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        for index, environment in enumerate(source.model.spec.environments):
            approvals = environment.approvals
            if approvals is None:
                continue
            path = ["spec", "environments", index, "approvals"]
            if approvals.required > len(approvals.approvers):
                yield source.problem(
                    [*path, "required"],
                    f"{approvals.required} approvals are required but "
                    f"{count_phrase(len(approvals.approvers), 'approver is', 'approvers are')} listed",
                    "list more approvers or lower `required`",
                )
            entries = (
                (a, source, [*path, "approvers", i]) for i, a in enumerate(approvals.approvers)
            )
            yield from _duplicates(entries, "approver")


def canary_settings(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        for index, environment in enumerate(source.model.spec.environments):
            path = ["spec", "environments", index]
            if environment.canary is None:
                continue
            if environment.strategy != "canary":
                yield source.problem(
                    [*path, "canary"],
                    f"`canary` settings need `strategy: canary` (this environment uses {environment.strategy})",
                    "set `strategy: canary`, or remove `canary`",
                    at_key=True,
                )
            steps = environment.canary.steps
            for position in range(1, len(steps)):
                if steps[position] <= steps[position - 1]:
                    yield source.problem(
                        [*path, "canary", "steps", position],
                        f"canary steps must increase strictly: {steps[position]} follows {steps[position - 1]}",
                    )


def deploy_targets(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    """Environments need a cluster where services run and a region where stores live."""
    for source in sources:
        modules = source.model.spec.modules
        runners = [m.name for m in modules if isinstance(m, Microservice | Worker)]
        owners = [m.name for m in modules if m.owned_stores]
        for index, environment in enumerate(source.model.spec.environments):
            path = ["spec", "environments", index]
            if runners and environment.cluster is None:
                yield source.problem(
                    [*path, "cluster"],
                    f"environment `{environment.name}` needs `cluster`: {modules_phrase(runners, 'deploys', 'deploy')} to it",
                    "add the AKS cluster name, e.g. `cluster: aks-contoso-dev`",
                )
            if (runners or owners) and environment.region is None:
                yield source.problem(
                    [*path, "region"],
                    f"environment `{environment.name}` needs `region`: "
                    f"{modules_phrase(runners or owners, 'deploys', 'deploy')} to it",
                    "add the Azure region, e.g. `region: westeurope`",
                )


# --- modules -----------------------------------------------------------------------------------------


def replica_overrides(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        environments = [e.name for e in source.model.spec.environments]
        for index, module in _deployables(source):
            replicas_path = ["spec", "modules", index, "deploy", "replicas"]
            for name in module.deploy.replicas.overrides():
                if name not in environments:
                    hint = (
                        did_you_mean(name, environments)
                        or f"environments: {', '.join(environments)}"
                    )
                    yield source.problem(
                        [*replicas_path, name],
                        f"replicas override `{name}` names no environment of project `{source.name}`",
                        hint,
                        at_key=True,
                    )
            autoscaling = module.deploy.autoscaling
            if autoscaling and autoscaling.min > autoscaling.max:
                yield source.problem(
                    ["spec", "modules", index, "deploy", "autoscaling", "min"],
                    f"autoscaling.min ({autoscaling.min}) is greater than autoscaling.max ({autoscaling.max})",
                )


def store_tiers(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    """Per-environment tier overrides on stores must name environments of the project."""
    for source in sources:
        environments = [e.name for e in source.model.spec.environments]
        for m_index, module in enumerate(source.model.spec.modules):
            for s_index, store in enumerate(module.owned_stores):
                for name in store.tiers:
                    if name not in environments:
                        path = ["spec", "modules", m_index, "stores", s_index, "tiers", name]
                        hint = (
                            did_you_mean(name, environments)
                            or f"environments: {', '.join(environments)}"
                        )
                        yield source.problem(
                            path, f"tier override `{name}` names no environment", hint, at_key=True
                        )


def resource_bounds(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        for index, module in _deployables(source):
            resources = module.deploy.resources
            pairs = {
                "cpu": (resources.requests.cpu, resources.limits.cpu, parse_cpu),
                "memory": (resources.requests.memory, resources.limits.memory, parse_memory),
            }
            for resource, (request, limit, parse) in pairs.items():
                if parse(request) > parse(limit):
                    yield source.problem(
                        ["spec", "modules", index, "deploy", "resources", "requests", resource],
                        f"the {resource} request ({request}) is above its limit ({limit})",
                        "a request must not exceed its limit",
                    )


def secret_references(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    """Secret env names are unique per module and do not shadow plain settings."""
    for source in sources:
        for index, module in enumerate(source.model.spec.modules):
            secrets = module.secret_refs
            path = ["spec", "modules", index, "secrets"]
            entries = ((s.env, source, [*path, i, "env"]) for i, s in enumerate(secrets))
            yield from _duplicates(entries, "secret variable")
            plain = module.deploy.env if isinstance(module, Microservice | Worker) else {}
            for s_index, secret in enumerate(secrets):
                if secret.env in plain:
                    yield source.problem(
                        [*path, s_index, "env"],
                        f"`{secret.env}` is both a plain setting in deploy.env and a secret",
                        "keep it in one place: secrets for secret values, deploy.env for the rest",
                    )


# --- helpers ---------------------------------------------------------------------------------------


def _deployables(source: ProjectSource) -> Iterator[tuple[int, Microservice | Worker]]:
    for index, module in enumerate(source.model.spec.modules):
        if isinstance(module, Microservice | Worker):
            yield index, module


RULES: tuple[Rule, ...] = (
    unique_projects,
    unique_environments,
    unique_modules,
    unique_repositories,
    unique_stores,
    known_dependencies,
    acyclic_dependencies,
    approvals_fit,
    canary_settings,
    deploy_targets,
    replica_overrides,
    store_tiers,
    resource_bounds,
    secret_references,
    required_settings,
    *DEPLOY_RULES,
    *DELIVERY_RULES,
)
