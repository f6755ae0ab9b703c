"""Every folder under tests/cases/invalid/ is a bad spec with a golden error report.

Each case must fail with exit code 1, a located message and no traceback; the
text report is compared with tests/golden/test_invalid_cases/.  To accept a
changed message, run `pytest --snapshot-update` and review the diff in git.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from tests.conftest import CASES

INVALID = sorted(p.name for p in (CASES / "invalid").iterdir() if p.is_dir())
LOCATED = re.compile(r"^[^\s:]+\.ya?ml:\d+:\d+: ")


def run_validate(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, ["validate", ".", *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("case", INVALID)
def test_invalid_case(case: str, monkeypatch: pytest.MonkeyPatch, golden) -> None:  # type: ignore[no-untyped-def]
    code, output = run_validate(CASES / "invalid" / case, monkeypatch)
    assert code == 1
    assert "Traceback" not in output
    problem_lines = [
        line for line in output.splitlines() if not line.startswith(("    hint:", "..."))
    ]
    assert all(LOCATED.match(line) for line in problem_lines[:-1]), output
    assert output == golden


@pytest.mark.parametrize("case", INVALID)
def test_invalid_case_json(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = run_validate(CASES / "invalid" / case, monkeypatch, "--format", "json")
    assert code == 1
    problems = json.loads(output)
    assert isinstance(problems, list) and problems
    for problem in problems:
        assert {"file", "line", "column", "path", "message"} <= problem.keys()
        assert problem["line"] >= 1 and problem["column"] >= 1
        assert problem["file"].endswith((".yaml", ".yml"))


def test_oversized_file_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, golden
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "spec.yaml").write_bytes(b"# " + b"x" * (50 * 1024 * 1024) + b"\n")
    code, output = run_validate(tmp_path, monkeypatch)
    assert code == 1
    assert output == golden


def test_max_errors_caps_the_text_report(monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = run_validate(
        CASES / "invalid" / "many-errors-at-once", monkeypatch, "--max-errors", "1"
    )
    assert code == 1
    assert "... and 2 more" in output
    assert output.count("spec.yaml:") == 1
