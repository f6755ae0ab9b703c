"""Select what changed: the projects and tenant folders whose output may differ from the manifest.

A project whose fingerprint matches its manifest (and whose files, manifest included,
still hold the bytes it records) is neither planned nor rendered, except with `--only`,
which compares every file in scope.  `--check` skips such projects too: rendering them
would give the bytes the manifest records, which are the bytes on disk.  In a fresh
checkout (no code stamp, no stats beside the output) nothing counts as up to date, so
CI's check renders and compares everything.  Folders of projects gone from the specs
are retired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from compiler.incremental import (
    Snapshot,
    module_fingerprints,
    project_fingerprint,
    tenant_fingerprint,
)
from compiler.layout import TENANT_FOLDER
from compiler.resolve import Estate, Project


class _Options(Protocol):
    check: bool


class _Scope(Protocol):
    targets: Sequence[object]

    def projects(self, estate: Estate) -> Estate: ...


@dataclass(frozen=True)
class ProjectChange:
    project: Project
    fingerprint: str
    modules: dict[str, str]


@dataclass(frozen=True)
class TenantChange:
    tenant: str
    projects: tuple[Project, ...]
    fingerprint: str


@dataclass(frozen=True)
class Changes:
    projects: tuple[ProjectChange, ...]
    tenants: tuple[TenantChange, ...]
    retired: tuple[tuple[str, str], ...]
    skipped: int


def select_changes(estate: Estate, scope: _Scope, snapshot: Snapshot, options: _Options) -> Changes:
    chosen = scope.projects(estate)
    force = bool(scope.targets)
    fingerprints = {(p.tenant, p.name): project_fingerprint(p.source) for p in chosen.projects}
    projects = tuple(
        _project_change(p, fingerprints[(p.tenant, p.name)], snapshot)
        for p in chosen.projects
        if force or not snapshot.up_to_date((p.tenant, p.name), fingerprints[(p.tenant, p.name)])
    )
    skipped = len(chosen.projects) - len(projects)
    if scope.targets:  # tenant folders hold no module's files: nothing of them is in scope
        return Changes(projects, (), (), skipped)
    tenants = tuple(_tenant_changes(estate, fingerprints, snapshot))
    compiled = {(p.tenant, p.name) for p in estate.projects}
    compiled |= {(tenant, TENANT_FOLDER) for tenant in estate.tenants}
    gone = snapshot.retired(compiled, set(estate.files), snapshot.root.resolve().parent)
    return Changes(projects, tenants, tuple(gone), skipped)


def _project_change(project: Project, fingerprint: str, snapshot: Snapshot) -> ProjectChange:
    return ProjectChange(project, fingerprint, module_fingerprints(project.source))


def _tenant_changes(
    estate: Estate, fingerprints: dict[tuple[str, str], str], snapshot: Snapshot
) -> list[TenantChange]:
    changes = []
    for tenant in estate.tenants:
        projects = tuple(p for p in estate.projects if p.tenant == tenant)
        expected = tenant_fingerprint(fingerprints[(p.tenant, p.name)] for p in projects)
        key = (tenant, TENANT_FOLDER)
        if not snapshot.up_to_date(key, expected):
            changes.append(TenantChange(tenant, projects, expected))
    return changes
