"""The command line as users and CI meet it: exit codes, formats, and no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from compiler.settings import load_settings
from compiler.version import __version__
from tests.conftest import CASES, ROOT


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_validate_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, output = invoke("validate", "specs/")
    assert code == 0
    assert output == "4 file(s) valid: 3 project(s), 7 module(s), 3 tenant(s)\n"


def test_validate_defaults_to_the_specs_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert invoke("validate")[0] == 0


def test_validate_json_is_an_empty_list_when_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, output = invoke("validate", "specs/", "--format", "json")
    assert (code, json.loads(output)) == (0, [])


def test_errors_are_sorted_by_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = (CASES / "invalid" / "many-errors-at-once" / "spec.yaml").read_text()
    (tmp_path / "b.yaml").write_text(bad)
    (tmp_path / "a.yaml").write_text(bad.replace("name: Shop", "name: shop2"))
    monkeypatch.chdir(tmp_path)
    code, output = invoke("validate", "b.yaml", "a.yaml", "--format", "json")
    problems = json.loads(output)
    keys = [(p["file"], p["line"], p["column"]) for p in problems]
    assert code == 1 and keys == sorted(keys) and keys[0][0] == "a.yaml"


def test_usage_errors_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("validate", "missing/")[0] == 2
    assert invoke("init", "no-slash")[0] == 2
    assert invoke("init", "Bad/Name")[0] == 2
    assert invoke("validate", "--format", "xml")[0] == 2


def test_usage_error_in_json_is_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "missing/", "--format", "json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["exitCode"] == 2


def test_init_writes_a_spec_that_validates_and_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "acme/shop")[0] == 0
    target = tmp_path / "specs" / "acme" / "shop.yaml"
    original = target.read_text()
    assert "# " in original and "tenant: acme" in original
    assert invoke("validate")[0] == 0
    target.write_text(original + "# my edit\n")
    assert invoke("init", "acme/shop")[0] == 2
    assert target.read_text().endswith("# my edit\n")


def test_init_with_long_names_still_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    name = "a-very-long-tenant-name-of-forty-chars-x/" + "p" * 40
    assert invoke("init", name, "-o", "spec.yaml")[0] == 0
    assert invoke("validate", "spec.yaml")[0] == 0


def test_version() -> None:
    assert invoke("--version")[1].strip().endswith(__version__)


@pytest.mark.parametrize("case", ["binary-file", "alias-bomb", "tab-indentation", "non-utf8"])
def test_real_process_reports_without_traceback(case: str) -> None:
    folder = CASES / "invalid" / case
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "compiler", "validate", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.startswith("spec.yaml:")


def test_settings_layers(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.shipspec]\nmax-errors = 7\nspecs = 'platform'\n"
    )
    assert load_settings(tmp_path, env={}).max_errors == 7
    assert load_settings(tmp_path, env={"SHIPSPEC_MAX_ERRORS": "9"}).max_errors == 9
    assert load_settings(tmp_path, env={"SHIPSPEC_MAX_ERRORS": "9"}, max_errors=3).max_errors == 3
    assert load_settings(tmp_path, env={}).specs == "platform"


def test_bad_settings_are_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.shipspec]\nmax-erors = 7\n")
    monkeypatch.chdir(tmp_path)
    code, _ = invoke("validate")
    assert code == 2
