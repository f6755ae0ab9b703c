"""`shipspec serve` over real HTTP: the documented sample payloads of every event type,
replayed, reordered and duplicated, with bad credentials, oversized and malformed
bodies, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from compiler.state import Scope
from compiler.state.models import (
    GitOpsSyncState,
    ObservedApproval,
    ObservedDeployment,
    ObservedHealth,
    PipelineRun,
    PullRequest,
    StageRun,
    TrackingDelivery,
)
from compiler.state.services import source

from .conftest import FIXTURES, FLUX_KEY, Served, fixture
from .ledger import PAYMENTS, all_runs, count, event_types, rows, stage_event

AZURE_SAMPLES = sorted(p.name for p in (FIXTURES / "azure-devops").glob("*.json"))


def test_health_readiness_and_openapi(served: Served) -> None:
    assert served.http.get(served.url + "/healthz").json() == {"status": "ok"}
    ready = served.http.get(served.url + "/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["receivers"] == {"azure-devops": True, "argocd": True, "flux": True}
    spec = served.http.get(served.url + "/openapi.json").json()
    assert {"/hooks/azure-devops", "/hooks/argocd", "/hooks/flux", "/healthz", "/readyz"} <= set(
        spec["paths"]
    )
    body = spec["paths"]["/hooks/azure-devops"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    assert "eventType" in body["schema"]["properties"]


@pytest.mark.parametrize("sample", AZURE_SAMPLES)
def test_each_documented_azure_devops_event_is_recorded_once(served: Served, sample: str) -> None:
    if sample.startswith("pullrequest"):
        _published_repository(served)
    document = fixture(f"azure-devops/{sample}")
    first = served.azure(document)
    assert first.status_code == 200, first.text
    assert first.json() == {"status": "recorded", "eventId": document["id"]}
    again = served.azure(document)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert count(served.store, TrackingDelivery) == 1


def test_a_run_first_seen_finished_goes_through_its_states_in_order(served: Served) -> None:
    assert served.azure(fixture("azure-devops/build-complete.json")).status_code == 200
    [run] = all_runs(served.store)
    assert run["status"] == "Succeeded" and run["runNumber"] == "20261201.1"
    assert run["requestedBy"] == "dana@contoso.com"
    assert [t for t in event_types(served.store) if t.startswith("Run")] == [
        "RunStarted",
        "RunProgressed",
        "RunFinished",
    ]


def test_late_and_reordered_events_never_move_a_run_backwards(served: Served) -> None:
    base = fixture("azure-devops/stage-state-changed.json")
    sent = [
        stage_event(base, "e-build-done", "build", "completed", "succeeded"),
        stage_event(base, "e-build-running", "build", "inProgress", None),
        fixture("azure-devops/build-complete.json"),
        fixture("azure-devops/run-state-changed.json"),  # inProgress, arrives last
        stage_event(base, "e-image-running", "image", "inProgress", None),
    ]
    for document in sent:
        assert served.azure(document).status_code == 200
    [run] = all_runs(served.store)
    assert run["status"] == "Succeeded"
    assert [(s["name"], s["status"]) for s in run["stages"]] == [("build", "Succeeded")]
    assert count(served.store, PipelineRun) == 1 and count(served.store, StageRun) == 1


def test_stages_and_approvals_and_pushes_and_sync(served: Served) -> None:
    base = fixture("azure-devops/stage-state-changed.json")
    for stage in ("build", "image", "deploy_dev"):
        assert (
            served.azure(
                stage_event(base, f"e-{stage}", stage, "completed", "succeeded")
            ).status_code
            == 200
        )
    for name in ("approval-pending", "approval-completed", "git-push"):
        assert served.azure(fixture(f"azure-devops/{name}.json")).status_code == 200
    assert served.argocd(fixture("argocd/app-synced.json")).status_code == 200
    [run] = all_runs(served.store)
    assert [(s["name"], s["status"]) for s in run["stages"]] == [
        ("build", "Succeeded"),
        ("deploy_dev", "Succeeded"),
        ("image", "Succeeded"),
    ]
    [approval] = rows(served.store, ObservedApproval)
    assert (approval.environment, approval.status) == ("staging", "approved")
    assert approval.steps[0]["approver"] == "erin@contoso.com"
    [deployment] = rows(served.store, ObservedDeployment)
    assert (deployment.module, deployment.environment, deployment.build_id) == (
        "payments-api",
        "dev",
        4711,
    )
    [health] = rows(served.store, ObservedHealth)
    assert health.healthy and health.revision == deployment.commit_sha
    [state] = rows(served.store, GitOpsSyncState)
    assert (state.application, state.environment, state.status) == (
        "contoso-payments-dev-payments-api",
        "dev",
        "Synced",
    )


def test_a_late_pending_approval_does_not_reopen_a_decided_one(served: Served) -> None:
    served.azure(fixture("azure-devops/approval-completed.json"))
    late = fixture("azure-devops/approval-pending.json")
    assert served.azure(late).json()["status"] == "recorded"
    [approval] = rows(served.store, ObservedApproval)
    assert approval.status == "approved"


def test_pull_requests_open_and_merge(served: Served) -> None:
    _published_repository(served)
    served.azure(fixture("azure-devops/pullrequest-created.json"))
    served.azure(fixture("azure-devops/pullrequest-merged.json"))
    served.azure(fixture("azure-devops/pullrequest-created.json") | {"id": "late-created"})
    [pr] = rows(served.store, PullRequest)
    assert (pr.status, pr.external_id, pr.source_branch) == ("completed", "1", "shipspec/payments")


def test_flux_generic_hmac_signature(served: Served) -> None:
    body = json.dumps(fixture("flux/kustomization-succeeded.json")).encode()
    good = hmac.new(FLUX_KEY.encode(), body, hashlib.sha256).hexdigest()
    assert (
        served.post("/hooks/flux", body, **{"X-Signature": f"sha256={good}"}).json()["status"]
        == "recorded"
    )
    assert (
        served.post("/hooks/flux", body, **{"X-Signature": f"sha256={good}"}).json()["status"]
        == "duplicate"
    )
    bad = served.post("/hooks/flux", body, **{"X-Signature": "sha256=" + "0" * 64})
    assert bad.status_code == 401 and "does not match" in bad.json()["error"]
    assert served.post("/hooks/flux", body).status_code == 401
    orders = Scope("northwind", "orders")
    states = rows(served.store, GitOpsSyncState, orders)  # one Kustomization per environment
    assert sorted((s.application, s.environment, s.status) for s in states) == [
        ("northwind-orders-dev", "dev", "Synced"),
    ]
    assert {s.applied_commit for s in states} == {"d00d" * 10}
    assert count(served.store, TrackingDelivery, orders) == 1


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/hooks/azure-devops", {}),
        ("/hooks/azure-devops", {"X-Shipspec-Secret": "wrong"}),
        ("/hooks/azure-devops", {"Authorization": "Basic bm9ib2R5Om5vdGhpbmc="}),
        ("/hooks/argocd", {}),
        ("/hooks/argocd", {"Authorization": "Bearer wrong"}),
    ],
)
def test_unauthenticated_deliveries_are_refused_and_record_nothing(
    served: Served, path: str, headers: dict[str, str]
) -> None:
    document = fixture(
        "argocd/app-synced.json" if "argocd" in path else "azure-devops/build-complete.json"
    )
    answer = served.post(path, document, **headers)
    assert answer.status_code == 401 and answer.json()["error"]
    assert count(served.store, TrackingDelivery) == 0 and count(served.store, PipelineRun) == 0


def test_bad_bodies_get_a_clear_4xx_and_record_nothing(served: Served) -> None:
    secret = {"X-Shipspec-Secret": "ado-shared-secret-for-tests"}
    oversized = served.post(
        "/hooks/azure-devops", b"{" + b" " * (1024 * 1024 + 10) + b"}", **secret
    )
    assert oversized.status_code == 413
    assert served.post("/hooks/azure-devops", b'{"id": ', **secret).status_code == 400
    assert served.post("/hooks/azure-devops", b"[1, 2]", **secret).status_code == 422
    wrong_type = served.http.post(served.url + "/hooks/azure-devops", data=b"id=1", headers=secret)
    assert wrong_type.status_code == 415
    broken = copy.deepcopy(fixture("azure-devops/build-complete.json"))
    broken["resource"]["id"] = "not-a-number"
    del broken["resource"]["definition"]
    shape = served.azure(broken)
    assert shape.status_code == 422
    assert {p["location"] for p in shape.json()["problems"]} == {"id", "definition"}
    assert count(served.store, TrackingDelivery) == 0


def test_unknown_pipelines_and_untracked_events_are_accepted_and_ignored(served: Served) -> None:
    unknown = copy.deepcopy(fixture("azure-devops/build-complete.json"))
    unknown["resource"]["definition"]["name"] = "someone-elses-ci"
    answer = served.azure(unknown)
    assert answer.status_code == 202 and "no compiled spec declares" in answer.json()["reason"]
    other = fixture("azure-devops/build-complete.json") | {
        "eventType": "workitem.created",
        "id": "w1",
    }
    assert served.azure(other).status_code == 202
    foreign = copy.deepcopy(fixture("azure-devops/git-push.json"))
    foreign["resource"]["repository"]["project"]["name"] = "Elsewhere"
    assert served.azure(foreign).status_code == 202
    app = fixture("argocd/app-synced.json") | {"application": "not-ours"}
    assert served.argocd(app).status_code == 202
    assert count(served.store, TrackingDelivery) == 0 and count(served.store, PipelineRun) == 0


def test_two_clients_posting_the_same_events_at_once_record_each_once(served: Served) -> None:
    base = fixture("azure-devops/stage-state-changed.json")
    documents = [fixture("azure-devops/run-state-changed.json")]
    documents += [
        stage_event(base, f"e-{s}", s, "completed", "succeeded") for s in ("build", "image")
    ]
    documents.append(fixture("azure-devops/git-push.json"))

    def client(_: int) -> list[int]:
        with requests.Session() as http:
            secret = {
                "X-Shipspec-Secret": "ado-shared-secret-for-tests",
                "Content-Type": "application/json",
            }
            return [
                http.post(
                    served.url + "/hooks/azure-devops",
                    data=json.dumps(d),
                    headers=secret,
                    timeout=60,
                ).status_code
                for d in documents
            ]

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = [s for result in pool.map(client, range(4)) for s in result]
    assert set(statuses) == {200}
    assert count(served.store, TrackingDelivery) == len(documents)
    assert count(served.store, PipelineRun) == 1 and count(served.store, StageRun) == 2
    assert count(served.store, ObservedDeployment) == 1
    assert event_types(served.store).count("RunStarted") == 1


def _published_repository(served: Served) -> None:
    command = source.RecordRepository(
        name="payments-api", default_branch="main", provider="azure-devops"
    )
    served.store.write(PAYMENTS, lambda uow: source.record_repository(uow, command))
