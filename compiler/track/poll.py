"""The reconciling poller behind ``shipspec track``: read everything the compiled
specs declare from Azure DevOps and Argo CD, apply it, converge.

Webhooks make the ledger fast; this makes it correct.  A poll applies the same
observations a webhook would, through the same code, so a missed delivery is made
up and a duplicated one changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from compiler.state import Scope, Store
from compiler.track import routes
from compiler.track.apply import apply_all
from compiler.track.catalog import ProjectCatalog, read_catalog
from compiler.track.observations import Observation

log = logging.getLogger("shipspec.track")


class Source(Protocol):
    def observe(self, catalog: ProjectCatalog) -> Sequence[Observation]: ...


@dataclass(frozen=True)
class TrackOptions:
    generated: Path
    state_url: str | None = None
    watch: bool = False
    interval: float = 60.0
    rounds: int | None = None  # stop after this many rounds (tests); None: forever with --watch


@dataclass
class TrackResult:
    routes: int = 0
    projects: list[dict[str, object]] = field(default_factory=list)

    def to_record(self) -> dict[str, object]:
        return {"routes": self.routes, "projects": self.projects}


def track(
    options: TrackOptions, sources: Sequence[Source], sleep: Callable[[float], None] = time.sleep
) -> TrackResult:
    store = Store(options.state_url)
    catalogs = read_catalog(options.generated)
    result = TrackResult(routes=routes.register(store, catalogs))
    rounds = 0
    while True:
        result.projects = [poll_project(store, catalog, sources) for catalog in catalogs]
        rounds += 1
        if not options.watch or (options.rounds is not None and rounds >= options.rounds):
            return result
        sleep(options.interval)


def poll_project(
    store: Store, catalog: ProjectCatalog, sources: Sequence[Source]
) -> dict[str, object]:
    observations = [seen for source in sources for seen in source.observe(catalog)]
    scope = Scope(catalog.tenant, catalog.project)
    touched = store.write(
        scope, lambda uow: apply_all(uow, catalog, observations, modules=catalog.policy.modules)
    )
    log.info("polled %s/%s: %d observations", catalog.tenant, catalog.project, len(observations))
    return {
        "tenant": catalog.tenant,
        "project": catalog.project,
        "observations": len(observations),
        "modules": sorted(touched),
    }
