"""What publish reports: one result per repository, and the run's exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.errors import ExitCode
from compiler.publish.changes import Proposal
from compiler.publish.providers import PullRequestInfo


@dataclass
class RepoResult:
    key: str
    branch: str
    status: str = "up-to-date"
    """published, up-to-date, would-publish, refused, failed or skipped"""
    actions: list[str] = field(default_factory=list)
    commit: str | None = None
    pull_request: PullRequestInfo | None = None
    proposal: Proposal | None = None
    diff: str = ""
    error: str = ""
    hint: str = ""
    exit_code: int = ExitCode.OK
    not_compared: list[str] = field(default_factory=list)
    """What a dry run could not check (e.g. without a token: the remote as it is now)."""
    tag: str | None = None
    """The tag publish created or found (pipeline-templates)."""
    kind: str = "repository"
    """``repository``, or ``azure-devops``: a project's pipelines, environments, groups."""

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "repository": self.key,
            "branch": self.branch,
            "status": self.status,
            "actions": self.actions,
            "commit": self.commit,
            "pullRequest": None
            if self.pull_request is None
            else {"number": self.pull_request.number, "url": self.pull_request.url},
            "changes": None
            if self.proposal is None
            else {"totals": self.proposal.totals(), "families": self.proposal.counts()},
        }
        if self.not_compared:
            record["notCompared"] = self.not_compared
        if self.tag:
            record["tag"] = self.tag
        if self.kind != "repository":
            record["kind"] = self.kind
        if self.diff:
            record["diff"] = self.diff
        if self.error:
            record.update(error=self.error, hint=self.hint, exitCode=int(self.exit_code))
        return record


@dataclass(frozen=True)
class PublishResult:
    repositories: tuple[RepoResult, ...]

    @property
    def exit_code(self) -> int:
        return max((r.exit_code for r in self.repositories), default=ExitCode.OK)
