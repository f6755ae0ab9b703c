"""Git hosts publish can push to: one Protocol, one module per host, an explicit registry.

The stage does everything Git itself (through :mod:`compiler.publish.git`); a provider
only answers what differs between hosts: where a repository is (creating it), how
Git authenticates to it, branch policies, and pull requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from compiler.publish.inputs import RepoTarget


@dataclass(frozen=True)
class RemoteRepository:
    name: str
    url: str
    """Where Git fetches and pushes; never carries credentials."""
    default_branch: str
    external_id: str | None = None
    web_url: str | None = None
    created: bool = False


@dataclass(frozen=True)
class PullRequestDraft:
    source_branch: str
    target_branch: str
    title: str
    description: str
    source_sha: str


@dataclass(frozen=True)
class PullRequestInfo:
    number: str
    title: str
    description: str
    url: str | None = None


class Provider(Protocol):
    name: str

    def repository(self, target: RepoTarget, *, create: bool) -> RemoteRepository | None:
        """The remote repository, created when missing and ``create`` (else None)."""
        ...

    def git_environment(self) -> Mapping[str, str]:
        """Environment variables that let a git child process authenticate."""
        ...

    def apply_policies(self, target: RepoTarget, remote: RemoteRepository) -> list[str]:
        """Make the default branch's policies what the spec declares; what changed."""
        ...

    def ensure_default_branch(self, target: RepoTarget, remote: RemoteRepository) -> list[str]:
        """Make the host's default branch the declared one (once it exists); what changed."""
        ...

    def find_tag(self, target: RepoTarget, remote: RemoteRepository, tag: str) -> str | None:
        """The commit ``refs/tags/<tag>`` points at, or None."""
        ...

    def create_tag(self, target: RepoTarget, remote: RemoteRepository, tag: str, sha: str) -> None:
        """Create the tag; never moves an existing one."""
        ...

    def retire(self, orphan: Any, *, dry_run: bool) -> list[str]:
        """Stop an orphaned repository (a :class:`compiler.orphans.Orphan`) from shipping:
        disable its pipeline, lock its default branch; what changed (or would)."""
        ...

    def pipeline_setup(self, *, dry_run: bool) -> Any:
        """What provisions pipelines, environments, groups and permissions (None: nothing)."""
        ...

    def find_pull_request(
        self, target: RepoTarget, remote: RemoteRepository, source: str, dest: str
    ) -> PullRequestInfo | None: ...

    def create_pull_request(
        self, target: RepoTarget, remote: RemoteRepository, draft: PullRequestDraft
    ) -> PullRequestInfo: ...

    def update_pull_request(
        self,
        target: RepoTarget,
        remote: RemoteRepository,
        existing: PullRequestInfo,
        draft: PullRequestDraft,
    ) -> PullRequestInfo: ...


ProviderFactory = Callable[..., Provider]


def _azure_devops(*args: Any, **kwargs: Any) -> Provider:
    from compiler.publish.providers.azure_devops import AzureDevOpsProvider

    return AzureDevOpsProvider.from_options(*args, **kwargs)


def _local(*args: Any, **kwargs: Any) -> Provider:
    from compiler.publish.providers.local import LocalProvider

    return LocalProvider.from_options(*args, **kwargs)


def registry() -> dict[str, ProviderFactory]:
    """Provider name -> factory (options, store, retry=); `local` never loads the Azure SDK."""
    return {"azure-devops": _azure_devops, "local": _local}


PROVIDERS = ("azure-devops", "local")
