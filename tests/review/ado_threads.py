"""The publish suite's Azure DevOps fake, plus pull-request comment threads.

Documented shapes (Git REST API 7.1, "Pull Request Threads" and "Pull Request
Thread Comments"):

- ``GET  {project}/_apis/git/repositories/{repo}/pullRequests/{id}/threads``
  -> ``{"count": n, "value": [GitPullRequestCommentThread]}``
- ``POST .../threads`` (a thread with its first comment) -> the thread, ids assigned
- ``PATCH .../threads/{threadId}/comments/{commentId}`` (``{"content"}``) -> the comment
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug import Request, Response

from tests.publish import azure_fake
from tests.publish.azure_fake import FakeAzureDevOps

THREAD_LOCATIONS = [
    ("ab6e2e5d-a0b7-4153-b64a-a4efe0d49449", "git", "pullRequestThreads", "{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}"),
    ("965a3ec7-5ed8-455a-bdcb-835a5ea7fe7b", "git", "pullRequestThreadComments", "{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}/comments/{commentId}"),
]  # fmt: skip


class FakeWithThreads(FakeAzureDevOps):
    """Threads per (repository, pull request); other people's threads can be seeded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.threads: dict[tuple[str, int], list[dict[str, Any]]] = {}

    def _routes(self) -> list[tuple[str, str, Any]]:
        threads = r"/([^/]+)/_apis/git/repositories/([^/]+)/pullRequests/(\d+)/threads"
        return [
            (threads, "GET", self.list_threads),
            (threads, "POST", self.create_thread),
            (threads + r"/(\d+)/comments/(\d+)", "PATCH", self.update_comment),
            *super()._routes(),
        ]

    def options(self, request: Request) -> Response:
        saved = list(azure_fake.LOCATIONS)
        azure_fake.LOCATIONS[:] = [*saved, *THREAD_LOCATIONS]
        try:
            return super().options(request)
        finally:
            azure_fake.LOCATIONS[:] = saved

    def seed(self, repo: str, number: int, content: str, author: str = "Alice") -> None:
        """A thread someone else wrote, which review must leave alone."""
        found = self.threads.setdefault((repo.lower(), number), [])
        comment = {
            "id": 1,
            "content": content,
            "commentType": "text",
            "author": {"displayName": author},
        }
        found.append({"id": len(found) + 1, "status": "active", "comments": [comment]})

    def list_threads(self, request: Request, project: str, repo: str, number: str) -> Response:
        value = self.threads.get((repo.lower(), int(number)), [])
        return _json({"count": len(value), "value": value})

    def create_thread(self, request: Request, project: str, repo: str, number: str) -> Response:
        body = json.loads(request.get_data(as_text=True))
        if not body.get("comments") or not body["comments"][0].get("content"):
            return _json({"message": "a thread needs a first comment"}, 400)
        found = self.threads.setdefault((repo.lower(), int(number)), [])
        comments = [
            {**c, "id": i + 1, "author": {"displayName": "Build Service"}}
            for i, c in enumerate(body["comments"])
        ]
        thread = {**body, "id": len(found) + 1, "comments": comments}
        found.append(thread)
        return _json(thread)

    def update_comment(
        self, request: Request, project: str, repo: str, number: str, thread: str, comment: str
    ) -> Response:
        body = json.loads(request.get_data(as_text=True))
        for found in self.threads.get((repo.lower(), int(number)), []):
            if found["id"] == int(thread):
                for item in found["comments"]:
                    if item["id"] == int(comment):
                        item["content"] = body["content"]
                        return _json(item)
        return _json({"message": f"TF401180: thread {thread} comment {comment} not found"}, 404)


def _json(document: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(document), status=status, content_type="application/json; charset=utf-8"
    )
