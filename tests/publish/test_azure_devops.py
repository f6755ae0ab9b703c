"""The `azure-devops` provider: the real SDK against a local server speaking the
documented REST shapes, with real Git pushes into the bare repositories it serves."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from pathlib import Path

import git
import pytest
from pytest_httpserver import HTTPServer

from compiler.errors import ExitCode

from .azure_fake import FakeAzureDevOps
from .conftest import BRANCH, PAYMENTS, Platform


@pytest.fixture
def token() -> str:
    return f"pat-{uuid.uuid4().hex}"


@pytest.fixture
def ado(
    platform: Platform,
    httpserver: HTTPServer,
    token: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> FakeAzureDevOps:
    from azure.devops import _file_cache
    from azure.devops import client as sdk_client

    # The SDK caches discovered locations in memory and on disk, per URL; start clean.
    monkeypatch.setattr(sdk_client.Client, "_locations_cache", {})
    (tmp_path / "sdk-cache").mkdir()
    cache = _file_cache.get_cache("options", cache_dir=str(tmp_path / "sdk-cache"))
    monkeypatch.setattr(sdk_client, "OPTIONS_FILE_CACHE", cache)
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", token)
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN", raising=False)
    return FakeAzureDevOps(httpserver, tmp_path / "ado-git", token)


def publish(platform: Platform, ado: FakeAzureDevOps, *args: str):  # type: ignore[no-untyped-def]
    return platform.cli("--provider", "azure-devops", "--azure-devops-url", ado.base_url, *args)


def run(platform: Platform, ado: FakeAzureDevOps, **options: object):  # type: ignore[no-untyped-def]
    """The stage without the CLI, with the platform's fast, recorded retry sleeps."""
    return platform.run(**{"provider": "azure-devops", "azure_devops_url": ado.base_url, **options})


def bare(ado: FakeAzureDevOps, repo: str = "payments-api") -> git.Repo:
    return git.Repo(ado.repos[repo]["path"])


def test_first_publish_creates_repositories_policies_and_pull_requests(
    platform: Platform, ado: FakeAzureDevOps
) -> None:
    result = publish(platform, ado)
    assert result.exit_code == 0, result.output
    assert set(ado.repos) == set(PAYMENTS)
    assert len(ado.pull_requests) == 3
    assert {pr["sourceRefName"] for pr in ado.pull_requests} == {f"refs/heads/{BRANCH}"}
    assert {pr["targetRefName"] for pr in ado.pull_requests} == {"refs/heads/main"}
    kinds = sorted(p["type"]["id"][:8] for p in ado.policies)
    assert kinds == ["c6a1889d"] * 3 + ["fa4e907d"] * 3  # comments + reviewers; no pipeline yet
    reviewers = next(p for p in ado.policies if p["type"]["id"].startswith("fa4e907d"))
    assert reviewers["settings"]["minimumApproverCount"] == 2
    assert reviewers["settings"]["scope"][0]["refName"] == "refs/heads/main"
    assert all(r.headers.get("Authorization") == ado.expected_auth for r in ado.requests)
    assert any(r.method == "OPTIONS" for r in ado.requests)  # the SDK's discovery ran
    head = bare(ado).commit(BRANCH)
    assert "Shipspec-Manifest" in dict(head.trailers_list)
    assert "build validation deferred" in result.output
    rows = platform.rows()
    repos = {r["name"]: r for r in rows["repositories"]}
    assert repos["payments-api"]["external_id"] == ado.repos["payments-api"]["id"]
    assert repos["payments-api"]["provider"] == "azure-devops"
    assert {pr["external_id"] for pr in rows["pull_requests"]} == {"1", "2", "3"}
    assert all(
        pr["url"].endswith(f"/pullrequest/{pr['external_id']}") for pr in rows["pull_requests"]
    )


def test_second_publish_sends_no_write(platform: Platform, ado: FakeAzureDevOps) -> None:
    assert publish(platform, ado).exit_code == 0
    writes = len(ado.writes())
    heads = {repo: bare(ado, repo).commit(BRANCH).hexsha for repo in PAYMENTS}
    again = publish(platform, ado)
    assert again.exit_code == 0, again.output
    assert len(ado.writes()) == writes
    assert {repo: bare(ado, repo).commit(BRANCH).hexsha for repo in PAYMENTS} == heads


