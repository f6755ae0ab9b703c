"""The one comment thread `shipspec review` keeps on the platform repository's pull request.

Through the azure-devops SDK (Git pull request threads): the first run creates a
thread whose first comment starts with the review marker; every later run finds that
thread and updates its comment in place, so a pull request never collects a pile of
reviews.  The retries, timeouts and error classification are publish's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from compiler.review.markdown import MARKER

if TYPE_CHECKING:
    from azure.devops.v7_1.git import GitClient

    from compiler.publish.providers.azure_devops import AzureDevOpsProvider

T = TypeVar("T")

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
    threads = _Threads.connect(pull_request)
    ours = _ours(threads.read())
    if ours is None:
        threads.create(content)
        return "created"
    thread_id, comment = ours
    if comment.content == content:
        return "unchanged"
    threads.update(thread_id, comment.id, content)
    return "updated"


@dataclass(frozen=True)
class _Threads:
    """The pull request's comment threads, through publish's Azure DevOps client and retries."""

    pull_request: PullRequest
    host: AzureDevOpsProvider
    git: GitClient

    @classmethod
    def connect(cls, pull_request: PullRequest) -> _Threads:
        from azure.devops.v7_1.git import GitClient

        from compiler.publish.providers.azure_devops import AzureDevOpsProvider
        from compiler.publish.retry import RetryPolicy
        from compiler.publish.secrets import token_from_environment

        host = AzureDevOpsProvider(token_from_environment(), "{organization}", RetryPolicy())
        return cls(pull_request, host, host.client(pull_request.collection_url, GitClient))

    def read(self) -> list[Any]:
        return self._call("read threads", lambda: self.git.get_threads(*self._args)) or []

    def create(self, content: str) -> None:
        from azure.devops.v7_1.git.models import Comment, GitPullRequestCommentThread

        thread = GitPullRequestCommentThread(
            comments=[Comment(content=content, comment_type="text", parent_comment_id=0)],
            status="active",
        )
        self._call("create the review thread", lambda: self.git.create_thread(thread, *self._args))

    def update(self, thread_id: int, comment_id: int, content: str) -> None:
        from azure.devops.v7_1.git.models import Comment

        update = Comment(content=content)
        repository, number, project = self._args
        self._call(
            "update the review thread",
            lambda: self.git.update_comment(
                update, repository, number, thread_id, comment_id, project
            ),
        )

    @property
    def _args(self) -> tuple[str, int, str]:
        """Repository, pull request number and project, as every thread call takes them."""
        return (self.pull_request.repository, self.pull_request.number, self.pull_request.project)

    def _call(self, action: str, request: Callable[[], T]) -> T:
        where = f"pull request {self.pull_request.number} of {self.pull_request.repository}"
        return self.host.call(f"{where}: {action}", PERMISSION, request)


def _ours(threads: list[Any]) -> tuple[int, Any] | None:
    """The thread this tool wrote: its first live comment starts with the marker."""
    for thread in sorted(threads, key=lambda t: t.id):
        comments = [c for c in thread.comments or [] if not c.is_deleted]
        if comments and (comments[0].content or "").startswith(MARKER):
            return thread.id, comments[0]
    return None
