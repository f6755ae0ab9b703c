"""Reading the ledger back in tracking tests (through the same services the CLI uses)."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select

from compiler.state import Scope, Store
from compiler.state.models import Base, Event
from compiler.state.services import runs

PAYMENTS = Scope("contoso", "payments")


def count(store: Store, model: type[Base], scope: Scope = PAYMENTS) -> int:
    with store.read(scope) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def all_runs(store: Store, scope: Scope = PAYMENTS) -> list[dict[str, Any]]:
    with store.read(scope) as uow:
        return [runs.show_run(uow, r["id"]) for r in runs.list_runs(uow, limit=100)]


def event_types(store: Store, scope: Scope = PAYMENTS) -> list[str]:
    with store.read(scope) as uow:
        return [e.type for e in uow.scalars(select(Event).order_by(Event.sequence))]


def rows(store: Store, model: type[Base], scope: Scope = PAYMENTS) -> list[Any]:
    with store.read(scope) as uow:
        return uow.scalars(select(model))


def stage_event(
    base: dict[str, Any], event_id: str, stage: str, state: str, result: str | None
) -> dict[str, Any]:
    """The documented stage-state-changed sample, for another stage and state."""
    document = copy.deepcopy(base)
    document["id"] = event_id
    document["resource"]["stage"].update({"name": stage, "state": state, "result": result})
    return document
