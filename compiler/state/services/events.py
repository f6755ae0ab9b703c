"""Reading the outbox: events of the tenant, oldest first, after a cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from compiler.errors import UsageError
from compiler.state.models import Event
from compiler.state.session import UnitOfWork


def list_events(
    uow: UnitOfWork,
    *,
    since: str | None = None,
    event_type: str | None = None,
    all_projects: bool = False,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Events after ``since`` (a sequence number, or an ISO-8601 time), in order."""
    statement = select(Event).order_by(Event.sequence).limit(limit)
    if not all_projects:
        statement = statement.where(Event.project == uow.scope.project)
    if event_type:
        statement = statement.where(Event.type == event_type)
    if since:
        statement = statement.where(_after(since))
    return [_envelope(event) for event in uow.scalars(statement)]


def _after(since: str) -> Any:
    if since.isdigit():
        return Event.sequence > int(since)
    try:
        moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError as error:
        raise UsageError(
            f"--since {since!r} is neither a sequence number nor an ISO-8601 time"
        ) from error
    if moment.tzinfo is None:
        raise UsageError(f"--since {since!r} needs a timezone, e.g. {since}Z")
    return Event.occurred_at > moment


def _envelope(event: Event) -> dict[str, Any]:
    record = event.to_record()
    return {
        "sequence": record["sequence"],
        "eventId": record["eventId"],
        "type": record["type"],
        "tenant": record["tenantId"],
        "project": record["project"],
        "correlationId": record["correlationId"],
        "occurredAt": record["occurredAt"],
        "payload": record["payload"],
    }
