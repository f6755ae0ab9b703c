"""The ledger's rules against the people and processes that use it: concurrent replays,
the stack lock's holder, first sync sight, plans of the right module, known pipelines,
builds without tests, failed gates and hostile report files. Both back ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from compiler.state import Scope, Store
from compiler.state.errors import InvariantError
from compiler.state.models import BuildResult, InfrastructurePlan, StackLock
from compiler.state.reports import TestSummary
from compiler.state.services import builds, infra, release, runs, sync

from .cli import Shipspec
from .helpers import ALICE, CI, PLANNER, successful_run
from .racers import policy_for
from .test_concurrency import run_race

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def in_progress_run(store: Store, scope: Scope) -> str:
    run = store.write(
        scope,
        lambda u: runs.start_run(u, runs.StartRun("payments-api-ci", "9", "payments-api"), CI),
    )
    run_id = run.record["id"]
    store.write(scope, lambda u: runs.update_run(u, runs.UpdateRun(run_id, "InProgress")))
    return run_id


def test_identical_concurrent_updates_are_all_replays_of_one_write(
    state_url: str, store: Store, scope: Scope
) -> None:
    run_id = in_progress_run(store, scope)
    outcomes = run_race(state_url, scope.tenant, [("succeed", run_id)] * 10)
    assert {o[0] for o in outcomes} == {"ok"}, outcomes
    assert sorted(o[2] for o in outcomes) == [False] + [True] * 9


def preview(store: Store, scope: Scope) -> None:
    store.write(
        scope, lambda u: infra.record_preview(u, infra.RecordPreview("prod", "sha-1", True), CI)
    )


def test_concurrent_applies_without_a_key_get_one_lock_and_the_rest_are_refused(
    state_url: str, store: Store, scope: Scope
) -> None:
    preview(store, scope)
    outcomes = run_race(state_url, scope.tenant, [("apply-default", "")] * 6)
    assert [o[0] for o in outcomes].count("ok") == 1, outcomes
    refused = [o for o in outcomes if o[0] == "error"]
    assert all("is locked by alice@contoso.com since" in o[1] for o in refused)
    with store.read(scope) as uow:
        assert len(uow.scalars(select(StackLock))) == 1
        applies = select(InfrastructurePlan).where(InfrastructurePlan.operation == "apply")
        assert len(uow.scalars(applies)) == 1


def test_a_second_actor_is_refused_naming_the_holder_and_since_when(
    store: Store, scope: Scope
) -> None:
    preview(store, scope)
    first = store.write(
        scope, lambda u: infra.start_apply(u, infra.StartApply("prod", "sha-1"), CI)
    )
    with pytest.raises(InvariantError, match=r"locked by azure-pipelines since \d{4}-"):
        store.write(scope, lambda u: infra.start_apply(u, infra.StartApply("prod", "sha-1"), ALICE))
    assert not first.replayed


def test_a_first_out_of_sync_observation_is_recorded(store: Store, scope: Scope) -> None:
    lagging = sync.RecordSync("payments-api", "prod", "b" * 40, "a" * 40)
    record = store.write(scope, lambda u: sync.record_sync(u, lagging)).record
    assert (record["desiredCommit"], record["appliedCommit"]) == ("b" * 40, "a" * 40)
    caught_up = sync.RecordSync("payments-api", "prod", "b" * 40, "b" * 40)
    assert (
        store.write(scope, lambda u: sync.record_sync(u, caught_up)).record["appliedCommit"]
        == "b" * 40
    )


def test_a_release_plan_refuses_a_run_of_another_module(store: Store, scope: Scope) -> None:
    policy = policy_for(scope.tenant)
    policy = type(policy)(policy.tenant, policy.project, policy.environments, ("a", "b"))
    run_id = successful_run(store, scope, module="b")
    with pytest.raises(InvariantError, match="built module b, not a"):
        store.write(
            scope,
            lambda u: release.plan_release(
                u, release.PlanRelease("a", "1.0.0", run_id), policy, PLANNER
            ),
        )


def test_a_build_without_tests_cannot_be_released(store: Store, scope: Scope) -> None:
    run = store.write(
        scope,
        lambda u: runs.start_run(u, runs.StartRun("payments-api-ci", "5", "payments-api"), CI),
    )
    run_id = run.record["id"]
    for status in ("InProgress", "Succeeded"):
        store.write(scope, lambda u, s=status: runs.update_run(u, runs.UpdateRun(run_id, s)))
    store.write(scope, lambda u: builds.ingest_build(u, builds.IngestBuild(run_id, TestSummary())))
    with store.read(scope) as uow:
        build = uow.scalar(select(BuildResult).where(BuildResult.run_id == run_id))
        assert builds.build_is_successful(uow, build) == (False, "it ran no tests")
    with pytest.raises(InvariantError, match="ran no tests"):
        command = release.PlanRelease("payments-api", "1.0.0", run_id)
        store.write(
            scope, lambda u: release.plan_release(u, command, policy_for(scope.tenant), PLANNER)
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--pipeline", "nope-ci"), "pipeline 'nope-ci' is not generated for"),
        (("--pipeline", "payments-api-ci", "--module", "ghost"), "module 'ghost' is not declared"),
    ],
)
def test_runs_start_only_for_pipelines_and_modules_the_specs_know(
    state_url: str, tenant: str, args: tuple[str, ...], message: str
) -> None:
    ship = Shipspec(state_url, tenant)
    assert message in ship.fails("runs", "start", "--number", "1", *args)
    assert ship.json("runs", "list") == []


def test_runs_start_refuses_a_project_the_specs_do_not_declare(state_url: str, tenant: str) -> None:
    ship = Shipspec(state_url, tenant, project="ghost")
    assert "project" in ship.fails(
        "runs", "start", "--pipeline", "payments-api-ci", "--number", "1"
    )


def test_a_failed_health_gate_exits_1_after_recording_the_failed_promotion(
    state_url: str, tenant: str, store: Store
) -> None:
    ship = Shipspec(state_url, tenant)
    scope = Scope(tenant, "payments")
    run_id = successful_run(store, scope)
    ship.json(
        "release",
        "plan",
        "--module",
        "payments-api",
        "--version",
        "2.0.0",
        "--run",
        run_id,
        actor="rita@contoso.com",
        specs=True,
    )
    result = ship.run(
        "release",
        "promote",
        "payments-api@2.0.0",
        "--to",
        "dev",
        "--gate",
        "smoke=failed:503",
        "--format",
        "json",
        specs=True,
    )
    assert result.exit_code == 1, result.output
    assert '"status": "Failed"' in result.stdout


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("time", "abc", 'time="abc" is not a number'),
        ("time", "inf", 'time="inf" is not a finite number'),
        ("time", "nan", 'time="nan" is not a finite number'),
        ("time", "1e309", 'time="1e309" is not a finite number'),
        ("time", "-2", 'time="-2" is negative'),
        ("lines-covered", "12345678901234567890123", "is more than 2,147,483,647"),
        ("lines-covered", "-5", "is not a whole number"),
        ("line-rate", "nan", 'line-rate="nan" is not a finite number'),
        ("line-rate", "1e309", "is not a finite number"),
    ],
)
def test_report_numbers_are_validated_with_a_location(
    state_url: str, tenant: str, tmp_path: Path, attribute: str, value: str, message: str
) -> None:
    ship = Shipspec(state_url, tenant)
    run = ship.json("runs", "start", "--pipeline", "payments-api-ci", "--number", "1")
    junit = tmp_path / "junit.xml"
    coverage = tmp_path / "coverage.xml"
    junit_time = value if attribute == "time" else "0.5"
    junit.write_text(
        f'<testsuite name="s">\n  <testcase name="a" time="{junit_time}"/>\n</testsuite>\n'
    )
    covered = value if attribute == "lines-covered" else "1"
    rate = value if attribute == "line-rate" else "0.5"
    coverage.write_text(
        f'<coverage line-rate="{rate}"\n lines-covered="{covered}" lines-valid="2"/>\n'
    )
    error = ship.fails(
        "builds", "ingest", "--run", run["id"], "--junit", str(junit), "--coverage", str(coverage)
    )
    assert message in error
    line = 1 if attribute == "line-rate" else 2
    assert f":{line}:" in error
    assert ship.json("runs", "show", run["id"])["buildResultId"] is None


def shipspec_process(
    url: str, tenant: str, *args: str, **kwargs: object
) -> subprocess.CompletedProcess:
    scope = ["--tenant", tenant, "--project", "payments", "--state-url", url]
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args, *scope, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), **kwargs.pop("env", {})},  # type: ignore[dict-item]
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_report_piped_through_dev_stdin_is_read_once(
    state_url: str, tenant: str, store: Store
) -> None:
    run_id = in_progress_run(store, Scope(tenant, "payments"))
    result = shipspec_process(
        state_url,
        tenant,
        "builds",
        "ingest",
        "--run",
        run_id,
        "--junit",
        "/dev/stdin",
        input=(DATA / "surefire.xml").read_text(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"testsTotal": 4' in result.stdout


def test_a_fifo_nobody_writes_to_times_out(
    state_url: str, tenant: str, store: Store, tmp_path: Path
) -> None:
    run_id = in_progress_run(store, Scope(tenant, "payments"))
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    result = shipspec_process(
        state_url,
        tenant,
        "builds",
        "ingest",
        "--run",
        run_id,
        "--junit",
        str(fifo),
        env={"SHIPSPEC_REPORT_TIMEOUT": "0.5"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nothing more to read after 0.5 s" in result.stdout + result.stderr


def test_a_pipe_over_the_size_limit_is_refused(state_url: str, tenant: str, store: Store) -> None:
    run_id = in_progress_run(store, Scope(tenant, "payments"))
    result = shipspec_process(
        state_url,
        tenant,
        "builds",
        "ingest",
        "--run",
        run_id,
        "--junit",
        "/dev/stdin",
        input="<testsuite>" + " " * 5000 + "</testsuite>",
        env={"SHIPSPEC_MAX_REPORT_BYTES": "1000"},
    )
    assert result.returncode == 1
    assert "over the 1000-byte limit" in result.stdout + result.stderr
