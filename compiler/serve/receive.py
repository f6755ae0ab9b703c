"""From an authenticated, parsed delivery to the ledger: route, deduplicate, apply.

The tenant and project come from the routing directory (what the compiled specs
declare), never from the payload.  The delivery row and every ledger write share one
transaction, so a delivery is either recorded whole or not at all; two copies of one
event arriving at once on PostgreSQL meet on the delivery's unique key, and the loser
is retried by the store and finds the winner (answered as a duplicate).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from compiler.state import Store, UnitOfWork
from compiler.state.models import TrackingDelivery
from compiler.track import routes
from compiler.track.apply import apply_all
from compiler.track.catalog import ProjectCatalog
from compiler.track.observations import Observation

log = logging.getLogger("shipspec.serve")


@dataclass(frozen=True)
class Delivery:
    source: str
    event_id: str
    event_type: str
    route: tuple[str, str]
    observations: list[Observation] = field(default_factory=list)
    ado_project: str | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def record(store: Store, delivery: Delivery) -> Answer:
    resolved = routes.resolve(store, *delivery.route)
    if resolved is None:
        return _ignored(
            delivery, f"no compiled spec declares {delivery.route[0]} {delivery.route[1]!r}"
        )
    projects = {p.ado_project for p in resolved.catalog.pipelines if p.ado_project}
    if delivery.ado_project and projects and delivery.ado_project not in projects:
        return _ignored(
            delivery,
            f"{delivery.route[1]!r} is not declared in Azure DevOps project {delivery.ado_project!r}",
        )
    taken = store.write(resolved.scope, lambda uow: _take(uow, delivery, resolved.catalog))
    outcome = "recorded" if taken else "duplicate"
    log.info(
        "delivery %s",
        outcome,
        extra={
            "source": delivery.source,
            "eventId": delivery.event_id,
            "eventType": delivery.event_type,
            "tenant": resolved.scope.tenant,
            "project": resolved.scope.project,
        },
    )
    return Answer(200, {"status": outcome, "eventId": delivery.event_id})


def _take(uow: UnitOfWork, delivery: Delivery, catalog: ProjectCatalog) -> bool:
    seen = uow.scalar(
        select(TrackingDelivery.id).where(
            TrackingDelivery.source == delivery.source,
            TrackingDelivery.event_id == delivery.event_id,
        )
    )
    if seen is not None:
        return False
    uow.add(
        TrackingDelivery(
            project=uow.scope.project,
            source=delivery.source,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
        )
    )
    apply_all(uow, catalog, delivery.observations)
    return True


def _ignored(delivery: Delivery, reason: str) -> Answer:
    log.warning(
        "delivery ignored: %s",
        reason,
        extra={
            "source": delivery.source,
            "eventId": delivery.event_id,
            "eventType": delivery.event_type,
        },
    )
    return Answer(202, {"status": "ignored", "reason": reason, "eventId": delivery.event_id})
