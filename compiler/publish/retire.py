"""Retiring repositories whose module left the specs: `publish --retire`.

Without `--retire` publish only lists them (status ``orphaned``).  With it, per orphan:

1. its GitOps pins go: the project's GitOps repository is published with every file of
   the module removed (its environment folders, with the image pins shipspec never
   deletes otherwise, and its Argo CD Applications), in the same branch and pull request
   as the rest of that repository's changes;
2. its pipeline is disabled and its default branch locked (the provider's `retire`);
3. the store records the retirement, so later runs list it no more, and keep removing
   the module's pins should they come back on a rebuilt branch.

Guarded like a mass delete: retiring more than `--max-delete-share` of a project's
repositories in one run stops (exit 1, nothing retired) until `--allow-mass-delete`.
`--dry-run --retire` lists what it would do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from compiler.errors import ExitCode, ShipspecError
from compiler.layout import ENVIRONMENT_FOLDERS, gitops_repository
from compiler.orphans import Orphan, orphans, retired_modules
from compiler.publish.changes import FileChange
from compiler.publish.git import TreeEntry
from compiler.publish.inputs import RepoTarget
from compiler.publish.result import RepoResult
from compiler.publish.secrets import redact

if TYPE_CHECKING:
    from compiler.publish.options import Context

Project = tuple[str, str]
FAILED = ("failed", "refused", "skipped")


@dataclass
class Retirement:
    """What this run retires, decided before anything is pushed."""

    orphans: list[Orphan]
    retire: bool
    refused: dict[Project, str] = field(default_factory=dict)
    modules: dict[Project, set[str]] = field(default_factory=dict)
    """Per project, the modules whose GitOps files the GitOps repository must lose."""
    removed: dict[Project, dict[str, list[str]]] = field(default_factory=dict)
    """Per project and module, the GitOps files this run removes (filled while publishing)."""


def plan(context: Context, targets: list[RepoTarget]) -> Retirement:
    """The orphans of the wholly selected projects, and whether the guard lets them go."""
    options = context.options
    store = context.recorder.store
    whole = _whole_projects(targets, options.only)
    keys = [(t.tenant, t.project, t.name) for t in targets if (t.tenant, t.project) in whole]
    found = orphans(store, keys)
    result = Retirement(found, retire=options.retire)
    for tenant, project in whole:
        result.modules[(tenant, project)] = retired_modules(store, tenant, project)
    if not options.retire:
        return result
    for key, group in _by_project(found).items():
        live = sum(1 for t in targets if (t.tenant, t.project) == key) + len(group)
        share = len(group) / live
        if share > options.max_delete_share and not options.allow_mass_delete:
            result.refused[key] = (
                f"retiring {len(group)} of the {live} repositories of {key[0]}/{key[1]} "
                f"({share:.0%}, more than {options.max_delete_share:.0%})"
            )
            continue
        result.modules[key] |= {o.module for o in group if o.module}
    return result


def pin_deletions(
    retirement: Retirement,
    target: RepoTarget,
    base: Mapping[str, TreeEntry],
    planned: list[FileChange],
) -> list[FileChange]:
    """The GitOps repository's deletions of every file of a retired module still in ``base``."""
    project = (target.tenant, target.project)
    modules = retirement.modules.get(project, set())
    if target.name != gitops_repository(target.project) or not modules:
        return []
    wanted = {f.path for f in target.files} | {c.path for c in planned}
    changes = []
    for path in sorted(set(base) - wanted):
        if module_of(path, modules, target.tenant, target.project) is not None:
            changes.append(FileChange(path, "delete", "gitops"))
    removed = retirement.removed.setdefault(project, {})
    for change in [c for c in planned if c.kind == "delete"] + changes:
        module = module_of(change.path, modules, target.tenant, target.project)
        if module is not None:
            removed.setdefault(module, []).append(change.path)
    return changes


