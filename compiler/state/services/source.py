"""What publish did to Git: repositories, branches, the commits shipspec made, and pull
requests (for the ``local`` provider these rows *are* the pull requests).

Every write is an upsert on the natural key, so a publish that is run again, or that
failed halfway and is resumed, converges on the same rows and emits no second event.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select

from compiler.state.errors import InvariantError
from compiler.state.models import Branch, Commit, PullRequest, Repository
from compiler.state.models.base import utcnow
from compiler.state.session import UnitOfWork


@dataclass(frozen=True)
class RecordRepository:
    name: str
    default_branch: str
    provider: str
    remote_url: str | None = None
    external_id: str | None = None
    home: dict[str, Any] | None = None
    """What retiring it would need (organization, project, module, pipeline)."""


@dataclass(frozen=True)
class RecordCommit:
    repository: str
    sha: str
    branch: str
    spec_sha: str | None
    manifest_sha: str | None
    artifact_id: str | None


@dataclass(frozen=True)
class PullRequestFields:
    """What a pull request says; the natural key is (repository, source, target) while active."""

    repository: str
    source_branch: str
    target_branch: str
    title: str
    description: str
    source_sha: str | None = None
    external_id: str | None = None
    url: str | None = None


def record_repository(uow: UnitOfWork, command: RecordRepository) -> dict[str, Any]:
    row = _repository(uow, command.name)
    values = {
        "default_branch": command.default_branch,
        "provider": command.provider,
        "remote_url": command.remote_url,
        "external_id": command.external_id,
        "retired_at": None,
    }
    if command.home is not None:
        values["home"] = command.home
    if row is None:
        row = uow.add(Repository(project=uow.scope.project, name=command.name, **values))
        uow.emit("RepositoryRecorded", row.id, row.to_record())
    elif _assign(row, values):
        uow.session.flush()
        uow.emit("RepositoryUpdated", row.id, row.to_record())
    return row.to_record()


def retire_repository(uow: UnitOfWork, name: str, actions: list[str]) -> dict[str, Any]:
    """Mark a repository retired (once): later publishes list it no more."""
    row = _require_repository(uow, name)
    if row.retired_at is None:
        row.retired_at = utcnow()
        uow.session.flush()
        uow.emit("RepositoryRetired", row.id, {**row.to_record(), "actions": actions})
    return row.to_record()


def record_branch(uow: UnitOfWork, repository: str, name: str, head_sha: str) -> dict[str, Any]:
    repo = _require_repository(uow, repository)
    row = uow.scalar(select(Branch).where(Branch.repository_id == repo.id, Branch.name == name))
    if row is None:
        row = uow.add(Branch(repository_id=repo.id, name=name, head_sha=head_sha))
        uow.emit("BranchCreated", row.id, {**row.to_record(), "repository": repository})
    elif row.head_sha != head_sha:
        row.head_sha = head_sha
        uow.session.flush()
        uow.emit("BranchMoved", row.id, {**row.to_record(), "repository": repository})
    return row.to_record()


def record_commit(uow: UnitOfWork, command: RecordCommit) -> dict[str, Any]:
    repo = _require_repository(uow, command.repository)
    row = uow.scalar(
        select(Commit).where(Commit.repository_id == repo.id, Commit.sha == command.sha)
    )
    if row is None:
        row = uow.add(
            Commit(
                repository_id=repo.id,
                sha=command.sha,
                branch=command.branch,
                spec_sha=command.spec_sha,
                manifest_sha=command.manifest_sha,
                artifact_id=command.artifact_id,
            )
        )
        uow.emit("CommitRecorded", row.id, {**row.to_record(), "repository": command.repository})
    return row.to_record()


def known_commits(uow: UnitOfWork, repository: str) -> set[str]:
    """Shas of every commit shipspec recorded making in this repository."""
    repo = _repository(uow, repository)
    if repo is None:
        return set()
    return set(uow.scalars(select(Commit.sha).where(Commit.repository_id == repo.id)))


def active_pull_request(
    uow: UnitOfWork, repository: str, source: str, target: str
) -> dict[str, Any] | None:
    repo = _repository(uow, repository)
    if repo is None:
        return None
    row = _active(uow, repo.id, source, target)
    return None if row is None else row.to_record()


def open_pull_request(uow: UnitOfWork, fields: PullRequestFields) -> dict[str, Any]:
    """Open a pull request held only in the store (the ``local`` provider), numbered per repo.

    Opening one while another is active for the same branches returns that one updated,
    the same rule Azure DevOps enforces (one active pull request per source and target).
    """
    repo = _require_repository(uow, fields.repository)
    if _active(uow, repo.id, fields.source_branch, fields.target_branch) is None:
        count = uow.scalar(
            select(func.count())
            .select_from(PullRequest)
            .where(PullRequest.repository_id == repo.id)
        )
        number = str(int(count or 0) + 1)
        fields = replace(fields, external_id=number)
    return record_pull_request(uow, fields)


def record_pull_request(uow: UnitOfWork, fields: PullRequestFields) -> dict[str, Any]:
    """Insert or update the active pull request for (repository, source, target)."""
    if fields.source_branch == fields.target_branch:
        raise InvariantError("a pull request's source and target branches must differ")
    repo = _require_repository(uow, fields.repository)
    row = _active(uow, repo.id, fields.source_branch, fields.target_branch)
    values = {
        "title": fields.title[:500],
        "description": fields.description,
        "source_sha": fields.source_sha,
        "external_id": fields.external_id,
        "url": fields.url,
    }
    if row is None:
        row = uow.add(
            PullRequest(
                repository_id=repo.id,
                source_branch=fields.source_branch,
                target_branch=fields.target_branch,
                status="active",
                **values,
            )
        )
        uow.emit("PullRequestOpened", row.id, _event(row, fields.repository))
    elif _assign(row, {k: v for k, v in values.items() if v is not None}):
        row.updated_at = utcnow()
        uow.session.flush()
        uow.emit("PullRequestUpdated", row.id, _event(row, fields.repository))
    return row.to_record()


def _event(row: PullRequest, repository: str) -> dict[str, Any]:
    record = row.to_record()
    record.pop("description", None)
    return {**record, "repository": repository}


def _assign(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _active(uow: UnitOfWork, repository_id: str, source: str, target: str) -> PullRequest | None:
    return uow.scalar(
        select(PullRequest).where(
            PullRequest.repository_id == repository_id,
            PullRequest.source_branch == source,
            PullRequest.target_branch == target,
            PullRequest.status == "active",
        )
    )


def _repository(uow: UnitOfWork, name: str) -> Repository | None:
    return uow.scalar(
        select(Repository).where(Repository.project == uow.scope.project, Repository.name == name)
    )


def _require_repository(uow: UnitOfWork, name: str) -> Repository:
    return uow.one(
        select(Repository).where(Repository.project == uow.scope.project, Repository.name == name),
        f"repository {name}",
    )
