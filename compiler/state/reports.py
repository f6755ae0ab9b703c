"""Reading test and coverage reports: JUnit-style XML (pytest, Maven Surefire,
xUnit/TRX converted to JUnit) through junitparser, and Cobertura coverage XML.

Every file is read completely before anything is written, so a malformed or
oversized report leaves the store untouched.  Files larger than
:data:`MAX_REPORT_BYTES` (override with ``SHIPSPEC_MAX_REPORT_BYTES``) are refused:
a CI report that large is almost always a mistake, and parsing it would hold the
whole tree in memory.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from junitparser import JUnitXml, TestSuite

from compiler.state.errors import ReportError

MAX_REPORT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class TestSummary:
    """Counts over every suite of every report file, plus per-suite detail."""

    __test__ = False  # not a pytest test class, despite the name

    total: int = 0
    passed: int = 0
    failed: int = 0
    errored: int = 0
    skipped: int = 0
    duration_seconds: float = 0.0
    suites: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def __add__(self, other: TestSummary) -> TestSummary:
        return TestSummary(
            total=self.total + other.total,
            passed=self.passed + other.passed,
            failed=self.failed + other.failed,
            errored=self.errored + other.errored,
            skipped=self.skipped + other.skipped,
            duration_seconds=round(self.duration_seconds + other.duration_seconds, 3),
            suites=self.suites + other.suites,
        )


@dataclass(frozen=True)
class Coverage:
    line_rate: float
    branch_rate: float | None
    lines_covered: int | None
    lines_valid: int | None


def max_report_bytes() -> int:
    configured = os.environ.get("SHIPSPEC_MAX_REPORT_BYTES", "")
    return int(configured) if configured.isdigit() else MAX_REPORT_BYTES


def read_junit(paths: list[Path]) -> TestSummary:
    """The combined summary of every JUnit file, or a ReportError naming the bad one."""
    summary = TestSummary()
    for path in paths:
        summary = summary + _junit_file(path)
    return summary


def read_cobertura(path: Path) -> Coverage:
    root = _parse_xml(path).getroot()
    if root.tag != "coverage":
        raise ReportError(f"{path}: not a Cobertura report (root element <{root.tag}>)")
    try:
        return Coverage(
            line_rate=_rate(root.get("line-rate"), required=True) or 0.0,
            branch_rate=_rate(root.get("branch-rate"), required=False),
            lines_covered=_count(root.get("lines-covered")),
            lines_valid=_count(root.get("lines-valid")),
        )
    except ValueError as error:
        raise ReportError(f"{path}: invalid Cobertura attribute: {error}") from error


def _junit_file(path: Path) -> TestSummary:
    _check_size(path)
    _parse_xml(path)  # a clear, located syntax error before junitparser sees the file
    try:
        document = JUnitXml.fromfile(str(path))
    except Exception as error:  # junitparser raises bare exceptions on odd roots
        raise ReportError(f"{path}: not a JUnit report: {error}") from error
    suites = [document] if isinstance(document, TestSuite) else list(document)
    if not suites and document._tag not in ("testsuites", "testsuite"):
        raise ReportError(f"{path}: not a JUnit report (root element <{document._tag}>)")
    summary = TestSummary()
    for suite in suites:
        summary = summary + _suite(path, suite)
    return summary


def _suite(path: Path, suite: TestSuite) -> TestSummary:
    counts = {"passed": 0, "failed": 0, "errored": 0, "skipped": 0}
    for case in suite:
        counts[_outcome(case)] += 1
    total = sum(counts.values())
    duration = round(sum(float(case.time or 0.0) for case in suite), 3)
    detail = {"file": path.name, "name": suite.name or "", "tests": total, **counts}
    return TestSummary(total=total, duration_seconds=duration, suites=(detail,), **counts)


def _outcome(case: Any) -> str:
    kinds = {type(result).__name__ for result in case.result}
    if "Error" in kinds:
        return "errored"
    if "Failure" in kinds:
        return "failed"
    if "Skipped" in kinds:
        return "skipped"
    return "passed"


def _parse_xml(path: Path) -> ElementTree.ElementTree:
    _check_size(path)
    try:
        return ElementTree.parse(path)
    except ElementTree.ParseError as error:
        line, column = error.position
        raise ReportError(
            f"{path}:{line}:{column + 1}: malformed XML ({error})",
            hint="nothing was recorded; fix or regenerate the report and ingest again",
        ) from error
    except OSError as error:
        raise ReportError(f"{path}: cannot read: {error.strerror}") from error


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ReportError(f"{path}: cannot read: {error.strerror}") from error
    limit = max_report_bytes()
    if size > limit:
        raise ReportError(
            f"{path}: {size} bytes is over the {limit}-byte limit for a report",
            hint="split the report, or raise SHIPSPEC_MAX_REPORT_BYTES",
        )


def _rate(value: str | None, *, required: bool) -> float | None:
    if value is None:
        if required:
            raise ValueError("line-rate is missing")
        return None
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate {value} is not between 0 and 1")
    return rate


def _count(value: str | None) -> int | None:
    return None if value is None else int(value)