def test_spec_change_updates_the_same_pull_request(
    platform: Platform, ado: FakeAzureDevOps
) -> None:
    assert publish(platform, ado).exit_code == 0
    before = bare(ado).commit(BRANCH).hexsha
    platform.edit_spec("port: 8080", "port: 9090")
    platform.compile()
    writes = len(ado.writes())
    result = publish(platform, ado)
    assert result.exit_code == 0, result.output
    new = ado.writes()[writes:]
    assert [(r.method, "pullrequests/" in r.path) for r in new] == [("PATCH", True)]
    assert len(ado.pull_requests) == 3
    head = bare(ado).commit(BRANCH)
    assert head.parents[0].hexsha == before
    api = next(
        pr for pr in ado.pull_requests if pr["repositoryId"] == ado.repos["payments-api"]["id"]
    )
    assert dict(head.trailers_list)["Shipspec-Artifact"] in api["description"]


def test_human_commit_is_refused_then_forced(
    platform: Platform, ado: FakeAzureDevOps, tmp_path: Path
) -> None:
    assert publish(platform, ado).exit_code == 0
    clone = git.Repo.clone_from(
        ado.repos["payments-api"]["path"], tmp_path / "human", branch=BRANCH
    )
    with clone.config_writer() as config:
        config.set_value("user", "name", "Alice Human")
        config.set_value("user", "email", "alice@contoso.com")
    (Path(clone.working_dir) / "FIX.md").write_text("fix\n")
    clone.index.add(["FIX.md"])
    human = clone.index.commit("Hand fix")
    clone.remote().push(BRANCH)
    refused = publish(platform, ado)
    assert refused.exit_code == ExitCode.INVALID
    assert human.hexsha[:12] in refused.output
    assert bare(ado).commit(BRANCH).hexsha == human.hexsha
    forced = publish(platform, ado, "--force")
    assert forced.exit_code == 0, forced.output
    assert bare(ado).commit(BRANCH).hexsha != human.hexsha
    assert len(ado.pull_requests) == 3


def test_pull_request_creation_fails_after_push_then_rerun_opens_one(
    platform: Platform, ado: FakeAzureDevOps
) -> None:
    ado.fail("POST", r"/pullrequests$", 500, times=100)
    first = run(platform, ado)
    assert first.exit_code == ExitCode.EXTERNAL
    assert "open pull request" in first.repositories[0].error
    assert ado.pull_requests == []
    heads = {repo: bare(ado, repo).commit(BRANCH).hexsha for repo in PAYMENTS}
    ado.faults.clear()
    second = run(platform, ado)
    assert second.exit_code == 0
    assert len(ado.pull_requests) == 3
    assert {repo: bare(ado, repo).commit(BRANCH).hexsha for repo in PAYMENTS} == heads
    assert run(platform, ado).exit_code == 0
    assert len(ado.pull_requests) == 3


def test_a_pull_request_that_appeared_meanwhile_is_updated_not_duplicated(
    platform: Platform, ado: FakeAzureDevOps
) -> None:
    assert publish(platform, ado).exit_code == 0
    platform.edit_spec("port: 8080", "port: 9090")
    platform.compile()
    ado.hide_pull_requests = 1  # our lookup misses it (a concurrent run opened it): POST gets 409
    result = run(platform, ado, only=("contoso/payments/payments-api",))
    assert result.exit_code == 0, result.repositories[0].error
    assert len(ado.pull_requests) == 3
    posts = [r for r in ado.requests if r.method == "POST" and r.path.endswith("/pullrequests")]
    assert len(posts) == 4  # three at first, one refused with 409
    api = next(
        pr for pr in ado.pull_requests if pr["repositoryId"] == ado.repos["payments-api"]["id"]
    )
    assert result.repositories[0].pull_request.number == str(api["pullRequestId"])
    assert dict(bare(ado).commit(BRANCH).trailers_list)["Shipspec-Artifact"] in api["description"]


