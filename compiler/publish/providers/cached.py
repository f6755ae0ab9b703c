"""A dry run without a token: Azure DevOps as the repository cache last saw it.

`publish --dry-run` is how a reviewer previews a change, often on a laptop with no
token and no network.  This provider answers from what is already known — the
cached bare clone of each repository (its branches as of the last fetch) and the
manifest — never from the network, and says what it therefore could not compare.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import git

from compiler.publish.git import tag_commit
from compiler.publish.inputs import RepoTarget
from compiler.publish.providers import PullRequestDraft, PullRequestInfo, RemoteRepository

NAME = "azure-devops"
"""The host this stands in for: its cache folder is the Azure DevOps one."""

ALWAYS_UNKNOWN = (
    "the remote branches since the cache was last fetched (no token: nothing was fetched)",
    "branch policies (not read without a token)",
    "the pull request (whether one is open, its description)",
    "pipelines, environments and their checks, variable groups and permissions "
    "(not read without a token)",
)


def cache_path(cache_dir: Path, provider: str, target: RepoTarget) -> Path:
    """Where publish keeps the bare clone of one target repository between runs."""
    return cache_dir / provider / target.tenant / target.project / f"{target.name}.git"


class CachedProvider:
    name = NAME

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir

    @classmethod
    def from_options(cls, options: Any, store: Any = None, **_: Any) -> CachedProvider:
        return cls(Path(options.cache_dir))

    def cache_path(self, target: RepoTarget) -> Path:
        return cache_path(self.cache_dir, NAME, target)

    def repository(self, target: RepoTarget, *, create: bool) -> RemoteRepository | None:
        """The repository as cached, or None when this machine never fetched it."""
        path = self.cache_path(target)
        if not (path / "HEAD").is_file():
            return None
        try:
            with git.Repo(path).config_reader() as config:
                url = str(config.get_value('remote "origin"', "url", ""))
        except (OSError, git.GitError):
            return None
        if not url:
            return None
        return RemoteRepository(target.config.name, url, target.config.default_branch)

    def not_compared(self, target: RepoTarget, remote: RemoteRepository | None) -> list[str]:
        """What a dry run from the cache could not know about this repository."""
        if remote is None:
            return [
                "the repository itself: it is not in the cache, so every file is shown as "
                "added; it may already exist in Azure DevOps",
                *ALWAYS_UNKNOWN[1:],
            ]
        fetched = self.cache_path(target) / "FETCH_HEAD"
        if fetched.is_file():
            stamp = datetime.datetime.fromtimestamp(fetched.stat().st_mtime, datetime.UTC)
            when = stamp.strftime("%Y-%m-%dT%H:%MZ")
            first = ALWAYS_UNKNOWN[0].replace("last fetched", f"last fetched ({when})")
            return [first, *ALWAYS_UNKNOWN[1:]]
        return list(ALWAYS_UNKNOWN)

    def git_environment(self) -> Mapping[str, str]:
        return {}

    def pipeline_setup(self, *, dry_run: bool) -> None:
        return None

    def retire(self, orphan: Any, *, dry_run: bool) -> list[str]:
        """Without a token nothing is read: what retiring does, not what is left to do."""
        pipeline = orphan.pipeline
        shown = [f"would disable pipeline {pipeline['name']}"] if pipeline else []
        return [*shown, f"would lock {orphan.default_branch} (not read without a token)"]

    def ensure_default_branch(self, target: RepoTarget, remote: RemoteRepository) -> list[str]:
        return []

    def find_tag(self, target: RepoTarget, remote: RemoteRepository, tag: str) -> str | None:
        """The tag as the cached clone last saw it (None: not known here)."""
        try:
            return tag_commit(self.cache_path(target), tag)
        except (OSError, git.GitError):
            return None

    def create_tag(self, target: RepoTarget, remote: RemoteRepository, tag: str, sha: str) -> None:
        raise AssertionError("a dry run never creates tags")

    def apply_policies(self, target: RepoTarget, remote: RemoteRepository) -> list[str]:
        return []

    def find_pull_request(
        self, target: RepoTarget, remote: RemoteRepository, source: str, dest: str
    ) -> PullRequestInfo | None:
        return None

    def create_pull_request(
        self, target: RepoTarget, remote: RemoteRepository, draft: PullRequestDraft
    ) -> PullRequestInfo:
        raise AssertionError("a dry run opens no pull request")

    def update_pull_request(
        self,
        target: RepoTarget,
        remote: RemoteRepository,
        existing: PullRequestInfo,
        draft: PullRequestDraft,
    ) -> PullRequestInfo:
        raise AssertionError("a dry run updates no pull request")
