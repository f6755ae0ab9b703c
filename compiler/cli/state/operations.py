"""`shipspec sync`, `events`, `infra` and `state`: GitOps sync, the outbox, stack locks, migrations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from compiler.cli.state import render
from compiler.cli.state.common import (
    StateContext,
    state_command,
)
from compiler.errors import UsageError
from compiler.report import Outcome
from compiler.state import Store
from compiler.state import migrate as migrations
from compiler.state.engine import resolve_url
from compiler.state.services import (
    events,
    infra,
    sync,
)


@click.group("sync")
def sync_group() -> None:
    """GitOps sync state: desired versus applied commit, and drift."""


@state_command(sync_group, "record", key=True)
@click.option("--app", "application", required=True, help="Argo CD / Flux application.")
@click.option("--env", "environment", required=True)
@click.option("--desired", "desired_commit", required=True, help="Commit the repo wants.")
@click.option("--applied", "applied_commit", help="Commit the cluster runs.")
@click.option("--drift", multiple=True, metavar="KIND/NAMESPACE/NAME", help="Drifted resource.")
def sync_record(
    c: StateContext, drift: tuple[str, ...], idempotency_key: str | None, **options: Any
) -> Outcome:
    """Record an observation of an application's sync state."""
    resources = []
    for value in drift:
        parts = value.split("/")
        if len(parts) != 3 or not all(parts):
            raise UsageError(f"--drift {value!r} is not KIND/NAMESPACE/NAME")
        resources.append((parts[0], parts[1], parts[2]))
    command = sync.RecordSync(**options, drift=tuple(resources), idempotency_key=idempotency_key)
    outcome = c.store().write(c.scope, lambda uow: sync.record_sync(uow, command))
    return c.result(render.record_line("sync", outcome.record, outcome.replayed), outcome.record)


@state_command(sync_group, "status")
@click.option("--app", "application", help="Only this application.")
def sync_status(c: StateContext, application: str | None) -> Outcome:
    """Sync state of every application and environment."""
    with c.store().read(c.scope) as uow:
        states = sync.sync_status(uow, application)
    return c.result(render.sync_table(states), states)


@click.group("events")
def events_group() -> None:
    """The outbox of domain events."""


@state_command(events_group, "list")
@click.option("--since", help="A sequence number or an ISO-8601 time; only later events.")
@click.option("--type", "event_type", help="Only events of this type.")
@click.option("--all-projects", is_flag=True, help="Every project of the tenant.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=1000, show_default=True)
def events_list(c: StateContext, **options: Any) -> Outcome:
    """List events, oldest first."""
    with c.store().read(c.scope) as uow:
        found = events.list_events(uow, **options)
    return c.result(render.events_table(found), found)


@click.group("infra")
def infra_group() -> None:
    """Infrastructure previews and applies (one apply per stack at a time)."""


@state_command(infra_group, "preview", actor=True, key=True)
@click.option("--stack", required=True)
@click.option("--program-sha", required=True)
@click.option("--failed", is_flag=True, help="The preview failed.")
def infra_preview(
    c: StateContext, stack: str, program_sha: str, failed: bool, idempotency_key: str | None
) -> Outcome:
    """Record a preview of a stack's program."""
    command, actor = infra.RecordPreview(stack, program_sha, not failed, idempotency_key), c.actor()
    outcome = c.store().write(c.scope, lambda uow: infra.record_preview(uow, command, actor))
    return c.result(render.record_line("preview", outcome.record, outcome.replayed), outcome.record)


@state_command(infra_group, "apply", actor=True, key=True)
@click.option("--stack", required=True)
@click.option("--program-sha", required=True)
@click.option(
    "--lease", "lease_seconds", type=click.IntRange(1), default=infra.DEFAULT_LEASE_SECONDS
)
def infra_apply(c: StateContext, idempotency_key: str | None, **options: Any) -> Outcome:
    """Start an apply: needs a successful preview of the sha; takes the stack's lock."""
    command, actor = infra.StartApply(**options, idempotency_key=idempotency_key), c.actor()
    outcome = c.store().write(c.scope, lambda uow: infra.start_apply(uow, command, actor))
    return c.result(render.record_line("apply", outcome.record, outcome.replayed), outcome.record)


@state_command(infra_group, "finish", key=True)
@click.argument("operation_id")
@click.option("--failed", is_flag=True, help="The apply failed.")
def infra_finish(
    c: StateContext, operation_id: str, failed: bool, idempotency_key: str | None
) -> Outcome:
    """Finish an apply and release the stack's lock."""
    command = infra.FinishApply(operation_id, not failed, idempotency_key)
    outcome = c.store().write(c.scope, lambda uow: infra.finish_apply(uow, command))
    return c.result(render.record_line("apply", outcome.record, outcome.replayed), outcome.record)


@click.group("state")
def state_group() -> None:
    """The state store's schema."""


@state_command(state_group, "upgrade", scoped=False)
@click.option("--revision", default="head", show_default=True)
def state_upgrade(c: StateContext, revision: str) -> Outcome:
    """Apply pending migrations."""
    url = resolve_url(c.url)
    Store(url, migrate=False)
    before = _guard(lambda: migrations.upgrade(url, revision), url)
    after = _guard(lambda: migrations.status(url), url)
    data = {"before": before.current, **after.to_record()}
    return c.result(f"schema {before.current or 'empty'} -> {after.current}", data)


@state_command(state_group, "downgrade", scoped=False)
@click.argument("revision")
def state_downgrade(c: StateContext, revision: str) -> Outcome:
    """Revert migrations down to REVISION (`base` drops every table)."""
    url = resolve_url(c.url)
    Store(url, migrate=False)
    before = _guard(lambda: migrations.downgrade(url, revision), url)
    after = _guard(lambda: migrations.status(url), url)
    return c.result(
        f"schema {before.current} -> {after.current or 'empty'}",
        {"before": before.current, **after.to_record()},
    )


@state_command(state_group, "current", scoped=False)
def state_current(c: StateContext) -> Outcome:
    """Show the schema revision of the store and the newest one this shipspec has."""
    url = resolve_url(c.url)
    Store(url, migrate=False)
    found = _guard(lambda: migrations.status(url), url)
    return c.result(f"schema {found.current or 'empty'} (head {found.head})", found.to_record())


def _guard(action: Callable[[], Any], url: str) -> Any:
    from compiler.state.store import database_errors

    with database_errors(url):
        return action()
