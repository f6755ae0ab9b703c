"""Repositories publish pushed before whose module has left the specs.

Compile retires such a module's folder; the repository, its pipeline and the GitOps
pins that deploy it stay live in Azure DevOps.  Publish lists them on every run (never
silently) from the repositories the state store recorded for each published project,
until `publish --retire` retires them (the store then remembers the retirement).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from compiler.state import Scope, Store
from compiler.state.models import Repository


@dataclass(frozen=True)
class Orphan:
    """A recorded repository whose folder is gone from the output, and where it lives."""

    tenant: str
    project: str
    name: str
    default_branch: str
    provider: str | None
    external_id: str | None
    home: Mapping[str, Any]
    """What its `.shipspec/` declarations said when last published; empty if unrecorded."""

    @property
    def key(self) -> str:
        return f"{self.tenant}/{self.project}/{self.name}"

    @property
    def scope(self) -> Scope:
        return Scope(self.tenant, self.project)

    @property
    def module(self) -> str | None:
        value = self.home.get("module")
        return str(value) if value else None

    @property
    def pipeline(self) -> Mapping[str, str] | None:
        value = self.home.get("pipeline")
        return value if isinstance(value, dict) and value.get("name") else None


def orphans(store: Store | None, published: Iterable[tuple[str, str, str]]) -> list[Orphan]:
    """Recorded, not retired repositories of the published projects that were not
    published now (their folder is gone from the output)."""
    if store is None:
        return []
    names: dict[tuple[str, str], set[str]] = {}
    for tenant, project, name in published:
        names.setdefault((tenant, project), set()).add(name)
    found = []
    for (tenant, project), current in sorted(names.items()):
        for row in _rows(store, tenant, project):
            if row.name not in current and row.retired_at is None:
                found.append(_orphan(tenant, project, row))
    return found


def retired_modules(store: Store | None, tenant: str, project: str) -> set[str]:
    """Modules of the project whose repository was retired (their GitOps pins must go)."""
    if store is None:
        return set()
    rows = _rows(store, tenant, project)
    return {
        str(row.home["module"])
        for row in rows
        if row.retired_at is not None and row.home and row.home.get("module")
    }


def _rows(store: Store, tenant: str, project: str) -> list[Repository]:
    with store.read(Scope(tenant, project)) as uow:
        statement = select(Repository).where(Repository.project == project)
        rows = list(uow.scalars(statement.order_by(Repository.name)))
        for row in rows:
            uow.session.expunge(row)
        return rows


def _orphan(tenant: str, project: str, row: Repository) -> Orphan:
    return Orphan(
        tenant=tenant,
        project=project,
        name=row.name,
        default_branch=row.default_branch,
        provider=row.provider,
        external_id=row.external_id,
        home=dict(row.home or {}),
    )
