"""Rules the schema cannot express: across fields, across modules and across documents.

Each rule is a function from the validated projects to diagnostics; `RULES` lists
them in the order they run.  A rule reports at the key the user has to change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.errors import Diagnostic, SourceSpan
from compiler.spec.hints import did_you_mean
from compiler.spec.load import RawDocument
from compiler.spec.locate import Path_, format_path
from compiler.spec.models import Infrastructure, Library, Microservice, Project, Worker


@dataclass(frozen=True)
class ProjectSource:
    """A validated Project and the document it came from (for locations and lineage)."""

    model: Project
    document: RawDocument

    @property
    def tenant(self) -> str:
        return self.model.metadata.tenant

    @property
    def name(self) -> str:
        return self.model.metadata.name

    @property
    def file(self) -> str:
        return self.document.file

    def span(self, path: Path_, *, at_key: bool = False) -> SourceSpan:
        return self.document.span(path, at_key=at_key)

    def problem(
        self, path: Path_, message: str, hint: str = "", *, at_key: bool = False
    ) -> Diagnostic:
        return Diagnostic(self.span(path, at_key=at_key), format_path(path), message, hint)


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
        f"{project}-gitops": "the GitOps repository",
        f"{project}-infra": "the infrastructure repository",
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
                    f"{reserved[module.repository_name]} of project `{source.name}`",
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
            for s_index, store in enumerate(getattr(module, "stores", ())):
                entries.append(
                    (store.name, source, ["spec", "modules", m_index, "stores", s_index, "name"])
                )
        yield from _duplicates(entries, "store")


# --- dependencies --------------------------------------------------------------------------------


def known_dependencies(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        names = [module.name for module in source.model.spec.modules]
        for index, module in enumerate(source.model.spec.modules):
            for d_index, dependency in enumerate(getattr(module, "dependsOn", ())):
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
        graph = {m.name: [d for d in getattr(m, "dependsOn", ()) if d != m.name] for m in modules}
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
                    f"{_count(len(approvals.approvers), 'approver is', 'approvers are')} listed",
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
        owners = [m.name for m in modules if getattr(m, "stores", ())]
        for index, environment in enumerate(source.model.spec.environments):
            path = ["spec", "environments", index]
            if runners and environment.cluster is None:
                yield source.problem(
                    [*path, "cluster"],
                    f"environment `{environment.name}` needs `cluster`: {_modules(runners, 'deploys', 'deploy')} to it",
                    "add the AKS cluster name, e.g. `cluster: aks-contoso-dev`",
                )
            if (runners or owners) and environment.region is None:
                yield source.problem(
                    [*path, "region"],
                    f"environment `{environment.name}` needs `region`: "
                    f"{_modules(runners or owners, 'deploys', 'deploy')} to it",
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
            for s_index, store in enumerate(getattr(module, "stores", ())):
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


def parse_cpu(quantity: str) -> float:
    """CPU cores in a Kubernetes quantity.

    >>> parse_cpu("250m"), parse_cpu("1.5")
    (0.25, 1.5)
    """
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_MEMORY_UNITS |= {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def parse_memory(quantity: str) -> int:
    """Bytes in a Kubernetes memory quantity.

    >>> parse_memory("256Mi"), parse_memory("1G")
    (268435456, 1000000000)
    """
    number, unit = re.fullmatch(r"([0-9]+)([A-Za-z]*)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * _MEMORY_UNITS[unit]


def secret_references(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    """Secret env names are unique per module and do not shadow plain settings."""
    for source in sources:
        for index, module in enumerate(source.model.spec.modules):
            secrets = getattr(module, "secrets", ())
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


# --- project-wide settings a module needs ----------------------------------------------------------


@dataclass(frozen=True)
class _Need:
    path: tuple[str, ...]
    verbs: tuple[str, str]
    why: str
    hint: str


def required_settings(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        for need, modules in _needs(source.model).items():
            if modules and _setting(source.model, need.path) is None:
                yield source.problem(
                    ["spec", *need.path],
                    f"missing `spec.{'.'.join(need.path)}`: {_modules(modules, *need.verbs)} {need.why}",
                    need.hint,
                )


_REGISTRY = _Need(
    ("registry",), ("builds", "build"), "container images", "add `registry: <name>.azurecr.io`"
)
_REGISTRY_CONNECTION = _Need(
    ("azureDevOps", "serviceConnections", "registry"),
    ("pushes", "push"),
    "images through it",
    "add the Docker registry service connection name",
)
_FEED = _Need(("feed",), ("publishes", "publish"), "NuGet packages", "add `feed: <project>/<feed>`")
_KEY_VAULT = _Need(
    ("keyVault",), ("reads", "read"), "secrets from it", "add `keyVault: <vault-name>`"
)
_AZURE_CONNECTION = _Need(
    ("azureDevOps", "serviceConnections", "azure"),
    ("provisions", "provision"),
    "Azure resources through it",
    "add the Azure Resource Manager service connection name",
)


def _needs(project: Project) -> dict[_Need, list[str]]:
    modules = project.spec.modules
    containers = [m.name for m in modules if isinstance(m, Microservice | Worker)]
    return {
        _REGISTRY: containers,
        _REGISTRY_CONNECTION: containers,
        _FEED: [m.name for m in modules if isinstance(m, Library)],
        _KEY_VAULT: [
            m.name for m in modules if any(s.vault is None for s in getattr(m, "secrets", ()))
        ],
        _AZURE_CONNECTION: [
            m.name for m in modules if isinstance(m, Infrastructure) or getattr(m, "stores", ())
        ],
    }


def _setting(project: Project, path: tuple[str, ...]) -> Any:
    value: Any = project.spec
    for part in path:
        value = getattr(value, part)
    return value


# --- helpers ---------------------------------------------------------------------------------------


def _deployables(source: ProjectSource) -> Iterator[tuple[int, Microservice | Worker]]:
    for index, module in enumerate(source.model.spec.modules):
        if isinstance(module, Microservice | Worker):
            yield index, module


def _modules(names: list[str], singular_verb: str, plural_verb: str) -> str:
    """`module `a` deploys` or `modules `a`, `b` and 2 more deploy`."""
    shown = ", ".join(f"`{name}`" for name in names[:3])
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    if len(names) == 1:
        return f"module {shown} {singular_verb}"
    return f"modules {shown}{more} {plural_verb}"


def _count(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


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
)
