"""What the tracker saw, in one vocabulary for webhooks and the poller alike.

A webhook payload and a poll of the same API both become these observations; one
module (:mod:`compiler.track.apply`) turns them into ledger writes.  So a missed
webhook and a poll, or a webhook and its replay, end in the same ledger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from compiler.state.reports import Coverage, TestSummary

SUCCEEDED = frozenset({"succeeded", "partiallysucceeded", "succeededwithissues"})
FAILED = frozenset({"failed"})
CANCELED = frozenset({"canceled", "cancelled", "abandoned", "stopped"})
RUNNING = frozenset({"inprogress", "canceling", "cancelling", "running"})
PROMOTE = re.compile(r"^promote (?P<module>[A-Za-z0-9._-]+) to (?P<env>[A-Za-z0-9._-]+)\s*$")
TRAILER = re.compile(r"^(?P<key>Image-Digest|Build-Id):\s*(?P<value>\S+)\s*$", re.MULTILINE)


def ledger_status(state: str | None, result: str | None) -> str | None:
    """The ledger's run status for an Azure DevOps state and result (None: not started).

    >>> ledger_status("completed", "partiallySucceeded")
    'Succeeded'
    >>> ledger_status("inProgress", None)
    'InProgress'
    >>> ledger_status("completed", "skipped") is None
    True
    """
    state, result = (state or "").casefold(), (result or "").casefold()
    if state == "completed":
        if result in SUCCEEDED:
            return "Succeeded"
        if result in FAILED:
            return "Failed"
        return "Canceled" if result in CANCELED else None
    if state in RUNNING:
        return "InProgress"
    return None


@dataclass(frozen=True)
class RunSeen:
    """A pipeline run (an Azure DevOps build) and, when known, its stages."""

    pipeline: str
    build_id: int
    run_number: str
    status: str | None
    source_commit: str | None = None
    source_branch: str | None = None
    requested_by: str | None = None
    url: str | None = None
    stages: tuple[tuple[str, str], ...] = ()  # (stage, ledger status)


@dataclass(frozen=True)
class TestsSeen:
    __test__ = False

    pipeline: str
    build_id: int
    tests: TestSummary
    coverage: Coverage | None


@dataclass(frozen=True)
class ImageSeen:
    pipeline: str
    build_id: int
    registry: str
    repository: str
    digest: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class PackageSeen:
    pipeline: str
    build_id: int
    feed: str
    package_id: str
    version: str
    sha256: str


@dataclass(frozen=True)
class StepSeen:
    approver: str
    status: str  # pending | approved | rejected | ...
    comment: str = ""


@dataclass(frozen=True)
class ApprovalSeen:
    """An environment approval; the stage (or environment) tells which environment."""

    external_id: str
    pipeline: str | None
    build_id: int | None
    stage: str | None
    status: str
    steps: tuple[StepSeen, ...]
    required: int = 1
    ado_environment: str | None = None


@dataclass(frozen=True)
class CommitSeen:
    sha: str
    message: str

    def promotion(self) -> tuple[str, str, str | None, int | None] | None:
        """(module, environment, digest, build id) when this is a deploy stage's commit.

        >>> CommitSeen("c1", "promote api to dev\\n\\nImage-Digest: sha256:ab\\nBuild-Id: 7").promotion()
        ('api', 'dev', 'sha256:ab', 7)
        """
        first = self.message.splitlines()[0] if self.message else ""
        match = PROMOTE.match(first)
        if match is None:
            return None
        trailers = {m["key"]: m["value"] for m in TRAILER.finditer(self.message)}
        build = trailers.get("Build-Id", "")
        return (
            match["module"],
            match["env"],
            trailers.get("Image-Digest"),
            int(build) if build.isdigit() else None,
        )


@dataclass(frozen=True)
class PushSeen:
    repository: str
    branch: str
    commits: tuple[CommitSeen, ...]
    pushed_by: str = ""


@dataclass(frozen=True)
class PullRequestSeen:
    repository: str
    number: str
    status: str  # active | completed | abandoned
    source_branch: str
    target_branch: str
    title: str
    description: str = ""
    source_sha: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class SyncSeen:
    """Argo CD application / Flux object state: desired and applied revision, health."""

    application: str
    desired: str | None
    applied: str | None
    sync_status: str
    health_status: str
    drift: tuple[tuple[str, str, str], ...] = ()


Observation = (
    RunSeen
    | TestsSeen
    | ImageSeen
    | PackageSeen
    | ApprovalSeen
    | PushSeen
    | PullRequestSeen
    | SyncSeen
)
