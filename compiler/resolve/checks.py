"""Derived-name rules: names shipspec builds from spec names must suit Azure and C#.

Each problem is located at the spec key to change (a store name, `spec.keyVault`,
a module name) and says how much room the name has.  At most one problem is
reported per key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler.errors import Diagnostic
from compiler.plan.naming import pascal
from compiler.resolve import azure_names as names
from compiler.resolve.identifiers import PROJECT_OUTPUTS, csharp_identifier
from compiler.resolve.model import Module, Project, Store
from compiler.spec.locate import Path_, format_path


@dataclass
class Problems:
    """Diagnostics collected for one project, at most one per spec key."""

    project: Project
    found: dict[str, Diagnostic] = field(default_factory=dict)

    def add(self, path: Path_, message: str, hint: str = "") -> None:
        self.found.setdefault(format_path(path), self.project.problem(path, message, hint))


def stacked_modules(project: Project) -> list[Module]:
    """Modules with a Pulumi ComponentResource: services and workers first, then infrastructure.

    Infrastructure modules come last because they grant their stores to the
    identities of the modules that depend on them.
    """
    infrastructure = [m for m in project.modules if m.type == "infrastructure"]
    return [*project.workloads, *infrastructure]


def derived_name_problems(project: Project) -> list[Diagnostic]:
    """Every derived-name problem of a project that gets an infra program."""
    if not project.has_infrastructure:
        return []
    problems = Problems(project)
    _check_identifiers(project, problems)
    for env in project.environments:
        _check_name(problems, env.origins["key_vault"], "key-vault", env.key_vault)
        taken: dict[tuple[str, str], str] = {("key-vault", env.key_vault): "the project vault"}
        for store in project.stores:
            _check_store(problems, store, env.digest, taken)
            _check_entities(problems, store)
    _check_outputs(project, problems)
    return list(problems.found.values())


def _check_identifiers(project: Project, problems: Problems) -> None:
    """Module class names must be distinct C# identifiers (`a-b` and `a--b` are not)."""
    seen: dict[str, str] = {}
    for module in stacked_modules(project):
        identifier = csharp_identifier(pascal(module.name) + "Stack")
        if identifier in seen:
            problems.add(
                [*module.path, "name"],
                f"module `{module.name}` gives the same C# class `{identifier}` as module "
                f"`{seen[identifier]}`",
                "module names that differ only in hyphens collide in the Pulumi program; rename one",
            )
        seen.setdefault(identifier, module.name)


def _check_name(problems: Problems, path: Path_, rule_key: str, name: str) -> None:
    rule = names.RULES[rule_key]
    problem = rule.problem(name)
    if problem:
        problems.add(path, f"the {rule.resource} name `{name}` {problem}", rule.describe())


def _check_store(
    problems: Problems, store: Store, digest: str, taken: dict[tuple[str, str], str]
) -> None:
    path = [*store.path, "name"]
    for derivation in names.store_names(store.kind, store.name, digest).values():
        rule = names.RULES[derivation.rule]
        problem = rule.problem(derivation.name)
        if problem:
            problems.add(
                path,
                f"store `{store.name}` ({store.kind}) would need the {rule.resource} name "
                f"`{derivation.name}`, which {problem}",
                f"a {rule.resource} name has {rule.describe()}; keep the store name to at most "
                f"{derivation.budget} characters that suit it",
            )
            continue
        scope = (derivation.rule, derivation.name.lower())
        if scope in taken and rule.unique != "server":
            problems.add(
                path,
                f"store `{store.name}` would get the {rule.resource} name `{derivation.name}`, "
                f"already used by {taken[scope]}",
                "derived names drop hyphens where Azure forbids them; rename one of the stores",
            )
        taken.setdefault(scope, f"store `{store.name}`")


def _check_entities(problems: Problems, store: Store) -> None:
    rule = names.RULES["service-bus-entity"]
    for key in ("topics", "queues"):
        for index, entity in enumerate(getattr(store.spec, key, ())):
            problem = rule.problem(entity)
            if problem:
                problems.add(
                    [*store.path, key, index],
                    f"`{entity}` is not a valid Service Bus name: it {problem}",
                    rule.describe(),
                )


def output_entries(project: Project) -> list[tuple[str, str, Path_]]:
    """Every stack output the program exports: (name, who it is for, spec path of that name)."""
    entries: list[tuple[str, str, Path_]] = [
        (name, "project", ["metadata", "name"]) for name in PROJECT_OUTPUTS
    ]
    for module in stacked_modules(project):
        entries += [(o, module.name, [*module.path, "name"]) for o in module.outputs.values()]
        for store in module.stores_owned:
            entries += [(o, store.name, [*store.path, "name"]) for o in store.outputs.values()]
    return entries


def _check_outputs(project: Project, problems: Problems) -> None:
    """Stack outputs must be unique (`a-b` + `C` and `a` + `BC` are not)."""
    seen: dict[str, str] = {}
    for output, owner, path in output_entries(project):
        if output in seen and seen[output] != owner:
            problems.add(
                path,
                f"`{owner}` would export the stack output `{output}`, already exported for "
                f"`{seen[output]}`",
                "stack outputs are camelCase names plus a suffix; rename one of them",
            )
        seen.setdefault(output, owner)
