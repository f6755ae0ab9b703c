"""Pull requests of the published repositories, as Azure DevOps reports them.

An active pull request goes through the same upsert publish uses; a completed
(merged) or abandoned one closes the ledger's row, and a closed row never reopens.
"""

from __future__ import annotations

from sqlalchemy import select

from compiler.state import UnitOfWork
from compiler.state.models import PullRequest, Repository
from compiler.state.models.base import utcnow
from compiler.state.services import source
from compiler.track.ledger import attempt
from compiler.track.observations import PullRequestSeen

CLOSED = ("completed", "abandoned")


def apply_pull_request(uow: UnitOfWork, seen: PullRequestSeen) -> None:
    repository = uow.scalar(
        select(Repository).where(
            Repository.project == uow.scope.project, Repository.name == seen.repository
        )
    )
    if repository is None:
        return
    row = uow.scalar(
        select(PullRequest).where(
            PullRequest.repository_id == repository.id, PullRequest.external_id == seen.number
        )
    )
    if seen.status in CLOSED:
        _close(uow, row, seen)
    elif row is None or row.status == "active":
        fields = source.PullRequestFields(
            repository=seen.repository,
            source_branch=seen.source_branch,
            target_branch=seen.target_branch,
            title=seen.title,
            description=seen.description,
            source_sha=seen.source_sha,
            external_id=seen.number,
            url=seen.url,
        )
        attempt(uow, f"pull request {seen.number}", lambda: source.record_pull_request(uow, fields))


def _close(uow: UnitOfWork, row: PullRequest | None, seen: PullRequestSeen) -> None:
    if row is None or row.status in CLOSED:
        return
    row.status = seen.status
    row.updated_at = utcnow()
    uow.session.flush()
    event = "PullRequestMerged" if seen.status == "completed" else "PullRequestAbandoned"
    uow.emit(event, row.id, {"repository": seen.repository, "number": seen.number})
