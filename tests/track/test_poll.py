"""`shipspec track` against a local Azure DevOps and a local Argo CD: the ledger after
a poll holds every observed fact once, and a second poll changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from compiler.state.models import (
    BuildResult,
    ContainerImage,
    EnvironmentPromotion,
    Event,
    GitOpsSyncState,
    ObservedApproval,
    ReleaseApproval,
    ReleasePlan,
)
from tests.serve.ledger import all_runs, count, event_types, rows
from tests.track.conftest import ADO_TOKEN, ARGO_API_TOKEN
from tests.track.scenario import (
    APPROVER,
    DIGEST,
    OK,
    REQUESTER,
    VERSION,
    payments_build,
    poll,
    push,
)

DEV, TEST, STAGING, PROD = ("c" * 39 + str(n) for n in range(1, 5))


def _poll(store_url, ado, argocd):  # type: ignore[no-untyped-def]
    return poll(store_url, ado, argocd, ARGO_API_TOKEN, ADO_TOKEN)


def test_a_poll_records_runs_builds_images_plans_promotions_and_sync(
    store_url, store, ado, argocd
) -> None:  # type: ignore[no-untyped-def]
    payments_build(ado)
    push(ado, argocd, "dev", DEV)
    push(ado, argocd, "test", TEST)
    result = _poll(store_url, ado, argocd)
    assert result.routes > 0
    [run] = all_runs(store)
    assert (run["status"], run["runNumber"], run["requestedBy"]) == (
        "InProgress",
        VERSION,
        REQUESTER,
    )
    assert [(s["name"], s["status"]) for s in run["stages"]] == [
        ("build", "Succeeded"), ("deploy_dev", "Succeeded"), ("deploy_test", "Succeeded"), ("image", "Succeeded"),
    ]  # fmt: skip
    [build] = rows(store, BuildResult)
    assert (build.tests_total, build.tests_passed, build.tests_skipped, build.line_rate) == (
        120,
        118,
        2,
        0.8,
    )
    [image] = rows(store, ContainerImage)
    assert (image.digest, image.registry_host, image.run_id) == (
        DIGEST,
        "contosoacr.azurecr.io",
        run["id"],
    )
    [plan] = rows(store, ReleasePlan)
    assert (plan.module, plan.version, plan.planner, plan.image_id) == (
        "payments-api",
        VERSION,
        REQUESTER,
        image.id,
    )
    promotions = sorted((p.environment, p.status) for p in rows(store, EnvironmentPromotion))
    assert promotions == [("dev", "Succeeded"), ("test", "Succeeded")]
    [approval] = rows(store, ObservedApproval)
    assert (approval.environment, approval.status) == ("staging", "pending")
    synced = sorted(
        (s.environment, s.status, s.applied_commit) for s in rows(store, GitOpsSyncState)
    )
    assert synced == [("dev", "Synced", DEV), ("test", "Synced", TEST)]


def test_a_second_poll_records_nothing_twice(store_url, store, ado, argocd) -> None:  # type: ignore[no-untyped-def]
    payments_build(ado)
    push(ado, argocd, "dev", DEV)
    _poll(store_url, ado, argocd)
    before = event_types(store)
    _poll(store_url, ado, argocd)
    assert event_types(store) == before
    assert count(store, ReleasePlan) == 1 and count(store, EnvironmentPromotion) == 1


def test_approvals_from_azure_devops_reach_the_ledger_and_self_approval_is_flagged(
    store_url, store, ado, argocd
) -> None:  # type: ignore[no-untyped-def]
    build = payments_build(ado)
    push(ado, argocd, "dev", DEV)
    push(ado, argocd, "test", TEST)
    _poll(store_url, ado, argocd)
    ado.approve(build, "deploy_staging", APPROVER, comment="release notes read")
    build.stages["deploy_staging"] = OK
    push(ado, argocd, "staging", STAGING)
    ado.wait_for_approval(
        build, "deploy_prod", ["[Payments]\\Release Managers", "[Payments]\\Security"]
    )
    ado.approve(build, "deploy_prod", REQUESTER)
    _poll(store_url, ado, argocd)
    _poll(store_url, ado, argocd)
    [decision] = rows(store, ReleaseApproval)
    assert (decision.environment, decision.approver, decision.decision) == (
        "staging",
        APPROVER,
        "approved",
    )
    assert decision.comment == "release notes read"
    assert decision.approver_source == "observed:approval"
    staging = [p for p in rows(store, EnvironmentPromotion) if p.environment == "staging"]
    assert [p.status for p in staging] == ["Succeeded"]
    prod = next(a for a in rows(store, ObservedApproval) if a.environment == "prod")
    assert prod.violations == [REQUESTER]
    assert event_types(store).count("SegregationOfDutiesViolated") == 1


def test_applied_commit_only_moves_toward_desired(store_url, store, ado, argocd) -> None:  # type: ignore[no-untyped-def]
    payments_build(ado)
    push(ado, argocd, "dev", DEV)
    _poll(store_url, ado, argocd)
    argocd.set("contoso-payments-dev-payments-api", TEST, sync="OutOfSync", health="Progressing")
    _poll(store_url, ado, argocd)
    argocd.set("contoso-payments-dev-payments-api", DEV)  # a stale answer: back to the older commit
    _poll(store_url, ado, argocd)
    with store.read(__import__("tests.serve.ledger", fromlist=["PAYMENTS"]).PAYMENTS) as uow:
        state = uow.scalar(select(GitOpsSyncState).where(GitOpsSyncState.environment == "dev"))
        assert (state.desired_commit, state.applied_commit, state.status) == (
            TEST,
            DEV,
            "OutOfSync",
        )
        assert uow.scalar(select(Event).where(Event.type == "SyncRecorded")) is not None


def test_flux_status_is_read_through_the_kubernetes_api(store_url, store, kube) -> None:  # type: ignore[no-untyped-def]
    from compiler.state import Scope
    from compiler.state.models import ObservedHealth
    from compiler.track.flux import FluxPoller
    from compiler.track.poll import TrackOptions, track
    from tests.serve.conftest import GENERATED
    from tests.track.conftest import KUBE_TOKEN

    kube.set("northwind-orders-dev", "d" * 40)
    kube.set(
        "northwind-orders-staging",
        "e" * 40,
        ready="False",
        reason="HealthCheckFailed",
        attempted="f" * 40,
    )
    track(
        TrackOptions(generated=GENERATED, state_url=store_url), [FluxPoller(kube.url, KUBE_TOKEN)]
    )
    orders = Scope("northwind", "orders")
    states = sorted(
        (s.application, s.environment, s.status, s.applied_commit)
        for s in rows(store, GitOpsSyncState, orders)
    )
    assert states == [
        ("northwind-orders-dev", "dev", "Synced", "d" * 40),
        ("northwind-orders-staging", "staging", "OutOfSync", None),
    ]
    health = {h.environment: h.health_status for h in rows(store, ObservedHealth, orders)}
    assert health == {
        "dev": "Healthy",
        "staging": "Degraded",
    }  # prod's Kustomization is absent: nothing
