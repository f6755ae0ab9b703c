"""The walk: publish the example estate, a pipeline run of payments-api happens (in the
local Azure DevOps, with the deploy stages' real commits in the published GitOps
repository), its webhooks reach `shipspec serve` and `shipspec track` polls — and
`shipspec release status` shows the new version live in dev and test and waiting for
the Release Managers in staging, from observed data only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import requests
from click.testing import CliRunner

from compiler.cli.state.release import release_status
from compiler.gitops_image import set_image
from compiler.publish import PublishOptions, RetryPolicy, run
from compiler.state.models import EnvironmentPromotion, ReleasePlan
from compiler.web.access import Access
from compiler.web.estate import load_estate
from compiler.web.routes import web_router
from tests.conftest import ROOT, SPECS
from tests.serve.conftest import Served, fixture, run_server, serve_config
from tests.serve.ledger import rows, stage_event
from tests.track.ado_fake import FakeAzureDevOpsBuilds
from tests.track.argocd_fake import CHART_REVISION, FakeArgoCd
from tests.track.conftest import ADO_TOKEN, ARGO_API_TOKEN
from tests.track.scenario import DIGEST, OK, VERSION, payments_build, poll, promotion_message


def _publish(tmp_path: Path, state_url: str) -> Path:
    generated = tmp_path / "generated"
    shutil.copytree(ROOT / "generated", generated)
    options = PublishOptions(
        paths=(generated,),
        only=("contoso/payments",),
        provider="local",
        cache_dir=tmp_path / "cache",
        remotes_dir=tmp_path / "remotes",
        state_url=state_url,
    )
    result = run(options, retry=RetryPolicy(attempts=2, base=0.01, cap=0.02, sleep=lambda _: None))
    assert result.exit_code == 0
    [bare] = [p for p in (tmp_path / "remotes").rglob("payments-gitops*") if p.is_dir()]
    return bare


def _deploy(bare: Path, work: Path, environment: str) -> str:
    """What the deploy stage does: pin the digest in the GitOps repository and push."""
    if not work.exists():
        git.Repo.clone_from(str(bare), str(work), branch="shipspec/payments")
    repo = git.Repo(str(work))
    set_image(work, environment, "payments-api", DIGEST)
    repo.git.add(all=True)
    repo.git.commit(
        "-m",
        promotion_message("payments-api", environment).strip(),
        "--author",
        "Azure Pipelines <azure-pipelines@shipspec.invalid>",
    )
    repo.git.push("origin", "HEAD:refs/heads/main")
    return repo.head.commit.hexsha


def _push_event(sha: str, environment: str) -> dict[str, object]:
    document = fixture("azure-devops/git-push.json")
    document["id"] = f"push-{sha[:12]}"
    document["resource"]["commits"] = [
        {"commitId": sha, "comment": promotion_message("payments-api", environment)}
    ]
    return document


def _argo_event(environment: str, sha: str) -> dict[str, object]:
    name = f"contoso-payments-{environment}-payments-api"
    return {
        "id": f"{name}:{sha}:Healthy",
        "application": name,
        "syncStatus": "Synced",
        "healthStatus": "Healthy",
        "revisions": [CHART_REVISION, sha],
        "appliedRevisions": [CHART_REVISION, sha],
    }


def test_walk_publish_run_webhooks_poll_release_status(
    tmp_path: Path, store_url: str, served: Served, ado: FakeAzureDevOpsBuilds, argocd: FakeArgoCd
) -> None:
    bare = _publish(tmp_path, store_url)
    build = payments_build(ado)
    base = fixture("azure-devops/stage-state-changed.json")
    assert served.azure(fixture("azure-devops/run-state-changed.json")).status_code == 200
    for stage in ("build", "image"):
        assert served.azure(stage_event(base, f"stage-{stage}", stage, *OK)).status_code == 200
    for environment in ("dev", "test"):
        sha = _deploy(bare, tmp_path / "gitops", environment)
        ado.commits.setdefault("payments-gitops", []).append(
            (sha, promotion_message("payments-api", environment))
        )
        argocd.set(f"contoso-payments-{environment}-payments-api", sha)
        assert (
            served.azure(
                stage_event(base, f"stage-deploy-{environment}", f"deploy_{environment}", *OK)
            ).status_code
            == 200
        )
        assert served.azure(_push_event(sha, environment)).json()["status"] == "recorded"
        assert served.argocd(_argo_event(environment, sha)).json()["status"] == "recorded"
    assert served.azure(fixture("azure-devops/approval-pending.json")).status_code == 200
    poll(store_url, ado, argocd, ARGO_API_TOKEN, ADO_TOKEN)
    assert build.approvals["deploy_staging"]["status"] == "pending"

    answer = CliRunner().invoke(
        release_status,
        [
            "--tenant",
            "contoso",
            "--project",
            "payments",
            "--specs",
            str(SPECS),
            "--state-url",
            store_url,
            "--format",
            "json",
        ],
    )
    assert answer.exit_code == 0, answer.output
    view = json.loads(answer.output)
    module = next(m for m in view["modules"] if m["module"] == "payments-api")
    cells = {e["environment"]: e for e in module["environments"]}
    assert cells["dev"]["live"] == VERSION and cells["test"]["live"] == VERSION
    assert cells["staging"]["live"] is None
    [waiting] = cells["staging"]["waiting"]
    assert waiting["version"] == VERSION and waiting["missing"] == 1
    assert "[Payments]\\Release Managers" in waiting["waitingFor"]
    text = CliRunner().invoke(
        release_status,
        [
            "--tenant",
            "contoso",
            "--project",
            "payments",
            "--specs",
            str(SPECS),
            "--state-url",
            store_url,
        ],
    )
    assert VERSION in text.output and "Release Managers" in text.output

    [plan] = rows(served.store, ReleasePlan)
    assert plan.planner_source == "observed:requestedFor"
    assert {p.requested_by_source for p in rows(served.store, EnvironmentPromotion)} == {
        "observed:gitops-push"
    }


def test_walk_ledger_on_the_release_page_is_tenant_scoped(
    tmp_path: Path, store_url: str, served: Served, ado: FakeAzureDevOpsBuilds, argocd: FakeArgoCd
) -> None:
    """The release page mounted in `serve` shows the walk's observed ledger, per tenant."""
    payments_build(ado)
    for environment, sha in (("dev", "e" * 40), ("test", "f" * 40)):
        ado.commits.setdefault("payments-gitops", []).append(
            (sha, promotion_message("payments-api", environment))
        )
        argocd.set(f"contoso-payments-{environment}-payments-api", sha)
    poll(store_url, ado, argocd, ARGO_API_TOKEN, ADO_TOKEN)
    tokens = [{"viewer": "contoso-ops", "token": "t-contoso-0123456789", "tenants": ["contoso"]},
              {"viewer": "northwind-ops", "token": "t-northwind-0123456789", "tenants": ["northwind"]}]  # fmt: skip
    page = web_router(
        served.store,
        load_estate(SPECS),
        Access.from_environment({"SHIPSPEC_WEB_TOKENS": json.dumps(tokens)}),
    )
    for url in run_server(serve_config(store_url), served.store, page):
        board = requests.get(
            f"{url}/api/board/contoso/payments",
            headers={"Authorization": "Bearer t-contoso-0123456789"},
            timeout=10,
        )
        assert board.status_code == 200
        row = next(r for r in board.json()["rows"] if r["module"] == "payments-api")
        cells = {c["environment"]: c for c in row["cells"]}
        assert cells["dev"]["version"] == VERSION and cells["dev"]["digest"] == DIGEST
        assert cells["dev"]["sync"] == "Synced"
        [waiting] = cells["staging"]["waiting"]
        assert waiting["version"] == VERSION and waiting["awaited"] == [
            "[Payments]\\Release Managers"
        ]
        other = requests.get(
            f"{url}/api/board/contoso/payments",
            headers={"Authorization": "Bearer t-northwind-0123456789"},
            timeout=10,
        )
        assert other.status_code == 404
        assert requests.get(f"{url}/api/board/contoso/payments", timeout=10).status_code == 401
        hooks = requests.get(f"{url}/readyz", timeout=10)
        assert hooks.status_code == 200
