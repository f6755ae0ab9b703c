"""The one pull request per repository: opened, updated when its text changed, recorded."""

from __future__ import annotations

from compiler.publish.git import CommitInfo
from compiler.publish.inputs import RepoTarget
from compiler.publish.message import pull_request_description, pull_request_title, trailers
from compiler.publish.options import Context
from compiler.publish.providers import PullRequestDraft, RemoteRepository
from compiler.publish.result import RepoResult


def open_pull_request(
    ctx: Context, target: RepoTarget, remote: RemoteRepository, head: CommitInfo, result: RepoResult
) -> None:
    assert result.proposal is not None
    lineage = [
        (k, v) for k, values in head.trailers.items() for v in values if k.startswith("Shipspec-")
    ]
    draft = PullRequestDraft(
        source_branch=result.branch,
        target_branch=remote.default_branch,
        title=pull_request_title(target),
        description=pull_request_description(target, result.proposal, lineage or trailers(target)),
        source_sha=head.sha,
    )
    existing = ctx.provider.find_pull_request(
        target, remote, draft.source_branch, draft.target_branch
    )
    if existing is None:
        info = ctx.provider.create_pull_request(target, remote, draft)
        result.actions.append(f"opened pull request {info.number}")
        result.status = "published"
    elif (existing.title, existing.description) != (draft.title, draft.description):
        info = ctx.provider.update_pull_request(target, remote, existing, draft)
        result.actions.append(f"updated pull request {info.number}")
        result.status = "published"
    else:
        info = existing
    result.pull_request = info
    ctx.recorder.pull_request(target, draft, info)