def module_of(path: str, modules: Iterable[str], tenant: str, project: str) -> str | None:
    """The retired module a GitOps repository file belongs to, judged by its path.

    >>> module_of("environments/prod/worker/image.yaml", ["worker"], "acme", "shop")
    'worker'
    >>> module_of("argocd/applications/acme-shop-prod-worker.yaml", ["worker"], "acme", "shop")
    'worker'
    >>> module_of("argocd/revisions/prod/worker.yaml", ["worker"], "acme", "shop")
    'worker'
    >>> module_of("environments/prod/web/image.yaml", ["worker"], "acme", "shop")
    """
    parts = PurePosixPath(path).parts
    for module in modules:
        if len(parts) >= 4 and parts[0] in ENVIRONMENT_FOLDERS and parts[2] == module:
            return module
        if len(parts) >= 3 and parts[0] == "base" and parts[1] == module:
            return module
        if (
            parts[:2] == ("argocd", "revisions")
            and len(parts) == 4
            and parts[3] == f"{module}.yaml"
        ):
            return module
        if parts[:2] == ("argocd", "applications") and len(parts) == 3:
            stem = parts[2].removesuffix(".yaml")
            prefix, suffix = f"{tenant}-{project}-", f"-{module}"
            middle = stem.removeprefix(prefix).removesuffix(suffix)
            if stem.startswith(prefix) and stem.endswith(suffix) and middle and "-" not in middle:
                return module
    return None


def retire(context: Context, retirement: Retirement, results: list[RepoResult]) -> list[RepoResult]:
    """One result per orphan: listed, refused by the guard, retired (or would be)."""
    by_key = {r.key: r for r in results}
    out = []
    for orphan in retirement.orphans:
        result = RepoResult(orphan.key, "", status="orphaned")
        out.append(result)
        project = (orphan.tenant, orphan.project)
        if not retirement.retire:
            result.actions.append(LISTED)
        elif project in retirement.refused:
            _refuse(result, retirement.refused[project])
        else:
            _retire_one(context, retirement, orphan, by_key, result)
    return out


LISTED = (
    "its module left the specs; the repository, its pipeline and its GitOps pins are still "
    "live: `shipspec publish --retire` retires them (`--dry-run --retire` shows how)"
)


def _refuse(result: RepoResult, why: str) -> None:
    result.status = "refused"
    result.error = f"{result.key}: refusing to retire: {why}"
    result.hint = "if the specs really mean it, run again with --allow-mass-delete"
    result.exit_code = ExitCode.INVALID


def _retire_one(
    context: Context,
    retirement: Retirement,
    orphan: Orphan,
    by_key: Mapping[str, RepoResult],
    result: RepoResult,
) -> None:
    dry = context.options.dry_run
    gitops = by_key.get(f"{orphan.tenant}/{orphan.project}/{gitops_repository(orphan.project)}")
    if gitops is not None and gitops.status in FAILED:
        result.status = "failed"
        result.error = f"{orphan.key}: not retired: its GitOps pins could not be removed"
        result.hint = f"see {gitops.key} above; run again once it publishes"
        result.exit_code = max(gitops.exit_code, ExitCode.INVALID)
        return
    result.actions += _pins(retirement, orphan, gitops, dry)
    try:
        result.actions += context.provider.retire(orphan, dry_run=dry)
    except ShipspecError as error:
        result.status = "failed"
        result.error = redact(error.message)
        result.hint = redact(error.hint)
        result.exit_code = error.exit_code
        return
    result.status = "would-retire" if dry else "retired"
    if not dry:
        context.recorder.retired(orphan, result.actions)


def _pins(
    retirement: Retirement, orphan: Orphan, gitops: RepoResult | None, dry: bool
) -> list[str]:
    removed = retirement.removed.get((orphan.tenant, orphan.project), {})
    files = removed.get(orphan.module or "", [])
    if gitops is None or not files:
        return ["no GitOps pins left"]
    verb = "would remove" if dry else "removes"
    where = f" (pull request {gitops.pull_request.number})" if gitops.pull_request else ""
    return [f"{verb} {len(files)} GitOps file(s) on {gitops.branch} of {gitops.key}{where}"]


def _whole_projects(targets: list[RepoTarget], only: tuple[str, ...]) -> list[Project]:
    """Projects published whole this run (orphans are judged only against a whole project)."""
    projects = sorted({(t.tenant, t.project) for t in targets})
    if not only:
        return projects
    chosen = {item.rstrip("/") for item in only}
    return [p for p in projects if f"{p[0]}/{p[1]}" in chosen or p[0] in chosen]


def _by_project(found: list[Orphan]) -> dict[Project, list[Orphan]]:
    groups: dict[Project, list[Orphan]] = {}
    for orphan in found:
        groups.setdefault((orphan.tenant, orphan.project), []).append(orphan)
    return groups
