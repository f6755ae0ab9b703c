"""The routing directory: which tenant and project an external object belongs to.

Written from the compiled specs (``shipspec track``, publish), read by ``serve`` for
every delivery: the tenant of an event is the tenant that declared the pipeline,
repository or application it names, never what the payload says about itself.  A
name two tenants both claim is refused when registered, so a route is never ambiguous.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from compiler.state import Scope, Store
from compiler.state.engine import WRITE_OPTION
from compiler.state.errors import InvariantError
from compiler.state.models import TrackingRoute
from compiler.state.models.base import utcnow
from compiler.state.store import database_errors
from compiler.track.catalog import ProjectCatalog

PROJECT = "project"
ADO_PIPELINE = "ado-pipeline"
ADO_REPOSITORY = "ado-repository"
ARGOCD = "argocd"
FLUX = "flux"
_catalogs: dict[tuple[str, object], ProjectCatalog] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Route:
    kind: str
    key: str
    scope: Scope


@dataclass(frozen=True)
class Resolved:
    """Where an event belongs: its scope and the project's catalog."""

    scope: Scope
    catalog: ProjectCatalog


def routes_of(catalog: ProjectCatalog) -> Iterator[Route]:
    scope = Scope(catalog.tenant, catalog.project)
    yield Route(PROJECT, f"{catalog.tenant}/{catalog.project}", scope)
    for pipeline in catalog.pipelines:
        yield Route(ADO_PIPELINE, pipeline.name, scope)
        yield Route(ADO_REPOSITORY, pipeline.repository, scope)
    if catalog.gitops_repository:
        yield Route(ADO_REPOSITORY, catalog.gitops_repository, scope)
    for application in catalog.applications:
        yield Route(ARGOCD if application.engine == "argocd" else FLUX, application.name, scope)


def register(store: Store, catalogs: Iterable[ProjectCatalog]) -> int:
    """Upsert every route of these projects; returns how many routes they have."""
    count = 0
    bind = store.engine.execution_options(**{WRITE_OPTION: True})
    with database_errors(store.url), Session(bind) as session, session.begin():
        for catalog in catalogs:
            detail = catalog.to_record()
            for route in dict.fromkeys(routes_of(catalog)):
                _upsert(session, route, detail if route.kind == PROJECT else {})
                count += 1
    return count


def resolve(store: Store, kind: str, key: str) -> Resolved | None:
    """The project an object belongs to, or None when no compiled spec declares it."""
    with database_errors(store.url), Session(store.engine) as session:
        route = session.get(TrackingRoute, (kind, key))
        if route is None:
            return None
        project = session.get(TrackingRoute, (PROJECT, f"{route.tenant_id}/{route.project}"))
        if project is None:
            return None
        return Resolved(
            Scope(route.tenant_id, route.project), ProjectCatalog.from_record(project.detail)
        )


def projects(store: Store) -> list[ProjectCatalog]:
    with database_errors(store.url), Session(store.engine) as session:
        rows = session.scalars(
            select(TrackingRoute).where(TrackingRoute.kind == PROJECT).order_by(TrackingRoute.key)
        )
        return [_catalog(row) for row in rows]


def _catalog(row: TrackingRoute) -> ProjectCatalog:
    """The project's catalog, parsed once per registration (keyed by its update time)."""
    key = (row.key, row.updated_at)
    with _cache_lock:
        found = _catalogs.get(key)
    if found is None:
        found = ProjectCatalog.from_record(row.detail)
        with _cache_lock:
            _catalogs[key] = found
    return found


def _upsert(session: Session, route: Route, detail: dict[str, object]) -> None:
    row = session.get(TrackingRoute, (route.kind, route.key))
    if row is None:
        session.add(
            TrackingRoute(
                kind=route.kind,
                key=route.key,
                tenant_id=route.scope.tenant,
                project=route.scope.project,
                detail=detail,
            )
        )
        session.flush()
        return
    if (row.tenant_id, row.project) != (route.scope.tenant, route.scope.project):
        raise InvariantError(
            f"{route.kind} {route.key!r} is declared by {row.tenant_id}/{row.project} and by "
            f"{route.scope.tenant}/{route.scope.project}; an event could not tell them apart",
            hint="give one of them another name in its spec",
        )
    row.detail = detail
    row.updated_at = utcnow()
