"""What a platform pull request changes: per repository the files, per environment the
running estate, and the warnings a reviewer must not miss.  Pure: two sides in, one
:class:`Review` out, sorted so the same change always reads the same."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from compiler.publish.inputs import family_of
from compiler.resolve import Environment, Module, Project
from compiler.review.sides import Side

MASS_DELETE_SHARE = 0.5
"""The share of a repository's managed files whose deletion publish refuses by default."""
_ENV_FOLDER = re.compile(r"^(?:environments|overlays|envs|clusters)/([^/]+)/")


@dataclass(frozen=True)
class FamilyChange:
    family: str
    added: int
    changed: int
    removed: int


@dataclass(frozen=True)
class RepoChange:
    tenant: str
    project: str
    repository: str
    families: tuple[FamilyChange, ...]
    status: str
    """new, changed or orphaned (no longer generated)"""

    @property
    def folder(self) -> str:
        return f"{self.tenant}/{self.project}/{self.repository}"


@dataclass(frozen=True)
class EnvironmentChange:
    tenant: str
    project: str
    environment: str
    production: bool
    changes: tuple[str, ...]


@dataclass(frozen=True)
class Review:
    repositories: tuple[RepoChange, ...]
    environments: tuple[EnvironmentChange, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.repositories and not self.environments


def compare(base: Side, head: Side) -> Review:
    keys = sorted(set(base.manifests) | set(head.manifests))
    repos = [
        r
        for key in keys
        for r in _repositories(key, base.manifests.get(key, {}), head.manifests.get(key, {}))
    ]
    envs = [
        e
        for key in sorted(set(base.projects) | set(head.projects))
        for e in _environments(base.projects.get(key), head.projects.get(key))
    ]
    warnings = [*_mass_deletes(keys, base, head), *_production(envs), *_orphans(repos)]
    notes = [f"the target branch could not be read in full: {base.problem}"] if base.problem else []
    return Review(tuple(repos), tuple(envs), tuple(warnings), tuple(notes))


# --- files ---------------------------------------------------------------------------------------


def _by_repository(
    files: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, Mapping[str, Any]]]:
    grouped: dict[str, dict[str, Mapping[str, Any]]] = {}
    for path, entry in files.items():
        repository, _, rest = path.partition("/")
        grouped.setdefault(repository, {})[rest] = entry
    return grouped


def _repositories(
    key: tuple[str, str], before: Mapping[str, Any], after: Mapping[str, Any]
) -> Iterable[RepoChange]:
    old, new = _by_repository(before), _by_repository(after)
    for name in sorted(set(old) | set(new)):
        families = _families(old.get(name, {}), new.get(name, {}))
        if not families:
            continue
        status = "new" if name not in old else "orphaned" if name not in new else "changed"
        yield RepoChange(key[0], key[1], name, families, status)


