"""`publish --retire`: a repository whose module left the specs is listed, then — guarded
like a mass delete — retired: its GitOps pins leave the GitOps repository (in its pull
request), its pipeline is disabled, its default branch locked, and the store remembers
it.  With the real SDK against the local Azure DevOps, and with the `local` provider."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import git
import pytest
from click.testing import Result
from pytest_httpserver import HTTPServer

from compiler.pipeline import CompileOptions, compile_specs

from .azure_fake import FakeAzureDevOps
from .conftest import BRANCH, Platform

WORKER = "contoso/payments/payments-worker"
GITOPS = "payments-gitops"


def compile_all(platform: Platform) -> None:
    """Every target (the GitOps repository holds the pins retiring removes)."""
    shutil.rmtree(platform.generated, ignore_errors=True)
    compile_specs(CompileOptions((platform.root / "specs",), platform.generated))


def drop_worker(platform: Platform) -> None:
    path = platform.root / "specs/contoso/payments.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("    - name: payments-worker")
    end = text.index("    - name:", start + 10)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    compile_all(platform)


def repositories(result: Result) -> dict[str, dict[str, Any]]:
    return {r["repository"]: r for r in json.loads(result.stdout)["repositories"]}


def worker_pins(tree: git.Tree) -> list[str]:
    return sorted(
        b.path
        for b in tree.traverse()
        if b.type == "blob" and "payments-worker" in b.path and not b.path.startswith(".")
    )


def retired_at(platform: Platform) -> Any:
    rows = {r["name"]: r for r in platform.rows()["repositories"]}
    return rows["payments-worker"]["retired_at"]


# --- local provider ------------------------------------------------------------------------------


@pytest.fixture
def local(any_platform: Platform) -> Platform:
    compile_all(any_platform)
    assert any_platform.cli().exit_code == 0
    for bare in (any_platform.remotes / "contoso/payments").iterdir():
        repo = git.Repo(bare)  # the pull requests were merged: the pins are live on main
        repo.git.update_ref("refs/heads/main", repo.commit(BRANCH).hexsha)
    drop_worker(any_platform)
    return any_platform


def test_publish_lists_and_a_dry_run_shows_what_retiring_does(local: Platform) -> None:
    listed = repositories(local.cli("--format", "json"))[WORKER]
    assert listed["status"] == "orphaned" and "--retire" in listed["actions"][0]
    gitops_head = local.bare(GITOPS).commit(BRANCH).hexsha
    dry = local.cli("--dry-run", "--retire", "--format", "json")
    assert dry.exit_code == 0, dry.output
    orphan = repositories(dry)[WORKER]
    assert orphan["status"] == "would-retire"
    assert any(a.startswith("would remove 12 GitOps file(s)") for a in orphan["actions"]), (
        dry.output
    )
    gitops = repositories(dry)[f"contoso/payments/{GITOPS}"]
    assert gitops["changes"]["totals"]["delete"] == 20, "its pull request removes all 20 from main"
    assert "would lock main" in orphan["actions"]
    assert local.bare(GITOPS).commit(BRANCH).hexsha == gitops_head
    assert not (local.remotes / "contoso/payments/payments-worker.git/hooks/pre-receive").exists()
    assert retired_at(local) is None


def test_retiring_more_than_the_share_is_refused_until_allowed(local: Platform) -> None:
    gitops_head = local.bare(GITOPS).commit(BRANCH).hexsha
    refused = local.cli("--retire", "--max-delete-share", "0.1", "--format", "json")
    assert refused.exit_code == 1
    orphan = repositories(refused)[WORKER]
    assert orphan["status"] == "refused" and "retiring 1 of the 5 repositories" in orphan["error"]
    assert "--allow-mass-delete" in orphan["hint"]
    pins = worker_pins(local.bare(GITOPS).commit(BRANCH).tree)
    assert any(p.endswith("image.yaml") for p in pins), "no pin was removed"
    assert retired_at(local) is None
    allowed = local.cli("--retire", "--max-delete-share", "0.1", "--allow-mass-delete")
    assert allowed.exit_code == 0, allowed.output
    assert local.bare(GITOPS).commit(BRANCH).hexsha != gitops_head


def test_retire_removes_the_pins_locks_the_branch_and_is_not_listed_again(
    local: Platform,
) -> None:
    result = local.cli("--retire", "--format", "json")
    assert result.exit_code == 0, result.output
    orphan = repositories(result)[WORKER]
    assert orphan["status"] == "retired"
    assert "locked main" in orphan["actions"]
    assert worker_pins(local.bare(GITOPS).commit(BRANCH).tree) == []
    assert worker_pins(local.bare(GITOPS).commit("main").tree), "main waits for the review"
    assert retired_at(local) is not None
    events = [e["type"] for e in local.rows()["events"]]
    assert events.count("RepositoryRetired") == 1
    clone = local.clone("payments-worker", branch="main")
    (Path(clone.working_dir) / "late.txt").write_text("one more change\n")
    clone.index.add(["late.txt"])
    clone.index.commit("a late change")
    with pytest.raises(git.GitCommandError, match="locked"):
        clone.git.push("origin", "main")
    refs = {repo: local.refs(repo) for repo in ("payments-api", GITOPS)}
    again = local.cli("--retire", "--format", "json")
    assert again.exit_code == 0, again.output
    assert WORKER not in repositories(again)
    assert {repo: local.refs(repo) for repo in ("payments-api", GITOPS)} == refs


# --- Azure DevOps --------------------------------------------------------------------------------


@pytest.fixture
def ado(
    platform: Platform, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FakeAzureDevOps:
    from azure.devops import _file_cache
    from azure.devops import client as sdk_client

    monkeypatch.setattr(sdk_client.Client, "_locations_cache", {})
    (tmp_path / "sdk-cache").mkdir()
    cache = _file_cache.get_cache("options", cache_dir=str(tmp_path / "sdk-cache"))
    monkeypatch.setattr(sdk_client, "OPTIONS_FILE_CACHE", cache)
    token = f"pat-{uuid.uuid4().hex}"
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", token)
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN", raising=False)
    fake = FakeAzureDevOps(httpserver, tmp_path / "ado-git", token)
    compile_all(platform)
    endpoints, approvers = set(), set()
    for declared in platform.generated.glob("contoso/*/*/.shipspec/pipeline.json"):
        document = json.loads(declared.read_text())  # what the pipelines need to exist
        endpoints |= set(document["serviceConnections"])
        endpoints |= {group["serviceConnection"] for group in document["variableGroups"]}
        for env in document["environments"]:
            approvers |= set((env["approvals"] or {}).get("approvers", []))
    for name in sorted(endpoints):
        fake.add_endpoint("contoso", "Payments", name)
    for name in sorted(approvers):
        fake.add_identity("contoso", name)
    first = publish(platform, fake)
    assert first.exit_code == 0, first.output
    drop_worker(platform)
    return fake


def publish(platform: Platform, ado: FakeAzureDevOps, *args: str) -> Result:
    url = ado.base_url  # the whole tenant: the pipelines pin its templates repository's tag
    return platform.cli(
        "--provider", "azure-devops", "--azure-devops-url", url, "--only", "contoso", *args
    )


def worker_pipeline(ado: FakeAzureDevOps) -> dict[str, Any]:
    [found] = [d for d in ado.definitions if d["name"] == "payments-worker-ci"]
    return found


def test_retire_disables_the_pipeline_and_locks_the_default_branch(
    platform: Platform, ado: FakeAzureDevOps
) -> None:
    start = len(ado.requests)
    result = publish(platform, ado, "--retire", "--format", "json")
    assert result.exit_code == 0, result.output
    orphan = repositories(result)[WORKER]
    assert orphan["status"] == "retired", orphan
    assert orphan["actions"][1:] == ["disabled pipeline payments-worker-ci", "locked main"]
    assert orphan["actions"][0].startswith(f"removes 20 GitOps file(s) on {BRANCH} of")
    writes = [(r.method, r.path, r.query) for r in ado.requests[start:] if r.method != "GET"]
    definition = worker_pipeline(ado)
    assert ("PUT", f"/Payments/_apis/build/definitions/{definition['id']}") in [
        w[:2] for w in writes
    ]
    [lock] = [w for w in writes if w[0] == "PATCH" and w[1].endswith("/refs")]
    assert "filter=heads%2Fmain" in lock[2] or "filter=heads/main" in lock[2]
    assert definition["queueStatus"] == "disabled"
    assert "refs/heads/main" in ado.repos["payments-worker"]["locked"]
    gitops = git.Repo(ado.repos[GITOPS]["path"])
    assert worker_pins(gitops.commit(BRANCH).tree) == []
    again_start = len(ado.writes())
    again = publish(platform, ado, "--retire", "--format", "json")
    assert again.exit_code == 0, again.output
    assert WORKER not in repositories(again)
    assert len(ado.writes()) == again_start, "a second run sends no write"


def test_a_retirement_that_failed_half_way_converges(
    platform: Platform, ado: FakeAzureDevOps
) -> None:
    ado.fail("PATCH", r"/refs$", 503, times=4)
    failed = publish(platform, ado, "--retire", "--format", "json")
    assert failed.exit_code == 3
    assert repositories(failed)[WORKER]["status"] == "failed"
    assert worker_pipeline(ado)["queueStatus"] == "disabled"
    assert retired_at(platform) is None
    puts = sum(1 for r in ado.requests if r.method == "PUT" and "/build/definitions/" in r.path)
    done = publish(platform, ado, "--retire", "--format", "json")
    assert done.exit_code == 0, done.output
    orphan = repositories(done)[WORKER]
    assert orphan["status"] == "retired" and orphan["actions"][-1] == "locked main"
    assert (
        sum(1 for r in ado.requests if r.method == "PUT" and "/build/definitions/" in r.path)
        == puts
    )
    assert retired_at(platform) is not None
