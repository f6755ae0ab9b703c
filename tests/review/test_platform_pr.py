"""The whole loop on a scaffolded platform repository: init --platform, its README's
commands, a change on a branch, and the pull-request run's review comment."""

from __future__ import annotations

from pathlib import Path

import git
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from compiler.cli import cli
from compiler.errors import ExitCode
from compiler.review.markdown import MARKER

from .ado_threads import FakeWithThreads

IDENTITY = {
    "GIT_AUTHOR_NAME": "p",
    "GIT_AUTHOR_EMAIL": "p@x",
    "GIT_COMMITTER_NAME": "p",
    "GIT_COMMITTER_EMAIL": "p@x",
}


def _ok(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == ExitCode.OK, (args, result.output)
    return result.output


def test_a_scaffolded_platform_pull_request_gets_its_review_comment(
    tmp_path: Path,
    sdk_clean: None,
    httpserver: HTTPServer,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "acme-platform"
    _ok("init", "--platform", str(root), "--name", "acme/shop")
    monkeypatch.chdir(root)
    _ok("validate")
    _ok("compile", "-j", "1")
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add("-A")
    repo.git.commit("-m", "platform", env=IDENTITY)
    repo.git.update_ref("refs/remotes/origin/main", "main")

    spec = root / "specs/acme/shop.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(
            "replicas: {default: 2, dev: 1}", "replicas: {default: 3, dev: 1}"
        ),
        encoding="utf-8",
    )
    _ok("compile", "-j", "1")
    _ok("compile", "--check")

    fake = FakeWithThreads(httpserver, tmp_path / "ado-git", token)
    for name, value in {
        "SYSTEM_COLLECTIONURI": fake.server.url_for("/contoso/"),
        "SYSTEM_TEAMPROJECT": "Platform",
        "BUILD_REPOSITORY_ID": "acme-platform",
        "SYSTEM_PULLREQUEST_PULLREQUESTID": "12",
        "SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/main",
        "SYSTEM_ACCESSTOKEN": token,
    }.items():
        monkeypatch.setenv(name, value)
    assert "review thread created" in _ok("review")
    (thread,) = fake.threads[("acme-platform", 12)]
    comment = thread["comments"][0]["content"]
    assert comment.startswith(MARKER)
    assert "- **acme/shop prod** (production)\n  - shop-api: replicas 2 → 3" in comment
    assert "production change: acme/shop prod" in comment
