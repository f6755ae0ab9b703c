"""`validate` and `compile` agree on specs that break derived-name rules.

Each folder under tests/cases/derived-names/ holds specs that pass the schema and
every cross-document rule but derive an Azure name, a C# class or a stack output
that cannot exist.  Both commands must report exactly the same located problems,
all in one report, and compile must write nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from compiler.errors import SpecError
from compiler.pipeline import CompileOptions, compile_specs, resolve_specs
from tests.conftest import CASES

CORPUS = CASES / "derived-names"
NAMES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def test_the_corpus_has_twenty_cases() -> None:
    assert len(NAMES) >= 20


def _problems(run: object) -> list[str]:
    with pytest.raises(SpecError) as raised:
        run()  # type: ignore[operator]
    return [f"{d} | {d.hint}" for d in raised.value.diagnostics]


@pytest.mark.parametrize("name", NAMES)
def test_validate_and_compile_report_the_same_problems(name: str, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(CORPUS / name, specs)
    validated = _problems(lambda: resolve_specs([specs], base=tmp_path))
    options = CompileOptions((specs,), tmp_path / "generated")
    compiled = _problems(lambda: compile_specs(options))
    assert validated == compiled
    assert validated and all(":0:0" not in problem for problem in validated)
    expected = (CORPUS / name / "expected.txt").read_text().splitlines()
    assert [p.split(" | ")[0].replace("specs/", "", 1) for p in validated] == expected
    assert not (tmp_path / "generated").exists() or not any((tmp_path / "generated").iterdir())


def test_the_validate_command_reports_them_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    result = CliRunner().invoke(cli, ["validate", "--format", "json", "several-problems-at-once"])
    assert result.exit_code == 1
    found = json.loads(result.output)
    problems = found if isinstance(found, list) else found["problems"]
    assert [p["path"] for p in problems] == [
        "spec.modules[0].stores[0].name",
        "spec.modules[0].stores[1].name",
        "spec.modules[0].stores[2].name",
        "spec.modules[0].stores[3].topics[0]",
    ]
