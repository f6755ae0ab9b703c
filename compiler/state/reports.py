"""Reading test and coverage reports: JUnit-style XML (pytest, Maven Surefire,
xUnit/TRX converted to JUnit) through junitparser, and Cobertura coverage XML.

Every file is read completely before anything is written, so a malformed or
oversized report leaves the store untouched.  Files larger than
:data:`MAX_REPORT_BYTES` (override with ``SHIPSPEC_MAX_REPORT_BYTES``) are refused:
a CI report that large is almost always a mistake, and parsing it would hold the
whole tree in memory.
"""

from __future__ import annotations

import math
import os
import re
import select
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from junitparser import JUnitXml, TestSuite

from compiler.state.errors import ReportError

MAX_REPORT_BYTES = 50 * 1024 * 1024
REPORT_TIMEOUT = 60.0
"""Seconds a report may take to arrive (a pipe); ``SHIPSPEC_REPORT_TIMEOUT`` changes it."""
MAX_COUNT = 2**31 - 1
"""The largest count the store keeps (a 32-bit integer column)."""
MAX_SECONDS = 10**7


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


def report_timeout() -> float:
    configured = os.environ.get("SHIPSPEC_REPORT_TIMEOUT", "")
    try:
        return float(configured) if configured else REPORT_TIMEOUT
    except ValueError:
        return REPORT_TIMEOUT


def read_junit(paths: list[Path]) -> TestSummary:
    """The combined summary of every JUnit file, or a ReportError naming the bad one."""
    summary = TestSummary()
    for path in paths:
        summary = summary + _junit_file(path, read_report(path))
    return summary


def read_cobertura(path: Path) -> Coverage:
    data = read_report(path)
    root = _parse_xml(path, data)
    if root.tag != "coverage":
        raise ReportError(f"{path}: not a Cobertura report (root element <{root.tag}>)")
    where = _Locator(path, data)
    return Coverage(
        line_rate=_rate(where, root, "line-rate", required=True) or 0.0,
        branch_rate=_rate(where, root, "branch-rate", required=False),
        lines_covered=_count(where, root, "lines-covered"),
        lines_valid=_count(where, root, "lines-valid"),
    )


def read_report(path: Path) -> bytes:
    """A report's bytes, read once (a pipe or /dev/stdin has no second reading), within the
    size limit and the timeout (a FIFO nobody writes to would otherwise hang)."""
    limit, deadline = max_report_bytes(), time.monotonic() + report_timeout()
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise ReportError(f"{path}: cannot read: {error.strerror}") from error
    try:
        return _read_all(path, handle, limit, deadline)
    finally:
        os.close(handle)


def _read_all(path: Path, handle: int, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    poller = select.poll()
    poller.register(handle, select.POLLIN)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            raise ReportError(
                f"{path}: nothing more to read after {report_timeout():g} s",
                hint="write the report to a file first, or raise SHIPSPEC_REPORT_TIMEOUT",
            )
        chunk = _read_chunk(path, handle)
        if chunk is None:
            continue
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise ReportError(
                f"{path}: over the {limit}-byte limit for a report",
                hint="split the report, or raise SHIPSPEC_MAX_REPORT_BYTES",
            )
        chunks.append(chunk)


def _read_chunk(path: Path, handle: int) -> bytes | None:
    try:
        return os.read(handle, 1 << 20)
    except BlockingIOError:
        return None
    except OSError as error:
        raise ReportError(f"{path}: cannot read: {error.strerror}") from error


def _junit_file(path: Path, data: bytes) -> TestSummary:
    _parse_xml(path, data)  # a clear, located syntax error before junitparser sees the file
    try:
        document = JUnitXml.fromstring(data)
    except Exception as error:  # junitparser raises bare exceptions on odd roots
        raise ReportError(f"{path}: not a JUnit report: {error}") from error
    suites = [document] if isinstance(document, TestSuite) else list(document)
    if not suites and document._tag not in ("testsuites", "testsuite"):
        raise ReportError(f"{path}: not a JUnit report (root element <{document._tag}>)")
    where = _Locator(path, data)
    summary = TestSummary()
    for suite in suites:
        summary = summary + _suite(where, suite)
    return summary


def _suite(where: _Locator, suite: TestSuite) -> TestSummary:
    counts = {"passed": 0, "failed": 0, "errored": 0, "skipped": 0}
    duration = 0.0
    for case in suite:
        counts[_outcome(case)] += 1
        duration += _seconds(where, case._elem)
    total = sum(counts.values())
    detail = {"file": where.path.name, "name": suite.name or "", "tests": total, **counts}
    return TestSummary(total=total, duration_seconds=round(duration, 3), suites=(detail,), **counts)


def _outcome(case: Any) -> str:
    kinds = {type(result).__name__ for result in case.result}
    if "Error" in kinds:
        return "errored"
    if "Failure" in kinds:
        return "failed"
    if "Skipped" in kinds:
        return "skipped"
    return "passed"


def _parse_xml(path: Path, data: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        line, column = error.position
        raise ReportError(
            f"{path}:{line}:{column + 1}: malformed XML ({error})",
            hint="nothing was recorded; fix or regenerate the report and ingest again",
        ) from error


class _Locator:
    """Points a bad attribute value at its line and column in the report."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.text = data.decode("utf-8", "replace")

    def fail(self, attribute: str, value: str, problem: str) -> NoReturn:
        found = re.search(
            rf"""\b{re.escape(attribute)}\s*=\s*["']{re.escape(value)}["']""", self.text
        )
        offset = found.start() if found else 0
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        raise ReportError(
            f'{self.path}:{line}:{column}: {attribute}="{value}" {problem}',
            hint="nothing was recorded; fix or regenerate the report and ingest again",
        )


def _number(where: _Locator, attribute: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        where.fail(attribute, value, "is not a number")
    if not math.isfinite(number):
        where.fail(attribute, value, "is not a finite number")
    if number < 0:
        where.fail(attribute, value, "is negative")
    return number


def _seconds(where: _Locator, element: ElementTree.Element) -> float:
    value = element.get("time")
    if value is None or not value.strip():
        return 0.0
    seconds = _number(where, "time", value.strip())
    if seconds > MAX_SECONDS:
        where.fail("time", value, f"is more than {MAX_SECONDS:,} seconds")
    return seconds


def _rate(
    where: _Locator, root: ElementTree.Element, attribute: str, *, required: bool
) -> float | None:
    value = root.get(attribute)
    if value is None:
        if required:
            raise ReportError(f"{where.path}: invalid Cobertura report: {attribute} is missing")
        return None
    rate = _number(where, attribute, value)
    if rate > 1.0:
        where.fail(attribute, value, "is not between 0 and 1")
    return rate


def _count(where: _Locator, root: ElementTree.Element, attribute: str) -> int | None:
    value = root.get(attribute)
    if value is None:
        return None
    if not value.strip().isdigit():
        where.fail(attribute, value, "is not a whole number of 0 or more")
    count = int(value)
    if count > MAX_COUNT:
        where.fail(attribute, value, f"is more than {MAX_COUNT:,}")
    return count
