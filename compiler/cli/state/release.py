"""`shipspec release`: plans, approvals, promotions, rollbacks and status."""

from __future__ import annotations

from dataclasses import replace
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
from compiler.report import Outcome
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
def release_plan(c: StateContext, idempotency_key: str | None, **options: Any) -> Outcome:
    """Plan a release of a module version built by a successful build."""
    command = release.PlanRelease(**options, idempotency_key=idempotency_key)
    policy, actor = c.policy(), c.actor(authenticated=True)
    outcome = c.store().write(
        c.scope, lambda uow: release.plan_release(uow, command, policy, actor)
    )
    return c.result(render.record_line("release", outcome.record, outcome.replayed), outcome.record)


def _decide(
    c: StateContext, decision: str, ref: str, env: str, comment: str, key: str | None
) -> Outcome:
    command = release.Decide(ref, env, decision, comment, key)
    policy, actor = c.policy(), c.actor(authenticated=True)
    outcome = c.store().write(c.scope, lambda uow: release.decide(uow, command, policy, actor))
    return c.result(
        render.record_line(f"{decision}:", outcome.record, outcome.replayed), outcome.record
    )


@state_command(release_group, "approve", actor=True, specs=True, key=True)
@click.argument("release_ref", metavar="RELEASE")
@click.option("--env", "environment", required=True, help="Environment the approval is for.")
@click.option("--comment", default="", help="Why.")
def release_approve(
    c: StateContext, release_ref: str, environment: str, comment: str, idempotency_key: str | None
) -> Outcome:
    """Approve RELEASE (an id or MODULE@VERSION) for an environment, as yourself."""
    return _decide(c, "approved", release_ref, environment, comment, idempotency_key)


@state_command(release_group, "reject", actor=True, specs=True, key=True)
@click.argument("release_ref", metavar="RELEASE")
@click.option("--env", "environment", required=True, help="Environment the rejection is for.")
@click.option("--comment", default="", help="Why.")
def release_reject(
    c: StateContext, release_ref: str, environment: str, comment: str, idempotency_key: str | None
) -> Outcome:
    """Reject RELEASE for an environment; the decision is final."""
    return _decide(c, "rejected", release_ref, environment, comment, idempotency_key)


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
) -> Outcome:
    """Promote RELEASE to the next environment; it completes when its health gates pass."""
    command = promotion.Promote(release_ref, environment, parse_gates(gates), idempotency_key)
    policy, actor = c.policy(), c.actor(authenticated=True)
    outcome = c.store().write(c.scope, lambda uow: promotion.promote(uow, command, policy, actor))
    return _gated(
        c.result(render.record_line("promotion", outcome.record, outcome.replayed), outcome.record)
    )


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
) -> Outcome:
    """Roll a module in an environment back to a version that ran there."""
    command = promotion.Rollback(module, environment, version, parse_gates(gates), idempotency_key)
    policy, actor = c.policy(), c.actor(authenticated=True)
    outcome = c.store().write(c.scope, lambda uow: promotion.rollback(uow, command, policy, actor))
    return _gated(
        c.result(render.record_line("rollback", outcome.record, outcome.replayed), outcome.record)
    )


def _gated(outcome: Outcome) -> Outcome:
    """A promotion whose health gate failed is recorded as Failed, and the step that ran it
    must stop: exit 1."""
    record = outcome.data if isinstance(outcome.data, dict) else {}
    if record.get("status") != "Failed":
        return outcome
    note = f"health gate failed: {record.get('kind', 'promotion')} {record.get('id')} is Failed"
    return replace(outcome, exit_code=ExitCode.INVALID, notes=(note,))


@state_command(release_group, "status", specs=True)
@click.option("--module", help="Only this module.")
def release_status(c: StateContext, module: str | None) -> Outcome:
    """Per module: what runs in each environment, and what waits for whom."""
    policy = c.policy()
    with c.store().read(c.scope) as uow:
        view = status.release_status(uow, policy, module)
    return c.result(render.release_status(view), view)


# -- sync, events, infra, state ---------------------------------------------------------------
