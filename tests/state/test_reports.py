"""Test and coverage reports from real tools; malformed and huge files write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.state.reports import read_cobertura, read_junit

from .cli import Shipspec

DATA = Path(__file__).parent / "data"


def test_surefire_counts_failures_and_errors() -> None:
    summary = read_junit([DATA / "surefire.xml"])
    assert (summary.total, summary.passed, summary.failed, summary.errored) == (4, 2, 1, 1)
    assert summary.suites[0]["name"] == "com.contoso.ledger.LedgerClientTest"


def test_pytest_and_xunit_files_combine() -> None:
    summary = read_junit([DATA / "pytest-junit.xml", DATA / "xunit-trx2junit.xml"])
    assert (summary.total, summary.passed, summary.skipped) == (6, 5, 1)
    assert len(summary.suites) == 3


def test_cobertura() -> None:
    coverage = read_cobertura(DATA / "cobertura.xml")
    assert (coverage.line_rate, coverage.branch_rate, coverage.lines_covered) == (0.85, 0.75, 102)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<testsuite><testcase name='x'></testsuite>", "malformed XML"),
        ("", "malformed XML"),
        ("<coverage line-rate='2'/>", "not a JUnit report"),
    ],
)
def test_bad_junit_is_refused_and_nothing_is_written(
    state_url: str, tenant: str, tmp_path: Path, content: str, message: str
) -> None:
    ship = Shipspec(state_url, tenant)
    run = ship.json("runs", "start", "--pipeline", "payments-api-ci", "--number", "1")
    bad = tmp_path / "bad.xml"
    bad.write_text(content)
    error = ship.fails(
        "builds",
        "ingest",
        "--run",
        run["id"],
        "--junit",
        str(DATA / "surefire.xml"),
        "--junit",
        str(bad),
    )
    assert message in error and "bad.xml" in error
    assert ship.json("runs", "show", run["id"])["buildResultId"] is None
    assert [e["type"] for e in ship.json("events", "list")] == ["RunStarted"]


def test_huge_report_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state_url: str, tenant: str
) -> None:
    monkeypatch.setenv("SHIPSPEC_MAX_REPORT_BYTES", "1024")
    huge = tmp_path / "huge.xml"
    huge.write_text("<testsuite>" + "<testcase name='t'/>" * 200 + "</testsuite>")
    ship = Shipspec(state_url, tenant)
    run = ship.json("runs", "start", "--pipeline", "payments-api-ci", "--number", "1")
    assert "over the 1024-byte limit" in ship.fails(
        "builds", "ingest", "--run", run["id"], "--junit", str(huge)
    )


def test_bad_coverage_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "cov.xml"
    bad.write_text("<coverage line-rate='1.5'/>")
    with pytest.raises(Exception, match="between 0 and 1"):
        read_cobertura(bad)
