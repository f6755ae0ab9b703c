"""`shipspec release`: plans, approvals, promotions, rollbacks and status."""

from __future__ import annotations

import sys
from typing import Any

import click

from compiler.cli.state import render
from compiler.cli.state.common import (
    StateContext,
    gate_option,
    parse_gates,
    state_command,
)
from compiler.errors import ExitCode
from compiler.state.services import (
    promotion,
    release,
    status,
)


@click.group("release")
def release_group() -> None:
    """Release plans, approvals, promotions along the environment path, rollbacks."""


@state_command(release_group, "plan", actor=True, specs=True, key=True)
@click.option("--module", required=True, help="Module to release.")
@click.option("--version", required=True, help="Version (unique per module).")
@click.option("--run", "run_id", required=True, help="Run whose successful build is released.")
@click.option("--image", "image_id", help="Recorded image id to deploy.")
def release_plan(c: StateContext, idempotency_key: str | None, **options: Any) -> None:
    """Plan a release of a module version built by a successful build."""
    command = release.PlanRelease(**options, idempotency_key=idempotency_key)
    policy, actor = c.policy(), c.actor(authenticated=True)
    outcome = c.store().write(
        c.scope, lambda uow: release.plan_release(uow, command, policy, actor)
    )
    c.report(render.record_line("release", outcome.record, outcome.replayed), outcome.record)


def _decide(
    c: StateContext, decision: str, ref: str, env: str, comment: str, key: str | None
) -> None:
    command = release.Decide(ref, env, decision, comment, key)
    policy, actor = c.policy(), c.actor(authenticated=True)
    outcome = c.store().write(c.scope, lambda uow: release.decide(uow, command, policy, actor))
    c.report(render.record_line(f"{decision}:", outcome.record, outcome.replayed), outcome.record)


@state_command(release_group, "approve", actor=True, specs=True, key=True)
@click.argument("release_ref", metavar="RELEASE")
@click.option("--env", "environment", required=True, help="Environment the approval is for.")
@click.option("--comment", default="", help="Why.")
def release_approve(
    c: StateContext, release_ref: str, environment: str, comment: str, idempotency_key: str | None
) -> None:
    """Approve RELEASE (an id or MODULE@VERSION) for an environment, as yourself."""
    _decide(c, "approved", release_ref, environment, comment, idempotency_key)


@state_command(release_group, "reject", actor=True, specs=True, key=True)
@click.argument("release_ref", metavar="RELEASE")
@click.option("--env", "environment", required=True, help="Environment the rejection is for.")
@click.option("--comment", default="", help="Why.")
def release_reject(
    c: StateContext, release_ref: str, environment: str, comment: str, idempotency_key: str | None
) -> None:
    """Reject RELEASE for an environment; the decision is final."""
    _decide(c, "rejected", release_ref, environment, comment, idempotency_key)


@state_command(release_group, "promote", actor=True, specs=True, key=True)
@click.argument("release_ref", metavar="RELEASE")
@click.option("--to", "environment", required=True, help="Target environment.")
@gate_option
def release_promote(
    c: StateContext,
    release_ref: str,
    environment: str,
    gates: tuple[str, ...],
    idempotency_key: str | None,
) -> None:
    """Promote RELEASE to the next environment; it completes when its health gates pass."""
    command = promotion.Promote(release_ref, environment, parse_gates(gates), idempotency_key)
    policy, actor = c.policy(), c.actor(authenticated=True)
    outcome = c.store().write(c.scope, lambda uow: promotion.promote(uow, command, policy, actor))
    c.report(render.record_line("promotion", outcome.record, outcome.replayed), outcome.record)
    _exit_if_failed(outcome.record)


@state_command(release_group, "rollback", actor=True, specs=True, key=True)
@click.option("--module", required=True)
@click.option("--env", "environment", required=True)
@click.option("--to", "version", required=True, help="A version that was live there before.")
@gate_option
def release_rollback(
    c: StateContext,
    module: str,
    environment: str,
    version: str,
    gates: tuple[str, ...],
    idempotency_key: str | None,
) -> None:
    """Roll a module in an environment back to a version that ran there."""
    command = promotion.Rollback(module, environment, version, parse_gates(gates), idempotency_key)
    policy, actor = c.policy(), c.actor(authenticated=True)
    outcome = c.store().write(c.scope, lambda uow: promotion.rollback(uow, command, policy, actor))
    c.report(render.record_line("rollback", outcome.record, outcome.replayed), outcome.record)
    _exit_if_failed(outcome.record)


def _exit_if_failed(record: dict[str, object]) -> None:
    """A promotion whose health gate failed is recorded as Failed, and the step that ran it
    must stop: exit 1."""
    if record.get("status") == "Failed":
        click.echo(
            f"health gate failed: {record.get('kind', 'promotion')} {record.get('id')} is Failed",
            err=True,
        )
        sys.exit(ExitCode.INVALID)


@state_command(release_group, "status", specs=True)
@click.option("--module", help="Only this module.")
def release_status(c: StateContext, module: str | None) -> None:
    """Per module: what runs in each environment, and what waits for whom."""
    policy = c.policy()
    with c.store().read(c.scope) as uow:
        view = status.release_status(uow, policy, module)
    c.report(render.release_status(view), view)


# -- sync, events, infra, state ---------------------------------------------------------------
