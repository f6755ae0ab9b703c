"""Publish refuses output older than its specs, and lists repositories whose module left."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from tests.conftest import SPECS


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHIPSPEC_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    assert run("compile", "specs")[0] == 0
    return tmp_path


def test_publish_refuses_output_older_than_its_specs(platform: Path) -> None:
    spec = platform / "specs/contoso/payments.yaml"
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8081"))
    code, output = run("publish", "--provider", "local")
    assert code == 1
    assert "specs/contoso/payments.yaml changed since it was compiled" in output
    assert "run `shipspec compile` first" in output
    assert not (platform / ".shipspec/remotes").exists(), "nothing was pushed"
    code, output = run("publish", "--provider", "local", "--allow-stale")
    assert code == 0, output


def test_publish_lists_a_repository_whose_module_left_the_specs(platform: Path) -> None:
    assert run("publish", "--provider", "local")[0] == 0
    spec = platform / "specs/contoso/payments.yaml"
    text = spec.read_text()
    start = text.index("    - name: payments-worker")
    end = text.index("    - name:", start + 10)
    spec.write_text(text[:start] + text[end:])
    assert run("compile", "specs")[0] == 0
    code, output = run("publish", "--provider", "local", "--format", "json")
    assert code == 0
    repositories = {r["repository"]: r for r in json.loads(output)["repositories"]}
    orphan = repositories["contoso/payments/payments-worker"]
    assert orphan["status"] == "orphaned"
    assert "its module left the specs" in orphan["actions"][0]
