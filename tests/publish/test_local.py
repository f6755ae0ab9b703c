"""The issue's scenarios with the `local` provider: real bare repositories as remotes,
cloned back and inspected; pull requests are rows in the state store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import git
import pytest

from compiler.emit import read_manifest
from compiler.errors import ExitCode, ExternalError
from compiler.publish.providers.local import LocalProvider
from compiler.state.services import source

from .conftest import BRANCH, PAYMENTS, Platform

TRAILERS = ("Shipspec-Spec", "Shipspec-Manifest", "Shipspec-Version", "Shipspec-Artifact")


def manifest_files(platform: Platform, repo: str) -> dict[str, dict[str, str]]:
    manifest = read_manifest(platform.generated / "contoso" / "payments")
    assert manifest is not None
    prefix = f"{repo}/"
    return {p[len(prefix) :]: e for p, e in manifest["files"].items() if p.startswith(prefix)}


def branch_commits(platform: Platform, repo: str = "payments-api") -> list[git.Commit]:
    bare = platform.bare(repo)
    return list(bare.iter_commits(f"main..{BRANCH}"))


def trailers(commit: git.Commit) -> dict[str, str]:
    return dict(commit.trailers_list)


def test_first_publish_one_branch_commit_and_pull_request_per_repository(
    any_platform: Platform,
) -> None:
    platform = any_platform
    result = platform.cli()
    assert result.exit_code == 0, result.output
    for repo in PAYMENTS:
        commits = branch_commits(platform, repo)
        assert len(commits) == 1
        found = trailers(commits[0])
        assert set(TRAILERS) <= set(found)
        specs = sorted(v for k, v in commits[0].trailers_list if k == "Shipspec-Spec")
        assert specs[0].startswith("specs/contoso/payments.yaml@")
        assert specs[1].startswith("specs/contoso/tenant.yaml@")  # NuGet.config's feed
        assert found["Shipspec-Version"]
        assert commits[0].author.email == "shipspec-bot@noreply.invalid"
        clone = platform.clone(repo)
        for path in manifest_files(platform, repo):
            assert (Path(clone.working_dir) / path).read_bytes() == (
                platform.generated / "contoso" / "payments" / repo / path
            ).read_bytes(), path
        lineage = json.loads((Path(clone.working_dir) / ".shipspec/lineage.json").read_text())
        assert lineage["repository"] == repo
        assert set(lineage["files"]) == set(manifest_files(platform, repo))
    rows = platform.rows()
    assert len(rows["repositories"]) == 3
    assert len(rows["branches"]) == 3
    assert len(rows["commits"]) == 3
    prs = rows["pull_requests"]
    assert len(prs) == 3 and {pr["status"] for pr in prs} == {"active"}
    assert {pr["source_branch"] for pr in prs} == {BRANCH}
    assert all("| repo |" in pr["description"] for pr in prs)


def test_second_publish_without_change_does_nothing(any_platform: Platform) -> None:
    platform = any_platform
    assert platform.cli().exit_code == 0
    refs = {repo: platform.refs(repo) for repo in PAYMENTS}
    rows = platform.rows()
    again = platform.cli("--format", "json")
    assert again.exit_code == 0, again.output
    report = json.loads(again.output)
    assert {r["status"] for r in report["repositories"]} == {"up-to-date"}
    assert {repo: platform.refs(repo) for repo in PAYMENTS} == refs
    assert platform.rows() == rows  # no new row, no changed row, no event


def test_spec_change_adds_one_commit_on_the_same_branch_and_updates_the_same_pr(
    platform: Platform,
) -> None:
    assert platform.cli().exit_code == 0
    before = platform.bare().commit(BRANCH).hexsha
    ledger_before = platform.refs("ledger-client")
    pr_before = platform.rows()["pull_requests"]
    platform.edit_spec("port: 8080", "port: 9090")
    platform.compile()
    result = platform.cli()
    assert result.exit_code == 0, result.output
    head = platform.bare().commit(BRANCH)
    assert [p.hexsha for p in head.parents] == [before]
    assert len(branch_commits(platform)) == 2
    dockerfile = platform.clone().git.show(f"{BRANCH}:Dockerfile")
    assert "EXPOSE 9090" in dockerfile
    assert "M Dockerfile [repo]" in head.message
    assert platform.refs("ledger-client") == ledger_before
    prs = platform.rows()["pull_requests"]
    assert len(prs) == len(pr_before) == 3
    api = next(pr for pr in prs if pr["source_sha"] == head.hexsha)
    old = next(pr for pr in pr_before if pr["id"] == api["id"])
    assert api["external_id"] == old["external_id"] and api["description"] != old["description"]
    assert "updated pull request 1" in result.output


def test_human_commit_on_the_branch_is_refused_then_force_replaces_it(platform: Platform) -> None:
    assert platform.cli().exit_code == 0
    clone = platform.clone()
    (Path(clone.working_dir) / "HOTFIX.md").write_text("a human's fix\n")
    clone.index.add(["HOTFIX.md"])
    human = clone.index.commit("Fix the health check by hand")
    clone.remote().push(BRANCH)
    platform.edit_spec("port: 8080", "port: 9090")
    platform.compile()

    refused = platform.cli()
    assert refused.exit_code == ExitCode.INVALID
    assert "commits shipspec did not make" in refused.output
    assert human.hexsha[:12] in refused.output and "--force" in refused.output
    assert platform.bare().commit(BRANCH).hexsha == human.hexsha  # untouched
    assert "contoso/payments/payments-worker" in refused.output  # the others went on

    forced = platform.cli("--force")
    assert forced.exit_code == 0, forced.output
    head = platform.bare().commit(BRANCH)
    assert head.parents[0].hexsha == platform.bare().commit("main").hexsha
    assert human.hexsha not in {c.hexsha for c in platform.bare().iter_commits(BRANCH)}
    assert "Shipspec-Artifact" in trailers(head)
    assert len(platform.rows()["pull_requests"]) == 3


def test_amended_shipspec_commit_counts_as_human(platform: Platform) -> None:
    assert platform.cli().exit_code == 0
    clone = platform.clone()
    clone.git.commit("--amend", "--no-edit")  # same trailers, but Alice is the committer
    clone.git.push("--force", "origin", BRANCH)
    platform.rows()  # the store knows the original sha, not the amended one
    assert platform.cli().exit_code == ExitCode.INVALID


class FlakyProvider(LocalProvider):
    """The local provider, failing chosen steps once."""

    def __init__(self, base: LocalProvider, fail_pr: bool = False, fail_repo: str = "") -> None:
        super().__init__(base.root, base.store)
        self.fail_pr = fail_pr
        self.fail_repo = fail_repo

    def create_pull_request(self, target, remote, draft):  # type: ignore[no-untyped-def]
        if self.fail_pr:
            raise ExternalError("Azure DevOps answered HTTP 500 (injected)")
        return super().create_pull_request(target, remote, draft)

    def repository(self, target, *, create):  # type: ignore[no-untyped-def]
        remote = super().repository(target, create=create)
        if remote is not None and target.name == self.fail_repo:
            from dataclasses import replace

            return replace(remote, url=str(self.root / "unreachable.git"))
        return remote


def test_pr_creation_fails_after_push_then_rerun_opens_exactly_one(platform: Platform) -> None:
    local = LocalProvider(platform.remotes, platform.store())
    first = platform.run(using=FlakyProvider(local, fail_pr=True))
    assert first.exit_code == ExitCode.EXTERNAL
    assert all(r.status == "failed" for r in first.repositories)
    assert all(len(branch_commits(platform, repo)) == 1 for repo in PAYMENTS)  # pushed
    assert platform.rows()["pull_requests"] == []
    heads = {repo: platform.bare(repo).commit(BRANCH).hexsha for repo in PAYMENTS}

    second = platform.run()
    assert second.exit_code == 0
    assert {repo: platform.bare(repo).commit(BRANCH).hexsha for repo in PAYMENTS} == heads
    assert len(platform.rows()["pull_requests"]) == 3
    assert platform.run().exit_code == 0
    assert len(platform.rows()["pull_requests"]) == 3
    assert len(platform.rows()["commits"]) == 3


def test_repo_a_pushed_repo_b_not_converges(platform: Platform) -> None:
    local = LocalProvider(platform.remotes, platform.store())
    first = platform.run(using=FlakyProvider(local, fail_repo="payments-worker"))
    by_repo = {r.key.rsplit("/", 1)[1]: r for r in first.repositories}
    assert by_repo["payments-worker"].status == "failed"
    assert by_repo["payments-api"].status == "published"
    assert first.exit_code == ExitCode.EXTERNAL
    assert "git fetch failed" in by_repo["payments-worker"].error

    assert platform.run().exit_code == 0
    for repo in PAYMENTS:
        assert len(branch_commits(platform, repo)) == 1
    assert len(platform.rows()["pull_requests"]) == 3


def _drop_most_files(platform: Platform, repo: str) -> int:
    """Simulate a template bug that stops producing most of a repository's managed files."""
    project = platform.generated / "contoso" / "payments"
    manifest_path = project / ".shipspec" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    managed = sorted(
        p
        for p, e in manifest["files"].items()
        if p.startswith(f"{repo}/") and e["ownership"] == "managed"
    )
    dropped = [p for p in managed if not p.endswith("repository.json")][: len(managed) * 3 // 4]
    for path in dropped:
        del manifest["files"][path]
        (project / path).unlink()
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return len(dropped)


def test_mass_delete_is_refused_unless_allowed(platform: Platform) -> None:
    assert platform.cli().exit_code == 0
    before = platform.refs()
    dropped = _drop_most_files(platform, "payments-api")

    refused = platform.cli()
    assert refused.exit_code == ExitCode.INVALID
    assert f"would delete {dropped} of the" in refused.output
    assert "--allow-mass-delete" in refused.output
    assert platform.refs() == before

    allowed = platform.cli("--allow-mass-delete")
    assert allowed.exit_code == 0, allowed.output
    tree = platform.bare().commit(BRANCH).tree
    remaining = {b.path for b in tree.traverse() if b.type == "blob"}
    assert len(manifest_files(platform, "payments-api")) + 1 == len(remaining)


def test_small_deletions_pass_the_guard_rail(platform: Platform) -> None:
    assert platform.cli().exit_code == 0
    project = platform.generated / "contoso" / "payments"
    manifest_path = project / ".shipspec" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["files"]["payments-api/.dockerignore"]
    (project / "payments-api/.dockerignore").unlink()
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    result = platform.cli()
    assert result.exit_code == 0, result.output
    head = platform.bare().commit(BRANCH)
    assert "D .dockerignore [repo]" in head.message
    assert ".dockerignore" not in {b.path for b in head.tree.traverse()}


def test_dry_run_prints_the_diff_and_touches_nothing(platform: Platform) -> None:
    result = platform.cli("--dry-run")
    assert result.exit_code == 0, result.output
    assert "would create the repository" in result.output
    assert "+++ b/Dockerfile" in result.output
    assert not platform.remotes.exists()
    assert not Path(platform.state_url.removeprefix("sqlite:///")).exists()

    assert platform.cli().exit_code == 0
    refs, rows = platform.refs(), platform.rows()
    platform.edit_spec("port: 8080", "port: 9090")
    platform.compile()
    dry = platform.cli("--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "-EXPOSE 8080" in dry.output and "+EXPOSE 9090" in dry.output
    assert platform.refs() == refs and platform.rows() == rows


def test_scaffold_files_are_never_overwritten_nor_recreated(platform: Platform) -> None:
    assert platform.cli().exit_code == 0
    bare = platform.bare()
    bare.git.update_ref("refs/heads/main", bare.commit(BRANCH).hexsha)  # the PR is merged
    clone = platform.clone(branch="main")
    program = Path(clone.working_dir) / "src/Contoso.Payments.Api/Program.cs"
    program.write_text("// the team's own code\n")
    clone.index.remove(["tests/Contoso.Payments.Api.Tests/SmokeTests.cs"], working_tree=True)
    clone.index.add([str(program)])
    clone.index.commit("Write the real service")
    clone.remote().push("main")

    platform.edit_spec("port: 8080", "port: 9090")
    platform.compile()
    assert platform.cli().exit_code == 0
    head = platform.bare().commit(BRANCH)
    files = {b.path: b for b in head.tree.traverse() if b.type == "blob"}
    assert (
        files["src/Contoso.Payments.Api/Program.cs"].data_stream.read()
        == b"// the team's own code\n"
    )
    assert "tests/Contoso.Payments.Api.Tests/SmokeTests.cs" not in files
    assert b"EXPOSE 9090" in files["Dockerfile"].data_stream.read()


def test_merged_pull_request_then_rerun_proposes_nothing(platform: Platform) -> None:
    assert platform.cli().exit_code == 0
    bare = platform.bare()
    bare.git.update_ref("refs/heads/main", bare.commit(BRANCH).hexsha)
    refs = platform.refs()
    result = platform.cli()
    assert result.exit_code == 0
    assert "nothing to propose" in result.output
    assert platform.refs() == refs


def test_branch_author_and_committer_are_configurable(platform: Platform) -> None:
    result = platform.cli(
        "--branch", "bots/{tenant}-{repository}", "--author", "Platform Bot <bot@contoso.com>"
    )
    assert result.exit_code == 0, result.output
    head = platform.bare().commit("bots/contoso-payments-api")
    assert head.author.email == head.committer.email == "bot@contoso.com"
    assert platform.cli("--branch", "bad..name").exit_code == ExitCode.USAGE
    assert platform.cli("--author", "no email").exit_code == ExitCode.USAGE


def test_explain_follows_a_file_in_a_target_checkout_back_to_its_spec_line(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compiler.explain import explain_file

    assert platform.cli().exit_code == 0
    clone = platform.clone()
    monkeypatch.chdir(platform.root)
    lineage = explain_file(Path(clone.working_dir) / "Dockerfile")
    assert lineage["spec"].startswith("specs/contoso/payments.yaml:")
    line = int(lineage["spec"].split(":")[1])
    spec_lines = (platform.root / "specs/contoso/payments.yaml").read_text().splitlines()
    assert "container" in spec_lines[line - 1] or "payments-api" in spec_lines[line - 1]
    assert lineage["template"] == "templates/repo/Dockerfile.j2"
    assert lineage["commit"] == platform.bare().commit(BRANCH).hexsha
    assert lineage["specSha"] in lineage["commitSpec"]


def test_publish_runs_as_a_real_process(platform: Platform) -> None:
    code = "from compiler.cli.publish import publish_command; publish_command()"
    args = [
        sys.executable, "-c", code, str(platform.generated), "--provider", "local",
        "--only", "contoso/payments/payments-api", "--remotes-dir", str(platform.remotes),
        "--cache-dir", str(platform.cache), "--state-url", platform.state_url, "--format", "json",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPSPEC_")}
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [r["repository"] for r in report["repositories"]] == ["contoso/payments/payments-api"]
    assert report["repositories"][0]["pullRequest"]["number"] == "1"


def test_state_rows_for_the_local_pull_request(platform: Platform) -> None:
    assert platform.cli().exit_code == 0
    with platform.store().read(platform.scope) as uow:
        pr = source.active_pull_request(uow, "payments-api", BRANCH, "main")
        known = source.known_commits(uow, "payments-api")
    assert pr is not None and pr["externalId"] == "1"
    assert known == {platform.bare().commit(BRANCH).hexsha}
