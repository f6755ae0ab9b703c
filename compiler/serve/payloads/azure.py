"""Azure DevOps service-hook payloads (the ``webHooks`` consumer's JSON).

One envelope (``id``, ``eventType``, ``resource``) for every event; the resource's
shape depends on the event type.  Shapes follow the samples in Azure DevOps'
"Service hook events" documentation; tests replay them from tests/serve/fixtures.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from compiler.track.observations import (
    ApprovalSeen,
    CommitSeen,
    Observation,
    PullRequestSeen,
    PushSeen,
    RunSeen,
    StepSeen,
    ledger_status,
)
from compiler.track.routes import ADO_PIPELINE, ADO_REPOSITORY

Name = Field(min_length=1, max_length=500)


class Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Envelope(Loose):
    id: str = Field(min_length=1, max_length=200)
    eventType: str = Field(min_length=1, max_length=200)
    resource: dict[str, Any]


class Identity(Loose):
    displayName: str | None = None
    uniqueName: str | None = None

    @property
    def name(self) -> str | None:
        return self.uniqueName or self.displayName


class Reference(Loose):
    id: int | str | None = None
    name: str = Name


class Link(Loose):
    href: str | None = None


class Links(Loose):
    web: Link | None = None


class Build(Loose):
    id: int
    buildNumber: str = Name
    status: str | None = None
    result: str | None = None
    definition: Reference
    requestedFor: Identity | None = None
    sourceBranch: str | None = None
    sourceVersion: str | None = None
    links: Links | None = Field(default=None, alias="_links")


class Run(Loose):
    id: int
    name: str = Name
    state: str | None = None
    result: str | None = None
    links: Links | None = Field(default=None, alias="_links")


class Stage(Loose):
    name: str = Name
    state: str | None = None
    result: str | None = None


class RunEvent(Loose):
    run: Run
    pipeline: Reference


class StageEvent(Loose):
    stage: Stage
    run: Run
    pipeline: Reference


class Step(Loose):
    assignedApprover: Identity
    actualApprover: Identity | None = None
    status: str = Name
    comment: str | None = None


class Approval(Loose):
    id: str = Name
    status: str = Name
    steps: list[Step] = []
    minRequiredApprovers: int | None = None


class ApprovalEvent(Loose):
    approval: Approval
    pipeline: Reference | None = None
    run: Run | None = None
    stage: Stage | None = None


class ProjectRef(Loose):
    name: str | None = None


class Repository(Loose):
    name: str = Name
    project: ProjectRef | None = None


class Commit(Loose):
    commitId: str = Field(min_length=4, max_length=100)
    comment: str = ""


class RefUpdate(Loose):
    name: str = Name


class Push(Loose):
    repository: Repository
    commits: list[Commit] = []
    refUpdates: list[RefUpdate] = []
    pushedBy: Identity | None = None


class CommitRef(Loose):
    commitId: str | None = None


class PullRequest(Loose):
    repository: Repository
    pullRequestId: int
    status: str = Name
    sourceRefName: str = Name
    targetRefName: str = Name
    title: str = ""
    description: str | None = None
    lastMergeSourceCommit: CommitRef | None = None
    url: str | None = None


def parse(envelope: Envelope) -> tuple[str, str, str | None, list[Observation]] | None:
    """(route kind, route key, Azure DevOps project or None, observations), or None for
    an event type shipspec does not track."""
    handler = HANDLERS.get(envelope.eventType)
    return None if handler is None else handler(envelope.resource)


def _build(resource: dict[str, Any]) -> tuple[str, str, str | None, list[Observation]]:
    build = Build.model_validate(resource)
    seen = RunSeen(
        pipeline=build.definition.name,
        build_id=build.id,
        run_number=build.buildNumber,
        status=ledger_status(build.status, build.result),
        source_commit=build.sourceVersion,
        source_branch=build.sourceBranch,
        requested_by=build.requestedFor.name if build.requestedFor else None,
        url=_web(build.links),
    )
    return ADO_PIPELINE, seen.pipeline, None, [seen]


def _run(resource: dict[str, Any]) -> tuple[str, str, str | None, list[Observation]]:
    event = RunEvent.model_validate(resource)
    return ADO_PIPELINE, event.pipeline.name, None, [_run_seen(event.pipeline, event.run)]


def _stage(resource: dict[str, Any]) -> tuple[str, str, str | None, list[Observation]]:
    event = StageEvent.model_validate(resource)
    status = ledger_status(event.stage.state, event.stage.result)
    stages = ((event.stage.name, status),) if status else ()
    seen = _run_seen(event.pipeline, event.run, stages, status_known=False)
    return ADO_PIPELINE, event.pipeline.name, None, [seen]


def _run_seen(
    pipeline: Reference,
    run: Run,
    stages: tuple[tuple[str, str], ...] = (),
    *,
    status_known: bool = True,
) -> RunSeen:
    status = ledger_status(run.state, run.result) if status_known else "InProgress"
    return RunSeen(
        pipeline=pipeline.name,
        build_id=run.id,
        run_number=run.name,
        status=status,
        url=_web(run.links),
        stages=stages,
    )


def _approval(resource: dict[str, Any]) -> tuple[str, str, str | None, list[Observation]]:
    event = ApprovalEvent.model_validate(resource)
    approval = event.approval
    steps = tuple(
        StepSeen(
            approver=(step.actualApprover or step.assignedApprover).name or "",
            status=step.status,
            comment=step.comment or "",
        )
        for step in approval.steps
    )
    pipeline = event.pipeline.name if event.pipeline else ""
    seen = ApprovalSeen(
        external_id=approval.id,
        pipeline=pipeline,
        build_id=event.run.id if event.run else None,
        stage=event.stage.name if event.stage else None,
        status=approval.status,
        steps=steps,
        required=approval.minRequiredApprovers or 1,
    )
    return ADO_PIPELINE, pipeline, None, [seen]


def _push(resource: dict[str, Any]) -> tuple[str, str, str | None, list[Observation]]:
    push = Push.model_validate(resource)
    branch = push.refUpdates[0].name.removeprefix("refs/heads/") if push.refUpdates else ""
    seen = PushSeen(
        repository=push.repository.name,
        branch=branch,
        commits=tuple(CommitSeen(c.commitId, c.comment) for c in push.commits),
        pushed_by=(push.pushedBy.name if push.pushedBy else None) or "",
    )
    return ADO_REPOSITORY, seen.repository, _project(push.repository), [seen]


def _pull_request(resource: dict[str, Any]) -> tuple[str, str, str | None, list[Observation]]:
    pr = PullRequest.model_validate(resource)
    seen = PullRequestSeen(
        repository=pr.repository.name,
        number=str(pr.pullRequestId),
        status=pr.status.casefold(),
        source_branch=pr.sourceRefName.removeprefix("refs/heads/"),
        target_branch=pr.targetRefName.removeprefix("refs/heads/"),
        title=pr.title,
        description=pr.description or "",
        source_sha=pr.lastMergeSourceCommit.commitId if pr.lastMergeSourceCommit else None,
        url=pr.url,
    )
    return ADO_REPOSITORY, seen.repository, _project(pr.repository), [seen]


def _project(repository: Repository) -> str | None:
    return repository.project.name if repository.project else None


def _web(links: Links | None) -> str | None:
    return links.web.href if links and links.web else None


HANDLERS = {
    "build.complete": _build,
    "ms.vss-pipelines.run-state-changed-event": _run,
    "ms.vss-pipelines.stage-state-changed-event": _stage,
    "ms.vss-pipelinechecks-events.approval-pending": _approval,
    "ms.vss-pipelinechecks-events.approval-completed": _approval,
    "git.push": _push,
    "git.pullrequest.created": _pull_request,
    "git.pullrequest.updated": _pull_request,
    "git.pullrequest.merged": _pull_request,
}
EVENT_TYPES = tuple(sorted(HANDLERS))