def test_unauthorised_token_exits_3_naming_the_permission(
    platform: Platform, ado: FakeAzureDevOps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", "not-the-right-token")
    result = publish(platform, ado)
    assert result.exit_code == ExitCode.EXTERNAL
    assert "HTTP 401" in result.output and "missing permission: Code (Read)" in result.output
    assert "not-the-right-token" not in result.output
    assert "skipped" in result.output  # one 401 stops the run: every repository would fail alike


def test_forbidden_policy_change_names_edit_policies(
    platform: Platform, ado: FakeAzureDevOps
) -> None:
    ado.fail("POST", r"/policy/configurations$", 403, times=100)
    result = publish(platform, ado)
    assert result.exit_code == ExitCode.EXTERNAL
    assert "HTTP 403" in result.output and "Edit policies" in result.output


def test_missing_token_is_a_usage_error(
    platform: Platform, ado: FakeAzureDevOps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_DEVOPS_EXT_PAT")
    result = publish(platform, ado)
    assert result.exit_code == ExitCode.USAGE
    assert "AZURE_DEVOPS_EXT_PAT" in result.output


def test_503_twice_then_success(platform: Platform, ado: FakeAzureDevOps) -> None:
    ado.fail("GET", r"/git/repositories/payments-api$", 503, times=2, **{"Retry-After": "1"})
    result = run(platform, ado)
    assert result.exit_code == 0, [r.error for r in result.repositories]
    assert platform.sleeps == [0.05, 0.05]  # Retry-After honoured, capped by the policy
    assert len(ado.pull_requests) == 3


def test_503_for_ever_gives_up_with_exit_3(platform: Platform, ado: FakeAzureDevOps) -> None:
    ado.fail("GET", r"/pullrequests$", 503, times=1000)
    result = run(platform, ado)
    assert result.exit_code == ExitCode.EXTERNAL
    assert "gave up after 4 attempts" in result.repositories[0].error
    assert len(platform.sleeps) == 3 * 3


def test_unreachable_host_is_retried_then_exit_3(platform: Platform, ado: FakeAzureDevOps) -> None:
    result = platform.run(
        provider="azure-devops", azure_devops_url="http://127.0.0.1:9/{organization}"
    )
    assert result.exit_code == ExitCode.EXTERNAL
    assert "could not be reached" in result.repositories[0].error
    assert len(platform.sleeps) >= 3


def test_build_validation_policy_follows_the_pipeline(
    platform: Platform, ado: FakeAzureDevOps
) -> None:
    assert publish(platform, ado).exit_code == 0
    repo_id = ado.repos["payments-api"]["id"]
    ado.definitions.append(
        {
            "id": 7,
            "name": "payments-api-ci",
            "path": "\\payments",
            "revision": 1,
            "repository": {"id": repo_id, "type": "TfsGit"},
            "project": ado.find_project("contoso", "Payments"),
        }
    )
    assert publish(platform, ado).exit_code == 0
    builds = [p for p in ado.policies if p["type"]["id"].startswith("0609b952")]
    assert len(builds) == 1 and builds[0]["settings"]["buildDefinitionId"] == 7
    writes = len(ado.writes())
    assert publish(platform, ado).exit_code == 0
    assert len(ado.writes()) == writes
    platform.edit_spec("minimumReviewers: 2", "minimumReviewers: 3")
    platform.compile()
    assert publish(platform, ado).exit_code == 0
    puts = [r for r in ado.writes()[writes:] if r.method == "PUT"]
    assert len(puts) == 3
    assert {
        p["settings"]["minimumApproverCount"]
        for p in ado.policies
        if p["type"]["id"].startswith("fa4e907d")
    } == {3}


def test_no_token_anywhere(
    platform: Platform,
    ado: FakeAzureDevOps,
    token: str,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs = [publish(platform, ado).output]
    platform.edit_spec("port: 8080", "port: 9090")
    platform.compile()
    outputs.append(publish(platform, ado, "--format", "json").output)
    ado.fail("GET", r"/pullrequests$", 503, times=1000)
    failed = run(platform, ado)  # fast retries; its messages are what the CLI would print
    outputs.append(json.dumps([r.to_record() for r in failed.repositories]))
    encoded = base64.b64encode(f":{token}".encode()).decode()
    haystacks = {"output": "\n".join(outputs), "logs": caplog.text}
    for name, repo in [*((f"remote {n}", r["path"]) for n, r in ado.repos.items())]:
        g = git.Repo(repo)
        haystacks[name] = g.git.log("--all", "-p", "--format=%H%n%an %ae%n%cn %ce%n%B")
    for folder in platform.cache.rglob("*.git"):
        g = git.Repo(folder)
        haystacks[f"cache {folder.name}"] = (
            g.git.log("--all", "--format=%B") + (folder / "config").read_text()
        )
    haystacks["state"] = json.dumps(platform.rows(), default=str)
    haystacks["sdk cache"] = "".join(
        p.read_text() for p in (tmp_path / "sdk-cache").rglob("*") if p.is_file()
    )
    assert "Authorization" not in haystacks["output"]
    for name, text in haystacks.items():
        assert token not in text, name
        assert encoded not in text, name
    assert "DEBUG" in caplog.text or caplog.records  # the SDK really logged at debug level
