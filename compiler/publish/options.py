"""What one publish run is given: its options, and the context its steps share.

The options come from the command line (a frozen object); the context adds what
the run is made with: the provider of the Git host, the recorder of the state
store, the retry policy, and for a dry run without a token the offline provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler.publish.git import Identity
from compiler.publish.providers import Provider
from compiler.publish.providers.cached import CachedProvider
from compiler.publish.record import Recorder
from compiler.publish.retire import Retirement
from compiler.publish.retry import RetryPolicy

BOT = Identity("shipspec-bot", "shipspec-bot@noreply.invalid")


@dataclass(frozen=True)
class PublishOptions:
    paths: tuple[Path, ...]
    only: tuple[str, ...] = ()
    provider: str = "azure-devops"
    dry_run: bool = False
    force: bool = False
    allow_mass_delete: bool = False
    allow_stale: bool = False
    retire: bool = False
    max_delete_share: float = 0.5
    branch_template: str = "shipspec/{project}"
    author: Identity = BOT
    committer: Identity | None = None
    cache_dir: Path = Path(".shipspec/cache/repos")
    remotes_dir: Path = Path(".shipspec/remotes")
    state_url: str | None = None
    azure_devops_url: str = "https://dev.azure.com/{organization}"

    @property
    def committer_identity(self) -> Identity:
        return self.committer or self.author


@dataclass(frozen=True)
class Context:
    options: PublishOptions
    provider: Provider
    recorder: Recorder
    retry: RetryPolicy
    offline: CachedProvider | None = None
    """Set for a dry run without a token: nothing is fetched, gaps are reported."""
    retirement: Retirement | None = None
    """The orphans of this run and the GitOps pins of retired modules to remove."""
