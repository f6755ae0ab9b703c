"""Repositories publish pushed before whose module has left the specs.

Compile retires such a module's folder; the repository, its pipeline and the GitOps
pins that deploy it stay live in Azure DevOps.  Publish lists them on every run (never
silently) from the repositories the state store recorded for each published project.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from compiler.state import Scope, Store
from compiler.state.models import Repository


def orphaned_repositories(
    store: Store | None, published: Iterable[tuple[str, str, str]]
) -> list[str]:
    """`tenant/project/name` of recorded repositories of the published projects that were
    not published now (their folder is gone from the output)."""
    if store is None:
        return []
    names: dict[tuple[str, str], set[str]] = {}
    for tenant, project, name in published:
        names.setdefault((tenant, project), set()).add(name)
    orphans = []
    for (tenant, project), current in sorted(names.items()):
        with store.read(Scope(tenant, project)) as uow:
            recorded = uow.scalars(select(Repository.name).where(Repository.project == project))
        orphans += [f"{tenant}/{project}/{name}" for name in sorted(set(recorded) - current)]
    return orphans
