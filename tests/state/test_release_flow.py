"""A release walks the path dev -> test -> staging -> prod; status shows it."""

from __future__ import annotations

from compiler.cli.state import render
from compiler.state import ProjectPolicy, Scope, Store
from compiler.state.services.events import list_events
from compiler.state.services.status import release_status

from .helpers import ALICE, BOB, approve, planned, promote, promote_through


def test_full_walk_to_prod(store: Store, scope: Scope, policy: ProjectPolicy) -> None:
    plan = planned(store, scope, policy)
    promote_through(store, scope, policy, plan["id"], until="prod")
    with store.read(scope) as uow:
        view = release_status(uow, policy, "payments-api")
    environments = view["modules"][0]["environments"]
    assert [(e["environment"], e["live"]) for e in environments] == [
        ("dev", "1.0.0"),
        ("test", "1.0.0"),
        ("staging", "1.0.0"),
        ("prod", "1.0.0"),
    ]


def test_status_says_who_is_awaited(store: Store, scope: Scope, policy: ProjectPolicy) -> None:
    plan = planned(store, scope, policy)
    promote_through(store, scope, policy, plan["id"], until="staging")
    approve(store, scope, policy, "payments-api@1.0.0", "prod", ALICE)
    with store.read(scope) as uow:
        prod = release_status(uow, policy)["modules"][1]["environments"][3]
    assert prod["live"] is None and prod["runsNothing"] is True
    assert prod["waiting"][0]["waitingFor"] == "1 approval(s) from anyone but rita@contoso.com"
    assert prod["waiting"][0]["approvedBy"] == ["alice@contoso.com"]
    approve(store, scope, policy, "payments-api@1.0.0", "prod", BOB)
    promote(store, scope, policy, plan["id"], "prod")


def test_events_record_every_step_once(store: Store, scope: Scope, policy: ProjectPolicy) -> None:
    plan = planned(store, scope, policy)
    promote(store, scope, policy, plan["id"], "dev")
    promote(store, scope, policy, plan["id"], "dev")  # a repeat: same record, no event
    with store.read(scope) as uow:
        types = [event["type"] for event in list_events(uow)]
    assert types.count("PromotionSucceeded") == 1
    assert types[:2] == ["RunStarted", "RunProgressed"]


def test_status_says_an_environment_never_promoted_to_runs_nothing(
    store: Store, scope: Scope, policy: ProjectPolicy
) -> None:
    """Before a module's first promotion there the manifests hold no workload: it runs nothing."""
    plan = planned(store, scope, policy)
    promote_through(store, scope, policy, plan["id"], until="dev")
    with store.read(scope) as uow:
        view = release_status(uow, policy, "payments-api")
    cells = {e["environment"]: e for e in view["modules"][0]["environments"]}
    assert cells["dev"]["runsNothing"] is False and cells["prod"]["runsNothing"] is True
    rows = {line.split()[0]: line for line in render.release_status(view).splitlines()[3:]}
    assert "runs nothing" in rows["prod"] and "runs nothing" not in rows["dev"]
