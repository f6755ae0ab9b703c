"""Done-means 3: real processes racing on the same approval, promotion and stack lock
end with one clear winner and the invariants intact, on both back ends."""

from __future__ import annotations

import multiprocessing
from typing import Any

from sqlalchemy import select

from compiler.state import Scope, Store
from compiler.state.models import (
    EnvironmentPromotion,
    InfrastructurePlan,
    ReleaseApproval,
    StackLock,
)
from compiler.state.services import infra

from .helpers import CI, planned
from .racers import policy_for, race

CONTEXT = multiprocessing.get_context("spawn")


def run_race(url: str, tenant: str, contenders: list[tuple[str, str]]) -> list[tuple[Any, ...]]:
    barrier = CONTEXT.Barrier(len(contenders))
    results = CONTEXT.Queue()
    processes = [
        CONTEXT.Process(target=race, args=(kind, url, tenant, arg, barrier, results))
        for kind, arg in contenders
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return sorted(outcomes)


def test_approve_and_reject_race_one_decision(state_url: str, store: Store, scope: Scope) -> None:
    policy = policy_for(scope.tenant)
    plan = planned(store, scope, policy)
    outcomes = run_race(
        state_url, scope.tenant, [("approved", plan["id"]), ("rejected", plan["id"])]
    )
    assert [o[0] for o in outcomes] == ["error", "ok"]
    assert "decision is immutable" in outcomes[0][1]
    with store.read(scope) as uow:
        decisions = uow.scalars(select(ReleaseApproval))
    assert len(decisions) == 1 and decisions[0].id == outcomes[1][1]


def test_two_releases_race_into_one_environment(state_url: str, store: Store, scope: Scope) -> None:
    policy = policy_for(scope.tenant)
    first, second = planned(store, scope, policy, "1.0.0"), planned(store, scope, policy, "1.1.0")
    outcomes = run_race(
        state_url, scope.tenant, [("promote", first["id"]), ("promote", second["id"])]
    )
    assert [o[0] for o in outcomes] == ["error", "ok"]
    assert "in progress" in outcomes[0][1] or "go back" in outcomes[0][1]
    with store.read(scope) as uow:
        running = uow.scalars(select(EnvironmentPromotion))
    assert [p.id for p in running] == [outcomes[1][1]]


def test_same_promotion_from_three_processes_is_one_record(
    state_url: str, store: Store, scope: Scope
) -> None:
    policy = policy_for(scope.tenant)
    plan = planned(store, scope, policy)
    outcomes = run_race(state_url, scope.tenant, [("promote", plan["id"])] * 3)
    assert {o[0] for o in outcomes} == {"ok"}
    assert len({o[1] for o in outcomes}) == 1
    assert sorted(o[2] for o in outcomes) == [False, True, True]  # one write, two replays


def test_two_applies_race_for_one_stack_lock(state_url: str, store: Store, scope: Scope) -> None:
    store.write(
        scope, lambda u: infra.record_preview(u, infra.RecordPreview("prod", "sha-1", True), CI)
    )
    outcomes = run_race(state_url, scope.tenant, [("apply", "a"), ("apply", "b")])
    assert [o[0] for o in outcomes] == ["error", "ok"]
    assert "one apply at a time" in outcomes[0][1]
    with store.read(scope) as uow:
        locks = uow.scalars(select(StackLock))
        applies = uow.scalars(
            select(InfrastructurePlan).where(InfrastructurePlan.operation == "apply")
        )
    assert [lock.operation_id for lock in locks] == [outcomes[1][1]] == [a.id for a in applies]
