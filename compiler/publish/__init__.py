"""The publish stage: compiled repositories to Git, one idempotent pull request each.

:func:`run` is the entry point the CLI (and tests) call: it opens the state store,
builds the provider and runs :func:`compiler.publish.stage.publish`.
"""

from __future__ import annotations

from pathlib import Path

from compiler.errors import UsageError
from compiler.publish.inputs import discover
from compiler.publish.options import BOT, Context, PublishOptions
from compiler.publish.providers import PROVIDERS, Provider, registry
from compiler.publish.providers.cached import CachedProvider
from compiler.publish.record import Recorder
from compiler.publish.result import PublishResult, RepoResult
from compiler.publish.retry import RetryPolicy
from compiler.publish.secrets import token_from_environment
from compiler.publish.stage import publish
from compiler.state import Store
from compiler.state.engine import resolve_url

__all__ = [
    "BOT",
    "PROVIDERS",
    "PublishOptions",
    "PublishResult",
    "RepoResult",
    "RetryPolicy",
    "run",
]


def run(
    options: PublishOptions,
    *,
    retry: RetryPolicy | None = None,
    provider: Provider | None = None,
) -> PublishResult:
    """Publish with the provider the options name (or the one given, for tests)."""
    policy = retry or RetryPolicy()
    store = open_store(options)
    if provider is None and _offline(options):
        offline = CachedProvider.from_options(options)
        context = Context(options, offline, Recorder(None), policy, offline=offline)
        return publish(options, context)
    if provider is None:
        factories = registry()
        if options.provider not in factories:
            raise UsageError(
                f"unknown provider {options.provider!r}", hint=f"use one of: {', '.join(PROVIDERS)}"
            )
        provider = factories[options.provider](options, store, retry=policy)
    recorder = Recorder(store, dry_run=options.dry_run)
    context = Context(options=options, provider=provider, recorder=recorder, retry=policy)
    result = publish(options, context)
    _subscribe_tracking(options, provider)
    return result


def _subscribe_tracking(options: PublishOptions, provider: Provider) -> None:
    """With SHIPSPEC_TRACKING_URL set, point the projects' service hooks at `serve`."""
    from compiler.publish.providers import azure_hooks

    tracking = azure_hooks.tracking_from_environment()
    if tracking is None or options.dry_run or provider.name != "azure-devops":
        return
    homes = azure_hooks.homes(discover(options.paths, options.only))
    azure_hooks.subscribe_all(provider, homes, tracking)


def _offline(options: PublishOptions) -> bool:
    """A dry run against Azure DevOps without a token compares with the cache instead."""
    if not options.dry_run or options.provider != CachedProvider.name:
        return False
    try:
        token_from_environment()
    except UsageError:
        return True
    return False


def open_store(options: PublishOptions) -> Store | None:
    """The state store; a dry run uses it only if it already exists (it writes nothing)."""
    url = resolve_url(options.state_url)
    missing = url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file()
    if options.dry_run and missing:
        return None
    return Store(url)