def _families(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[FamilyChange, ...]:
    counts: dict[str, list[int]] = {}
    for path in set(old) | set(new):
        entry = new.get(path) or old[path]
        kind = 0 if path not in old else 2 if path not in new else 1
        if kind == 1 and old[path]["sha256"] == new[path]["sha256"]:
            continue
        counts.setdefault(family_of(entry.get("template", "")), [0, 0, 0])[kind] += 1
    return tuple(FamilyChange(f, *n) for f, n in sorted(counts.items()))


# --- environments --------------------------------------------------------------------------------


def _environments(before: Project | None, after: Project | None) -> Iterable[EnvironmentChange]:
    project = after or before
    assert project is not None
    old = {e.name: e for e in before.environments} if before else {}
    new = {e.name: e for e in after.environments} if after else {}
    for name in [*new, *(n for n in old if n not in new)]:
        lines = _environment_lines(old.get(name), new.get(name), before, after)
        if lines:
            env = new.get(name) or old[name]
            yield EnvironmentChange(
                project.tenant, project.name, name, env.tier == "production", tuple(lines)
            )


def _environment_lines(
    old: Environment | None, new: Environment | None, before: Project | None, after: Project | None
) -> list[str]:
    if new is None:
        return ["environment removed from the path"]
    lines = ["environment added to the path"] if old is None else _settings(old, new)
    old_modules = {m.name: m for m in before.modules} if before and old else {}
    new_modules = {m.name: m for m in after.modules} if after else {}
    for name in sorted(set(old_modules) | set(new_modules)):
        lines += _module_lines(name, old_modules.get(name), new_modules.get(name), new.name)
    return lines


def _settings(old: Environment, new: Environment) -> list[str]:
    lines = []
    for label, a, b in (
        ("strategy", _strategy(old), _strategy(new)),
        ("approvals", _approvals(old), _approvals(new)),
        ("tier", old.tier, new.tier),
        ("cluster", old.cluster, new.cluster),
        ("region", old.region, new.region),
    ):
        if a != b:
            lines.append(f"{label}: {a} → {b}")
    return lines


def _strategy(env: Environment) -> str:
    steps = ", ".join(f"{s}%" for s in env.canary_steps)
    return f"{env.strategy} ({steps})" if env.strategy == "canary" and steps else env.strategy


def _approvals(env: Environment) -> str:
    if env.approvals is None:
        return "none"
    return f"{env.approvals.required} of {', '.join(env.approvals.approvers)}"


def _module_lines(name: str, old: Module | None, new: Module | None, env: str) -> list[str]:
    if old is None or new is None:
        module = new or old
        assert module is not None
        what = "added" if new else "removed"
        runs = f" ({module.replicas[env]} replica(s))" if env in module.replicas else ""
        return [f"{name}: module {what}{runs}"]
    lines = []
    if old.replicas.get(env) != new.replicas.get(env):
        lines.append(f"{name}: replicas {old.replicas.get(env, 0)} → {new.replicas.get(env, 0)}")
    if old.image != new.image:
        lines.append(f"{name}: image {old.image or 'none'} → {new.image or 'none'}")
    lines += _store_lines(name, old, new, env)
    return lines


def _store_lines(name: str, old: Module, new: Module, env: str) -> list[str]:
    before = {s.name: s for s in old.stores_owned}
    after = {s.name: s for s in new.stores_owned}
    lines = []
    for store in sorted(set(before) | set(after)):
        a, b = before.get(store), after.get(store)
        if a is None and b is not None:
            lines.append(f"{name}: store {store} ({b.kind}, {b.tiers.get(env, '')}) added")
        elif b is None and a is not None:
            lines.append(f"{name}: store {store} ({a.kind}) removed — its data goes with it")
        elif a is not None and b is not None and a.tiers.get(env) != b.tiers.get(env):
            lines.append(f"{name}: store {store} tier {a.tiers.get(env)} → {b.tiers.get(env)}")
    return lines


# --- warnings ------------------------------------------------------------------------------------


def _mass_deletes(keys: list[tuple[str, str]], base: Side, head: Side) -> Iterable[str]:
    for key in keys:
        old = _by_repository(base.manifests.get(key, {}))
        new = _by_repository(head.manifests.get(key, {}))
        for name in sorted(set(old) & set(new)):
            yield from _repo_deletes(f"{key[0]}/{key[1]}/{name}", old[name], new[name])


def _repo_deletes(where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterable[str]:
    managed = [p for p, e in old.items() if e.get("ownership") == "managed"]
    gone = [p for p in managed if p not in new]
    if managed and len(gone) / len(managed) > MASS_DELETE_SHARE:
        yield (
            f"mass delete: {where} loses {len(gone)} of its {len(managed)} managed files; "
            "publish refuses this without --allow-mass-delete"
        )
    for env in sorted({m.group(1) for p in managed if (m := _ENV_FOLDER.match(p))}):
        in_env = [
            p for p in managed if _ENV_FOLDER.match(p) and _ENV_FOLDER.match(p).group(1) == env
        ]
        if in_env and all(p not in new for p in in_env):
            yield f"mass delete: {where} removes every application of environment {env}"


def _production(envs: Iterable[EnvironmentChange]) -> Iterable[str]:
    for env in envs:
        if env.production:
            yield (
                f"production change: {env.tenant}/{env.project} {env.environment}: "
                + "; ".join(env.changes)
            )


def _orphans(repos: Iterable[RepoChange]) -> Iterable[str]:
    for repo in repos:
        if repo.status == "orphaned":
            yield (
                f"orphaned repository: {repo.folder} is no longer generated; publish leaves the "
                "repository and its pipeline in Azure DevOps — retire or archive it"
            )
