"""`shipspec review`: the platform pull request's one review thread, and its Markdown offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from compiler.cli import cli
from compiler.errors import ExitCode
from compiler.pipeline import CompileOptions, compile_specs
from compiler.review.markdown import MARKER
from tests.conftest import ROOT

from .ado_threads import FakeWithThreads

SPEC = "specs/contoso/payments.yaml"


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A platform repository: the examples and their generated/ committed on main."""
    root = tmp_path / "platform"
    shutil.copytree(ROOT / "specs", root / "specs")
    shutil.copytree(
        ROOT / "generated", root / "generated", ignore=shutil.ignore_patterns("verified.json")
    )
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add("-A")
    repo.git.commit(
        "-m",
        "platform",
        env={
            "GIT_AUTHOR_NAME": "a",
            "GIT_AUTHOR_EMAIL": "a@x",
            "GIT_COMMITTER_NAME": "a",
            "GIT_COMMITTER_EMAIL": "a@x",
        },
    )
    monkeypatch.chdir(root)
    for name in (
        "SYSTEM_COLLECTIONURI",
        "SYSTEM_TEAMPROJECT",
        "BUILD_REPOSITORY_ID",
        "SYSTEM_PULLREQUEST_PULLREQUESTID",
        "SYSTEM_PULLREQUEST_TARGETBRANCH",
        "AZURE_DEVOPS_EXT_PAT",
        "SYSTEM_ACCESSTOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    return root


def _change(root: Path, old: str, new: str) -> None:
    path = root / SPEC
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    compile_specs(CompileOptions((root / "specs",), root / "generated"))


def _review(*args: str) -> str:
    result = CliRunner().invoke(cli, ["review", "--base", "main", *args])
    assert result.exit_code == ExitCode.OK, result.output
    return result.output


def test_nothing_changed_says_so(platform: Path) -> None:
    out = _review("--format", "markdown")
    assert out.startswith(MARKER)
    assert "leaves every generated repository and environment as it is" in out
    assert "### Repositories" not in out


def test_a_replica_change_in_production(platform: Path) -> None:
    _change(
        platform,
        "replicas: {default: 2, dev: 1, prod: 4}",
        "replicas: {default: 2, dev: 1, prod: 6}",
    )
    out = _review("--format", "markdown")
    assert "- **contoso/payments prod** (production)\n  - payments-api: replicas 4 → 6" in out
    assert "production change: contoso/payments prod: payments-api: replicas 4 → 6" in out
    assert "contoso/payments/payments-gitops" in out
    assert "[diff](generated/contoso/payments/payments-gitops)" in out
    assert "payments/staging" not in out and "staging**" not in out


def test_strategy_approvals_and_stores(platform: Path) -> None:
    _change(
        platform,
        'approvals: {required: 2, approvers: ["[Payments]\\\\Release Managers", "[Payments]\\\\Security"]}',
        'approvals: {required: 1, approvers: ["[Payments]\\\\Release Managers", "[Payments]\\\\Security"]}',
    )
    _change(platform, "        - {name: payments-cache, kind: redis}\n", "")
    data = json.loads(_review("--format", "json"))
    prod = next(e for e in data["review"]["environments"] if e["environment"] == "prod")
    assert any(c.startswith("approvals: 2 of") and "→ 1 of" in c for c in prod["changes"])
    assert any("store payments-cache (redis) removed" in c for c in prod["changes"])
    families = {r["repository"]: r for r in data["review"]["repositories"]}
    assert {f["family"] for f in families["payments-infra"]["families"]} >= {"pulumi"}


def test_a_removed_module_leaves_an_orphaned_repository(platform: Path) -> None:
    text = (platform / SPEC).read_text(encoding="utf-8")
    start = text.index("    - name: payments-worker")
    end = text.index("    - name: ledger-client")
    (platform / SPEC).write_text(text[:start] + text[end:], encoding="utf-8")
    compile_specs(CompileOptions((platform / "specs",), platform / "generated"))
    data = json.loads(_review("--format", "json"))
    repos = {r["repository"]: r for r in data["review"]["repositories"]}
    assert repos["payments-worker"]["status"] == "orphaned"
    warnings = data["review"]["warnings"]
    assert any(
        w.startswith("orphaned repository: contoso/payments/payments-worker") for w in warnings
    )
    assert any(
        "mass delete: contoso/payments/payments-gitops" in w
        or "payments-worker: module removed" in w
        for w in warnings + [c for e in data["review"]["environments"] for c in e["changes"]]
    )


def test_output_is_deterministic(platform: Path) -> None:
    _change(
        platform,
        "replicas: {default: 2, dev: 1, prod: 4}",
        "replicas: {default: 3, dev: 1, prod: 4}",
    )
    assert _review("--format", "markdown") == _review("--format", "markdown")


def test_comment_without_a_pull_request_is_a_usage_error(platform: Path) -> None:
    result = CliRunner().invoke(cli, ["review", "--base", "main"])
    assert result.exit_code == ExitCode.USAGE
    assert "--format markdown" in result.output


def test_an_unknown_base_is_a_clear_error(platform: Path) -> None:
    result = CliRunner().invoke(cli, ["review", "--base", "no-such-branch", "--format", "markdown"])
    assert result.exit_code == ExitCode.EXTERNAL
    assert "no-such-branch" in result.output and "Traceback" not in result.output


# --- the thread on Azure DevOps --------------------------------------------------------------------


@pytest.fixture
def threads(sdk_clean: None, httpserver: HTTPServer, token: str, tmp_path: Path) -> FakeWithThreads:
    return FakeWithThreads(httpserver, tmp_path / "ado-git", token)


def _in_pipeline(monkeypatch: pytest.MonkeyPatch, fake: FakeWithThreads, token: str) -> None:
    """What Azure Pipelines sets in a pull-request build of the platform repository."""
    monkeypatch.setenv("SYSTEM_COLLECTIONURI", fake.server.url_for("/contoso/"))
    monkeypatch.setenv("SYSTEM_TEAMPROJECT", "Platform")
    monkeypatch.setenv("BUILD_REPOSITORY_ID", "platform")
    monkeypatch.setenv("SYSTEM_PULLREQUEST_PULLREQUESTID", "7")
    monkeypatch.setenv("SYSTEM_PULLREQUEST_TARGETBRANCH", "refs/heads/main")
    monkeypatch.setenv("SYSTEM_ACCESSTOKEN", token)


def test_the_pipeline_creates_one_thread_and_updates_it(
    platform: Path, threads: FakeWithThreads, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _in_pipeline(monkeypatch, threads, token)
    threads.seed("platform", 7, "Looks good to me")
    git.Repo(platform).git.update_ref("refs/remotes/origin/main", "main")
    _change(
        platform,
        "replicas: {default: 2, dev: 1, prod: 4}",
        "replicas: {default: 2, dev: 1, prod: 6}",
    )

    out = CliRunner().invoke(cli, ["review"])
    assert out.exit_code == ExitCode.OK, out.output
    assert "review thread created" in out.output
    ours = [
        t
        for t in threads.threads[("platform", 7)]
        if t["comments"][0]["content"].startswith(MARKER)
    ]
    assert len(ours) == 1
    first = ours[0]["comments"][0]["content"]
    assert "replicas 4 → 6" in first
    assert (
        "/Platform/_git/platform/pullrequest/7?_a=files&path=/generated/contoso/payments/payments-gitops"
        in first
    )

    _change(platform, "prod: 6}", "prod: 8}")
    again = CliRunner().invoke(cli, ["review"])
    assert "review thread updated" in again.output, again.output
    assert len(threads.threads[("platform", 7)]) == 2, "one review thread beside Alice's"
    assert "replicas 4 → 8" in ours[0]["comments"][0]["content"]
    assert threads.threads[("platform", 7)][0]["comments"][0]["content"] == "Looks good to me"

    third = CliRunner().invoke(cli, ["review"])
    assert "review thread unchanged" in third.output
    assert all(r.headers.get("Authorization") == threads.expected_auth for r in threads.requests)
    assert token not in out.output + again.output + third.output


def test_a_token_without_the_permission_exits_3_naming_it(
    platform: Path, threads: FakeWithThreads, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _in_pipeline(monkeypatch, threads, token)
    git.Repo(platform).git.update_ref("refs/remotes/origin/main", "main")
    threads.fail("POST", r"/threads$", 403)
    result = CliRunner().invoke(cli, ["review"])
    assert result.exit_code == ExitCode.EXTERNAL
    assert "Contribute to pull requests" in result.output
    assert "Traceback" not in result.output
