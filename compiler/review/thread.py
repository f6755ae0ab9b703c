"""The one comment thread `shipspec review` keeps on the platform repository's pull request.

Through the azure-devops SDK (Git pull request threads): the first run creates a
thread whose first comment starts with the review marker; every later run finds that
thread and updates its comment in place, so a pull request never collects a pile of
reviews.  The retries, timeouts and error classification are publish's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.review.markdown import MARKER

PERMISSION = "Contribute to pull requests (on the platform repository)"


@dataclass(frozen=True)
class PullRequest:
    """Where the platform pull request lives (Azure Pipelines' predefined variables)."""

    collection_url: str
    project: str
    repository: str
    number: int

    @property
    def web_url(self) -> str:
        base = self.collection_url.rstrip("/")
        return f"{base}/{self.project}/_git/{self.repository}/pullrequest/{self.number}"


def post(pull_request: PullRequest, content: str) -> str:
    """Create or update the review thread; returns what was done ("created", "updated", "unchanged")."""
    from azure.devops.v7_1.git import GitClient
    from azure.devops.v7_1.git.models import Comment, GitPullRequestCommentThread

    from compiler.publish.providers.azure_devops import AzureDevOpsProvider
    from compiler.publish.retry import RetryPolicy
    from compiler.publish.secrets import token_from_environment

    host = AzureDevOpsProvider(token_from_environment(), "{organization}", RetryPolicy())
    git = host.client(pull_request.collection_url, GitClient)
    where = f"pull request {pull_request.number} of {pull_request.repository}"
    args = (pull_request.repository, pull_request.number, pull_request.project)
    threads = host.call(f"{where}: read threads", PERMISSION, lambda: git.get_threads(*args))
    ours = _ours(threads or [])
    if ours is None:
        thread = GitPullRequestCommentThread(
            comments=[Comment(content=content, comment_type="text", parent_comment_id=0)],
            status="active",
        )
        host.call(
            f"{where}: create the review thread",
            PERMISSION,
            lambda: git.create_thread(thread, *args),
        )
        return "created"
    thread_id, comment = ours
    if comment.content == content:
        return "unchanged"
    update = Comment(content=content)
    host.call(
        f"{where}: update the review thread",
        PERMISSION,
        lambda: git.update_comment(
            update,
            pull_request.repository,
            pull_request.number,
            thread_id,
            comment.id,
            pull_request.project,
        ),
    )
    return "updated"


def _ours(threads: list[Any]) -> tuple[int, Any] | None:
    """The thread this tool wrote: its first live comment starts with the marker."""
    for thread in sorted(threads, key=lambda t: t.id):
        comments = [c for c in thread.comments or [] if not c.is_deleted]
        if comments and (comments[0].content or "").startswith(MARKER):
            return thread.id, comments[0]
    return None
