"""The pure parts of publish (change planning, guard rail, messages, retries, secrets)
and its state-store service, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from compiler.errors import ExternalError
from compiler.publish.changes import (
    FileChange,
    Lineage,
    environment_of,
    mass_delete_problems,
    plan_changes,
)
from compiler.publish.errors import TransientError
from compiler.publish.git import TreeEntry, blob_id
from compiler.publish.inputs import LINEAGE_FILE, DesiredFile, RepositoryConfig, RepoTarget
from compiler.publish.message import MAX_DESCRIPTION, pull_request_description
from compiler.publish.retry import RetryPolicy
from compiler.publish.secrets import (
    Secret,
    git_auth_environment,
    redact,
    token_from_environment,
)
from compiler.state import Scope, Store
from compiler.state.errors import InvariantError
from compiler.state.services import source


def desired(
    path: str, data: bytes = b"x\n", ownership: str = "managed", template: str = "repo/a.j2"
) -> DesiredFile:
    import hashlib

    return DesiredFile(
        path,
        data,
        hashlib.sha256(data).hexdigest(),
        ownership,
        "specs/p.yaml",
        "spec.modules[0]",
        template,
    )


def target(*files: DesiredFile) -> RepoTarget:
    return RepoTarget(
        tenant="t",
        project="p",
        name="r",
        folder=Path(),
        config=RepositoryConfig("r", "org", "Proj"),
        files=files,
        manifest_sha="m" * 64,
        specs={"specs/p.yaml": "s" * 64},
        version="0.1.0",
    )


def entry(data: bytes) -> TreeEntry:
    return TreeEntry("100644", blob_id(data))


def lineage_of(*paths: tuple[str, str]) -> Lineage:
    return Lineage({p: {"ownership": o, "template": "gitops/app.yaml.j2"} for p, o in paths})


def test_plan_writes_changed_managed_files_and_deletes_stale_ones() -> None:
    t = target(desired("a.txt", b"new\n"), desired("same.txt", b"same\n"))
    base = {
        "a.txt": entry(b"old\n"),
        "same.txt": entry(b"same\n"),
        "gone.txt": entry(b"g\n"),
        "human.txt": entry(b"h\n"),
    }
    previous = lineage_of(("a.txt", "managed"), ("same.txt", "managed"), ("gone.txt", "managed"))
    changes = {c.path: c.kind for c in plan_changes(t, base, previous)}
    assert changes == {"a.txt": "update", "gone.txt": "delete", LINEAGE_FILE: "add"}


def test_scaffold_is_written_once_and_never_recreated() -> None:
    t = target(desired("src/Program.cs", ownership="scaffold"))
    assert [c.kind for c in plan_changes(t, {}, Lineage()) if c.path != LINEAGE_FILE] == ["add"]
    edited = {"src/Program.cs": entry(b"the team's code\n")}
    assert [c for c in plan_changes(t, edited, Lineage()) if c.path != LINEAGE_FILE] == []
    removed = lineage_of(("src/Program.cs", "scaffold"))
    assert [c for c in plan_changes(t, {}, removed) if c.path != LINEAGE_FILE] == []


def test_guard_rail_share_and_whole_environment() -> None:
    paths = [f"environments/prod/app{i}.yaml" for i in range(2)] + [
        f"environments/dev/app{i}.yaml" for i in range(4)
    ]
    base = {p: entry(p.encode()) for p in paths}
    previous = lineage_of(*((p, "managed") for p in paths))
    prod_gone = [FileChange(p, "delete", "gitops") for p in paths[:2]]
    problems = mass_delete_problems(prod_gone, base, previous, 0.5)
    assert problems == ["it would delete every application of environment prod (2 files)"]
    most = [FileChange(p, "delete", "gitops") for p in paths[1:5]]
    assert (
        "4 of the 6 managed files (67%, more than 50%)"
        in mass_delete_problems(most, base, previous, 0.5)[0]
    )
    moved = [*prod_gone, FileChange("environments/prod/new.yaml", "add", "gitops", b"x")]
    assert mass_delete_problems(moved, base, previous, 0.5) == []
    assert environment_of("clusters/staging/sub/app.yaml") == "staging"


def test_description_fits_azure_devops_and_carries_lineage() -> None:
    from compiler.publish.changes import Proposal

    many = Proposal(
        tuple(FileChange(f"f{i:04}/{'x' * 80}.yaml", "add", "helm") for i in range(500))
    )
    text = pull_request_description(target(), many, [("Shipspec-Manifest", "abc")])
    assert len(text) <= MAX_DESCRIPTION
    assert "| helm | 500 | 0 | 0 |" in text and "Shipspec-Manifest: `abc`" in text


def test_retry_is_bounded_and_honours_retry_after() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=3, base=1, cap=5, sleep=sleeps.append)
    calls = {"n": 0}

    def flaky() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise TransientError("503", retry_after=30 if calls["n"] == 2 else None)
        return "ok"

    assert policy.run("call", flaky) == "ok"
    assert sleeps == [1, 5]
    with pytest.raises(TransientError, match="gave up after 3 attempts"):
        policy.run("call", lambda: (_ for _ in ()).throw(TransientError("down")))
    with pytest.raises(ExternalError):
        policy.run("call", lambda: (_ for _ in ()).throw(ExternalError("400")))
    assert len(sleeps) == 4  # non-transient errors are not retried


def test_secrets_never_print_and_are_masked_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    token = token_from_environment({"SYSTEM_ACCESSTOKEN": "job-token-123456"})
    assert "job-token" not in repr(token) and "job-token" not in str(token)
    assert "job-token" not in str(git_auth_environment(token)["GIT_CONFIG_KEY_0"])
    caplog.set_level(logging.DEBUG)
    logging.getLogger("msrest.any.child").debug("sending %s", token.reveal())
    assert "job-token-123456" not in caplog.text and "***" in caplog.text
    assert (
        redact("Authorization: " + git_auth_environment(token)["GIT_CONFIG_VALUE_0"]).count("***")
        == 1
    )
    assert isinstance(token, Secret)
    with pytest.raises(Exception, match="AZURE_DEVOPS_EXT_PAT"):
        token_from_environment({})


@pytest.fixture
def state_url(tmp_path: Path, request: pytest.FixtureRequest, state_backend: str) -> str:
    if state_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return str(request.getfixturevalue("pg_databases")())


def test_source_service_upserts_converge(state_url: str) -> None:
    store = Store(state_url)
    scope = Scope("tenant-a", "payments")
    repo = source.RecordRepository("api", "main", "local", "/remotes/api.git")
    first = store.write(scope, lambda u: source.record_repository(u, repo))
    assert store.write(scope, lambda u: source.record_repository(u, repo)) == first
    commit = source.RecordCommit("api", "a" * 40, "shipspec/p", "s", "m", "sha256:x")
    store.write(scope, lambda u: source.record_branch(u, "api", "shipspec/p", "a" * 40))
    store.write(scope, lambda u: source.record_commit(u, commit))
    store.write(scope, lambda u: source.record_commit(u, commit))
    fields = source.PullRequestFields("api", "shipspec/p", "main", "t", "d", "a" * 40)
    opened = store.write(scope, lambda u: source.open_pull_request(u, fields))
    again = store.write(scope, lambda u: source.open_pull_request(u, fields))
    assert opened["id"] == again["id"] and opened["externalId"] == "1"
    with store.read(scope) as uow:
        assert source.known_commits(uow, "api") == {"a" * 40}
    with store.read(Scope("tenant-b", "payments")) as uow:  # tenant isolation
        assert source.known_commits(uow, "api") == set()
        assert source.active_pull_request(uow, "api", "shipspec/p", "main") is None
    same = source.PullRequestFields("api", "main", "main", "t", "d")
    with pytest.raises(InvariantError):
        store.write(scope, lambda u: source.record_pull_request(u, same))
