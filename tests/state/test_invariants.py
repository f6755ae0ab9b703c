"""Done-means 2: every invariant, tried and refused with a clear error, on both back ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from compiler.errors import StateError
from compiler.state import EnvironmentPolicy, ProjectPolicy, Scope, Store
from compiler.state.models import PipelineRun, ReleaseApproval, StackLock
from compiler.state.models.base import utcnow
from compiler.state.reports import TestSummary
from compiler.state.services import artifacts, builds, infra, promotion, release, runs, sync

from .helpers import (
    ALICE,
    BOB,
    CI,
    PLANNER,
    approve,
    digest,
    planned,
    promote,
    promote_through,
    record_image,
    successful_run,
)


def start(store: Store, scope: Scope, number: str = "1") -> str:
    outcome = store.write(scope, lambda u: runs.start_run(u, runs.StartRun("ci", number), CI))
    return str(outcome.record["id"])


def move(store: Store, scope: Scope, run_id: str, status: str) -> dict:
    return store.write(scope, lambda u: runs.update_run(u, runs.UpdateRun(run_id, status))).record


# -- runs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "refused"),
    [([], "Succeeded"), (["InProgress", "Failed"], "Succeeded"), (["InProgress"], "Started")],
)
def test_run_status_moves_only_forward(
    store: Store, scope: Scope, path: list[str], refused: str
) -> None:
    run_id = start(store, scope)
    for status in path:
        move(store, scope, run_id, status)
    with pytest.raises(StateError, match="cannot move from"):
        move(store, scope, run_id, refused)


def test_finished_at_only_in_terminal_state(store: Store, scope: Scope) -> None:
    run_id = start(store, scope)
    assert move(store, scope, run_id, "InProgress")["finishedAt"] is None
    assert move(store, scope, run_id, "Canceled")["finishedAt"] is not None
    other = start(store, scope, "2")

    def sneak(u: object) -> None:  # bypass the domain: the CHECK constraint still holds
        u.session.execute(
            update(PipelineRun).where(PipelineRun.id == other).values(finished_at=utcnow())
        )  # type: ignore[attr-defined]

    with pytest.raises(StateError, match="finishedAt is set only in a terminal state"):
        store.write(scope, sneak)


def test_one_build_result_per_run(store: Store, scope: Scope) -> None:
    run_id = successful_run(store, scope)
    command = builds.IngestBuild(run_id, TestSummary(total=1, passed=1))
    with pytest.raises(StateError, match="already has a build result"):
        store.write(scope, lambda u: builds.ingest_build(u, command))


# -- release plans and approvals --------------------------------------------------------------


def test_release_needs_a_successful_build(
    store: Store, scope: Scope, policy: ProjectPolicy
) -> None:
    run_id = start(store, scope)
    failing = TestSummary(total=2, passed=1, failed=1)
    store.write(scope, lambda u: builds.ingest_build(u, builds.IngestBuild(run_id, failing)))
    command = release.PlanRelease("payments-api", "1.0.0", run_id)
    with pytest.raises(StateError, match=r"needs a successful build.*is Started"):
        store.write(scope, lambda u: release.plan_release(u, command, policy, PLANNER))
    move(store, scope, run_id, "InProgress")
    move(store, scope, run_id, "Succeeded")
    with pytest.raises(StateError, match="1 tests failed"):
        store.write(scope, lambda u: release.plan_release(u, command, policy, PLANNER))


def test_version_unique_per_module(store: Store, scope: Scope, policy: ProjectPolicy) -> None:
    planned(store, scope, policy, "1.0.0")
    run_id = successful_run(store, scope, number="other")
    command = release.PlanRelease("payments-api", "1.0.0", run_id)
    with pytest.raises(StateError, match="already planned"):
        store.write(scope, lambda u: release.plan_release(u, command, policy, PLANNER))


def test_approver_differs_from_planner(store: Store, scope: Scope, policy: ProjectPolicy) -> None:
    plan = planned(store, scope, policy)
    with pytest.raises(StateError, match=r"segregation of duties|may not approve"):
        approve(store, scope, policy, plan["id"], "staging", PLANNER)

    def sneak(u: object) -> None:
        u.add(
            ReleaseApproval(
                release_plan_id=plan["id"],
                environment="staging",
                approver=PLANNER.name,  # type: ignore[attr-defined]
                approver_source="x",
                recorded_by="y",
                planner=PLANNER.name,
                decision="approved",
                required_approvals=1,
            )
        )

    with pytest.raises(StateError, match="may not approve their own"):
        store.write(scope, sneak)


def test_override_cannot_launder_the_planner(
    store: Store, scope: Scope, policy: ProjectPolicy
) -> None:
    plan = planned(store, scope, policy)
    disguised = ALICE.__class__(name="mallory@contoso.com", source="override", real=PLANNER.name)
    with pytest.raises(StateError, match="may not approve"):
        approve(store, scope, policy, plan["id"], "staging", disguised)


def test_decision_is_immutable(store: Store, scope: Scope, policy: ProjectPolicy) -> None:
    plan = planned(store, scope, policy)
    approve(store, scope, policy, plan["id"], "staging", ALICE)
    with pytest.raises(StateError, match="decision is immutable"):
        approve(store, scope, policy, plan["id"], "staging", ALICE, "rejected")


def test_policy_is_evaluated_before_deciding(
    store: Store, scope: Scope, policy: ProjectPolicy
) -> None:
    plan = planned(store, scope, policy)
    with pytest.raises(StateError, match="requires no approvals"):
        approve(store, scope, policy, plan["id"], "dev", ALICE)
    with pytest.raises(StateError, match="not on the path"):
        approve(store, scope, policy, plan["id"], "qa", ALICE)
    strict = ProjectPolicy(
        policy.tenant,
        policy.project,
        (EnvironmentPolicy("staging", 1, eligible=("bob@contoso.com",)),),
    )
    with pytest.raises(StateError, match="may not decide"):
        approve(store, scope, strict, plan["id"], "staging", ALICE)


def test_required_approvals_come_from_the_policy(
    store: Store, scope: Scope, policy: ProjectPolicy
) -> None:
    plan = planned(store, scope, policy)
    promote_through(store, scope, policy, plan["id"], until="staging")
    approve(store, scope, policy, plan["id"], "prod", ALICE)
    with pytest.raises(StateError, match=r"needs 2 approval.*1 missing"):
        promote(store, scope, policy, plan["id"], "prod")
    approve(store, scope, policy, plan["id"], "prod", BOB)
    assert promote(store, scope, policy, plan["id"], "prod").record["status"] == "Succeeded"


# -- promotions -------------------------------------------------------------------------------


def test_promotion_cannot_skip(store: Store, scope: Scope, policy: ProjectPolicy) -> None:
    plan = planned(store, scope, policy)
    promote(store, scope, policy, plan["id"], "dev")
    with pytest.raises(StateError, match="has not been promoted to test"):
        approve(store, scope, policy, plan["id"], "staging", ALICE)
        promote(store, scope, policy, plan["id"], "staging")


def test_rejection_blocks_promotion(store: Store, scope: Scope, policy: ProjectPolicy) -> None:
    plan = planned(store, scope, policy)
    promote_through(store, scope, policy, plan["id"], until="test")
    approve(store, scope, policy, plan["id"], "staging", BOB, "rejected")
    approve(store, scope, policy, plan["id"], "staging", ALICE)
    with pytest.raises(StateError, match="rejected for staging by bob"):
        promote(store, scope, policy, plan["id"], "staging")


def test_no_going_back_except_rollback(store: Store, scope: Scope, policy: ProjectPolicy) -> None:
    old = planned(store, scope, policy, "1.0.0")
    new = planned(store, scope, policy, "1.1.0")
    promote(store, scope, policy, new["id"], "dev")
    with pytest.raises(StateError, match=r"1.1.0 is live in dev.*go back"):
        promote(store, scope, policy, old["id"], "dev")
    never = promotion.Rollback("payments-api", "dev", "1.0.0", (("smoke", True, ""),))
    with pytest.raises(StateError, match="never live in dev"):
        store.write(scope, lambda u: promotion.rollback(u, never, policy, CI))


def test_rollback_to_a_version_that_was_live(
    store: Store, scope: Scope, policy: ProjectPolicy
) -> None:
    old = planned(store, scope, policy, "1.0.0")
    new = planned(store, scope, policy, "1.1.0")
    promote(store, scope, policy, old["id"], "dev")
    promote(store, scope, policy, new["id"], "dev")
    command = promotion.Rollback("payments-api", "dev", "1.0.0", (("smoke", True, ""),))
    done = store.write(scope, lambda u: promotion.rollback(u, command, policy, CI)).record
    assert (done["kind"], done["status"], done["previousVersion"]) == (
        "rollback",
        "Succeeded",
        "1.1.0",
    )
    again = promotion.Rollback("payments-api", "dev", "1.0.0", (("smoke", True, "again"),), "k2")
    with pytest.raises(StateError, match="already live"):
        store.write(scope, lambda u: promotion.rollback(u, again, policy, CI))


def test_promotion_completes_only_after_gates_pass(
    store: Store, scope: Scope, policy: ProjectPolicy
) -> None:
    plan = planned(store, scope, policy)
    waiting = promote(store, scope, policy, plan["id"], "dev", gates=()).record
    assert waiting["status"] == "InProgress" and waiting["completedAt"] is None
    other = planned(store, scope, policy, "2.0.0")
    with pytest.raises(StateError, match="in progress"):
        promote(store, scope, policy, other["id"], "dev")
    failed = promote(
        store, scope, policy, plan["id"], "dev", gates=(("smoke", False, "503"),)
    ).record
    assert failed["status"] == "Failed"
    with pytest.raises(StateError, match="has not been promoted to dev"):
        promote(store, scope, policy, plan["id"], "test")
    retried = promote(store, scope, policy, plan["id"], "dev", gates=(("smoke", True, ""),)).record
    assert retried["status"] == "Succeeded" and retried["id"] != failed["id"]


def test_required_gates_from_policy(store: Store, scope: Scope, tenant: str) -> None:
    strict = ProjectPolicy(
        tenant, "payments", (EnvironmentPolicy("dev", health_gates=("smoke", "slo")),)
    )
    plan = planned(store, scope, strict)
    half = promote(store, scope, strict, plan["id"], "dev", gates=(("smoke", True, ""),)).record
    assert half["status"] == "InProgress"
    full = promote(store, scope, strict, plan["id"], "dev", gates=(("slo", True, ""),)).record
    assert full["status"] == "Succeeded" and [g["name"] for g in full["gates"]] == ["slo", "smoke"]


# -- packages and images ----------------------------------------------------------------------


def test_package_unique_and_immutable(store: Store, scope: Scope) -> None:
    def publish(sha: str) -> dict:
        command = artifacts.RecordPackage("Payments/feed", "Contoso.Ledger", "1.0.0", sha)
        return store.write(scope, lambda u: artifacts.record_package(u, command, CI)).record

    first = publish("aa")
    assert publish("aa") == first
    with pytest.raises(StateError, match="immutable"):
        publish("bb")


def test_image_digest_unique_per_registry_and_tag_maps_to_one_digest(
    store: Store, scope: Scope
) -> None:
    record_image(store, scope, "one", ("1.0.0",))
    with pytest.raises(StateError, match="already points at"):
        record_image(store, scope, "two", ("1.0.0",))
    moved = artifacts.RecordImage("contoso.azurecr.io", "other-repo", digest("one"))
    with pytest.raises(StateError, match="unique per registry"):
        store.write(scope, lambda u: artifacts.record_image(u, moved, CI))
    with pytest.raises(StateError, match="not an image digest"):
        bad = artifacts.RecordImage("r", "x", "latest")
        store.write(scope, lambda u: artifacts.record_image(u, bad, CI))


# -- infrastructure ---------------------------------------------------------------------------


def preview(store: Store, scope: Scope, sha: str, ok: bool = True) -> None:
    store.write(scope, lambda u: infra.record_preview(u, infra.RecordPreview("prod", sha, ok), CI))


def apply(store: Store, scope: Scope, sha: str, key: str | None = None) -> dict:
    command = infra.StartApply("prod", sha, idempotency_key=key)
    return store.write(scope, lambda u: infra.start_apply(u, command, CI)).record


def test_apply_needs_a_successful_preview_of_the_same_sha(store: Store, scope: Scope) -> None:
    preview(store, scope, "sha-1")
    preview(store, scope, "sha-2", ok=False)
    with pytest.raises(StateError, match="no successful preview of program sha-2"):
        apply(store, scope, "sha-2")
    assert apply(store, scope, "sha-1")["status"] == "InProgress"


def test_one_apply_per_stack_and_crashed_lock_expires(store: Store, scope: Scope) -> None:
    preview(store, scope, "sha-1")
    first = apply(store, scope, "sha-1")
    with pytest.raises(StateError, match="one apply at a time"):
        apply(store, scope, "sha-1", key="second")

    def expire(u: object) -> None:  # the holder crashed and stopped renewing
        u.session.execute(update(StackLock).values(expires_at=utcnow() - timedelta(seconds=1)))  # type: ignore[attr-defined]

    store.write(scope, expire)
    second = apply(store, scope, "sha-1", key="second")
    with pytest.raises(StateError, match=r"not running|no longer holds"):
        store.write(scope, lambda u: infra.finish_apply(u, infra.FinishApply(first["id"], True)))
    done = store.write(
        scope, lambda u: infra.finish_apply(u, infra.FinishApply(second["id"], True))
    )
    assert done.record["status"] == "Succeeded"
    with store.read(scope) as u:
        assert u.scalars(select(StackLock)) == []


# -- GitOps sync ------------------------------------------------------------------------------


def observe(
    store: Store, scope: Scope, desired: str, applied: str | None, drift: tuple = ()
) -> dict:
    command = sync.RecordSync("payments-api", "prod", desired, applied, drift)
    return store.write(scope, lambda u: sync.record_sync(u, command)).record


def test_applied_commit_only_moves_toward_desired(store: Store, scope: Scope) -> None:
    observe(store, scope, "c1", None)
    observe(store, scope, "c2", "c1")
    with pytest.raises(StateError, match="not at or before desired"):
        observe(store, scope, "c2", "c3")
    assert observe(store, scope, "c3", "c2")["status"] == "OutOfSync"
    with pytest.raises(StateError, match="move back"):
        observe(store, scope, "c3", "c1")
    with pytest.raises(StateError, match="only moves forward"):
        observe(store, scope, "c1", "c2")
    assert observe(store, scope, "c3", "c3")["status"] == "Synced"


def test_drift_is_recorded_with_resources(store: Store, scope: Scope) -> None:
    drifted = observe(store, scope, "c1", "c1", (("Deployment", "payments", "payments-api"),))
    assert drifted["status"] == "Drifted"
    assert drifted["drift"] == [
        {"kind": "Deployment", "namespace": "payments", "name": "payments-api"}
    ]
    with store.read(scope) as u:
        assert sync.sync_status(u)[0]["drift"] == drifted["drift"]
