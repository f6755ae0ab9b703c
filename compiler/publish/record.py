"""Publish's writes to the state store: Repository, Branch, Commit and PullRequest rows.

Each is an idempotent upsert (see :mod:`compiler.state.services.source`), so a run
that is repeated, or resumed after failing halfway, leaves exactly one row of each.
No token ever reaches these rows: URLs come from the host without credentials.
"""

from __future__ import annotations

import json
from typing import Any

from compiler.layout import PIPELINE_DECLARATION
from compiler.publish.inputs import RepoTarget
from compiler.publish.providers import PullRequestDraft, PullRequestInfo, RemoteRepository
from compiler.state import Store
from compiler.state.services import source


class Recorder:
    """Writes to a store; reads only in a dry run, which records nothing; no-op without one."""

    def __init__(self, store: Store | None, *, dry_run: bool = False) -> None:
        self.store = store
        self.writes = store if not dry_run else None

    def repository(self, target: RepoTarget, remote: RemoteRepository, provider: str) -> None:
        if self.writes is None:
            return
        command = source.RecordRepository(
            name=target.name,
            default_branch=remote.default_branch,
            provider=provider,
            remote_url=remote.web_url or remote.url,
            external_id=remote.external_id,
            home=home(target),
        )
        self.writes.write(target.scope, lambda uow: source.record_repository(uow, command))

    def retired(self, orphan: Any, actions: list[str]) -> None:
        if self.writes is None:
            return
        self.writes.write(
            orphan.scope, lambda uow: source.retire_repository(uow, orphan.name, actions)
        )

    def branch(
        self, target: RepoTarget, branch: str, head: str, commit: source.RecordCommit | None
    ) -> None:
        if self.writes is None:
            return

        def work(uow: source.UnitOfWork) -> None:
            source.record_branch(uow, target.name, branch, head)
            if commit is not None:
                source.record_commit(uow, commit)

        self.writes.write(target.scope, work)

    def pull_request(
        self, target: RepoTarget, draft: PullRequestDraft, info: PullRequestInfo
    ) -> None:
        if self.writes is None:
            return
        fields = source.PullRequestFields(
            repository=target.name,
            source_branch=draft.source_branch,
            target_branch=draft.target_branch,
            title=info.title,
            description=info.description,
            source_sha=draft.source_sha,
            external_id=info.number,
            url=info.url,
        )
        self.writes.write(target.scope, lambda uow: source.record_pull_request(uow, fields))

    def known_commits(self, target: RepoTarget) -> set[str]:
        if self.store is None:
            return set()
        with self.store.read(target.scope) as uow:
            return source.known_commits(uow, target.name)


def home(target: RepoTarget) -> dict[str, Any]:
    """What retiring the repository needs once its folder is gone: where it lives, the
    module it holds and its pipeline, as its own declarations say."""
    config = target.config
    document: dict[str, Any] = {
        "organization": config.organization,
        "project": config.project,
        "module": config.module,
    }
    declared = next((f for f in target.files if f.path == PIPELINE_DECLARATION), None)
    if declared is not None:
        pipeline = json.loads(declared.data.decode("utf-8")).get("pipeline") or {}
        document["pipeline"] = {"name": pipeline.get("name"), "folder": pipeline.get("folder")}
    return document
