"""`shipspec runs` and `shipspec builds`: pipeline runs, their stages and build results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from compiler.cli.state import render
from compiler.cli.state.common import (
    StateContext,
    parse_pairs,
    state_command,
)
from compiler.errors import UsageError
from compiler.report import Outcome
from compiler.state.models.base import RUN_STATES
from compiler.state.reports import read_cobertura, read_junit
from compiler.state.services import (
    builds,
    runs,
)


@click.group("runs")
def runs_group() -> None:
    """Pipeline runs and their stages."""


@state_command(runs_group, "start", actor=True, specs=True, key=True)
@click.option("--pipeline", required=True, help="Pipeline definition name.")
@click.option("--number", "run_number", required=True, help="The CI system's run number/id.")
@click.option("--module", help="Module the pipeline builds.")
@click.option("--commit", "source_commit", help="Source commit sha.")
@click.option("--branch", "source_branch", help="Source branch.")
def runs_start(c: StateContext, idempotency_key: str | None, **options: Any) -> Outcome:
    """Record that a run started."""
    command = runs.StartRun(**options, idempotency_key=idempotency_key)
    c.policy().check_run(command.pipeline, command.module)
    actor = c.actor()
    outcome = c.store().write(c.scope, lambda uow: runs.start_run(uow, command, actor))
    return c.result(render.record_line("run", outcome.record, outcome.replayed), outcome.record)


@state_command(runs_group, "update", key=True)
@click.argument("run_id")
@click.option("--status", type=click.Choice(RUN_STATES), help="New run status.")
@click.option("--stage", "stages", multiple=True, metavar="NAME=STATUS", help="Stage status.")
def runs_update(
    c: StateContext,
    run_id: str,
    status: str | None,
    stages: tuple[str, ...],
    idempotency_key: str | None,
) -> Outcome:
    """Move a run (and/or its stages) along Started -> InProgress -> a final state."""
    if status is None and not stages:
        raise UsageError("give --status and/or --stage")
    command = runs.UpdateRun(run_id, status, tuple(parse_pairs(stages, "--stage")), idempotency_key)
    outcome = c.store().write(c.scope, lambda uow: runs.update_run(uow, command))
    return c.result(render.record_line("run", outcome.record, outcome.replayed), outcome.record)


@state_command(runs_group, "list")
@click.option("--pipeline", help="Only this pipeline.")
@click.option("--status", type=click.Choice(RUN_STATES), help="Only runs in this status.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def runs_list(c: StateContext, pipeline: str | None, status: str | None, limit: int) -> Outcome:
    """List runs, newest first."""
    with c.store().read(c.scope) as uow:
        found = runs.list_runs(uow, pipeline=pipeline, status=status, limit=limit)
    return c.result(render.runs_table(found), found)


@state_command(runs_group, "show")
@click.argument("run_id")
def runs_show(c: StateContext, run_id: str) -> Outcome:
    """Show one run with its stages."""
    with c.store().read(c.scope) as uow:
        record = runs.show_run(uow, run_id)
    return c.result(render.run_detail(record), record)


# -- builds, images, packages -----------------------------------------------------------------


@click.group("builds")
def builds_group() -> None:
    """Build results: tests and coverage of a run."""


@state_command(builds_group, "ingest", key=True)
@click.option("--run", "run_id", required=True, help="Run id the results belong to.")
@click.option(
    "--junit",
    "junit",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="JUnit/xUnit/Surefire XML (repeatable).",
)
@click.option("--coverage", type=click.Path(path_type=Path, dir_okay=False), help="Cobertura XML.")
@click.option("--artifact", "artifact", multiple=True, metavar="NAME=URI", help="Build artifact.")
def builds_ingest(
    c: StateContext,
    run_id: str,
    junit: tuple[Path, ...],
    coverage: Path | None,
    artifact: tuple[str, ...],
    idempotency_key: str | None,
) -> Outcome:
    """Read test (and coverage) reports completely, then record them in one transaction."""
    tests = read_junit(list(junit))
    covered = read_cobertura(coverage) if coverage else None
    outputs = tuple((name, "artifact", uri) for name, uri in parse_pairs(artifact, "--artifact"))
    command = builds.IngestBuild(run_id, tests, covered, outputs, idempotency_key)
    outcome = c.store().write(c.scope, lambda uow: builds.ingest_build(uow, command))
    record = outcome.record
    summary = (
        f"build {record['id']}: {record['testsPassed']}/{record['testsTotal']} passed, "
        f"{record['testsFailed']} failed, {record['testsErrored']} errored, "
        f"{record['testsSkipped']} skipped"
    )
    return c.result(summary + (" (already recorded)" if outcome.replayed else ""), record)
