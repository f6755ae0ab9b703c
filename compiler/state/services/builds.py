"""Build results: the test summary, coverage and artifacts of a run (one per run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from compiler.state.errors import InvariantError
from compiler.state.idempotency import Outcome, derive_key, once, request_hash
from compiler.state.models import BuildArtifact, BuildResult, PipelineRun
from compiler.state.reports import Coverage, TestSummary
from compiler.state.session import UnitOfWork


@dataclass(frozen=True)
class IngestBuild:
    run_id: str
    tests: TestSummary
    coverage: Coverage | None = None
    artifacts: tuple[tuple[str, str, str], ...] = ()  # (name, kind, uri)
    idempotency_key: str | None = None

    def request(self) -> dict[str, Any]:
        return {
            "runId": self.run_id,
            "tests": self.tests.__dict__,
            "coverage": None if self.coverage is None else self.coverage.__dict__,
            "artifacts": sorted(self.artifacts),
        }


def ingest_build(uow: UnitOfWork, command: IngestBuild) -> Outcome:
    request = command.request()
    key = command.idempotency_key or derive_key(
        "builds.ingest", command.run_id, request_hash(request)[:16]
    )

    def write() -> BuildResult:
        run = uow.by_id(PipelineRun, command.run_id, "run", lock=True)
        existing = uow.scalar(select(BuildResult).where(BuildResult.run_id == run.id))
        if existing is not None:
            raise InvariantError(
                f"run {run.id} already has a build result ({existing.id}); one per run",
                hint="a run's results are ingested once, with all of its report files",
            )
        build = uow.add(_build_row(uow.scope.project, run.id, command))
        for name, kind, uri in sorted(command.artifacts):
            uow.add(BuildArtifact(build_result_id=build.id, name=name, kind=kind, uri=uri))
        uow.emit("BuildResultIngested", run.id, build_record(uow, build))
        return build

    build, replayed = once(uow, key, request, BuildResult, write)
    return Outcome(build_record(uow, build), replayed)


def build_record(uow: UnitOfWork, build: BuildResult) -> dict[str, Any]:
    artifacts = uow.scalars(
        select(BuildArtifact)
        .where(BuildArtifact.build_result_id == build.id)
        .order_by(BuildArtifact.name)
    )
    return {**build.to_record(), "artifacts": [a.to_record() for a in artifacts]}


def build_is_successful(uow: UnitOfWork, build: BuildResult) -> tuple[bool, str]:
    """A build is successful when its run Succeeded and no test failed or errored."""
    run = uow.one(select(PipelineRun).where(PipelineRun.id == build.run_id), "run")
    if run.status != "Succeeded":
        return False, f"its run {run.id} is {run.status}"
    if build.tests_failed or build.tests_errored:
        return False, f"{build.tests_failed} tests failed and {build.tests_errored} errored"
    if not build.tests_total:
        return False, "it ran no tests"
    return True, ""


def _build_row(project: str, run_id: str, command: IngestBuild) -> BuildResult:
    tests, coverage = command.tests, command.coverage
    return BuildResult(
        project=project,
        run_id=run_id,
        tests_total=tests.total,
        tests_passed=tests.passed,
        tests_failed=tests.failed,
        tests_errored=tests.errored,
        tests_skipped=tests.skipped,
        test_duration_seconds=tests.duration_seconds,
        suites=list(tests.suites),
        line_rate=None if coverage is None else coverage.line_rate,
        branch_rate=None if coverage is None else coverage.branch_rate,
        lines_covered=None if coverage is None else coverage.lines_covered,
        lines_valid=None if coverage is None else coverage.lines_valid,
    )
