"""Done-means 4 (tenant isolation) and idempotency keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from compiler.errors import StateError
from compiler.state import ProjectPolicy, Scope, Store
from compiler.state.models import Event, PipelineRun, ReleasePlan
from compiler.state.services import runs
from compiler.state.services.events import list_events

from .cli import Shipspec
from .helpers import CI, planned

DATA = Path(__file__).parent / "data"


def test_tenant_a_never_sees_or_changes_tenant_b(
    state_url: str, store: Store, policy: ProjectPolicy
) -> None:
    a, b = (
        Scope("tenant-a-" + policy.tenant, "payments"),
        Scope("tenant-b-" + policy.tenant, "payments"),
    )
    plan_b = planned(store, b, policy)
    with store.read(a) as uow:
        assert uow.scalars(select(ReleasePlan)) == []
        assert uow.scalars(select(PipelineRun)) == []
        assert uow.scalars(select(Event)) == []
    ship_a = Shipspec(state_url, a.tenant)
    assert ship_a.json("runs", "list") == []
    assert ship_a.json("events", "list", "--all-projects") == []
    assert "not found" in ship_a.fails("runs", "show", plan_b["id"])
    assert "not found" in ship_a.fails("runs", "update", plan_b["id"], "--status", "InProgress")
    run_b = Shipspec(state_url, b.tenant).json("runs", "list")[0]
    assert "not found" in ship_a.fails("runs", "update", run_b["id"], "--status", "InProgress")
    assert "not found" in ship_a.fails(
        "builds",
        "ingest",
        "--run",
        run_b["id"],
        "--junit",
        str(DATA / "pytest-junit.xml"),
    )
    # the same natural key in two tenants is two records
    assert (
        ship_a.json(
            "runs", "start", "--pipeline", run_b["pipeline"], "--number", run_b["runNumber"]
        )["id"]
        != run_b["id"]
    )
    with store.read(b) as uow:
        assert [r.id for r in uow.scalars(select(PipelineRun))] == [run_b["id"]]


def test_repeat_returns_same_record_and_no_second_event(store: Store, scope: Scope) -> None:
    command = runs.StartRun("ci", "42", "payments-api")
    first = store.write(scope, lambda u: runs.start_run(u, command, CI))
    again = store.write(scope, lambda u: runs.start_run(u, command, CI))
    assert again.record == first.record and again.replayed and not first.replayed
    with store.read(scope) as uow:
        assert [e["type"] for e in list_events(uow)] == ["RunStarted"]


def test_explicit_key_reused_for_another_request_is_refused(store: Store, scope: Scope) -> None:
    store.write(
        scope, lambda u: runs.start_run(u, runs.StartRun("ci", "1", idempotency_key="k"), CI)
    )
    with pytest.raises(StateError, match="already used for a different request"):
        store.write(
            scope, lambda u: runs.start_run(u, runs.StartRun("ci", "2", idempotency_key="k"), CI)
        )


def test_events_since_time_and_bad_cursor(state_url: str, tenant: str) -> None:
    ship = Shipspec(state_url, tenant)
    ship.json("runs", "start", "--pipeline", "payments-api-ci", "--number", "1")
    assert len(ship.json("events", "list", "--since", "2000-01-01T00:00:00Z")) == 1
    assert ship.json("events", "list", "--since", "2999-01-01T00:00:00+00:00") == []
    assert "neither" in ship.fails("events", "list", "--since", "yesterday", code=2)
