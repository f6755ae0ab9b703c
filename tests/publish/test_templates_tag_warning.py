"""Compile says so when a tenant's templates change but the tag pipelines pin does not."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from compiler.cli.compile import compile_command
from tests.conftest import SPECS


def test_changed_templates_under_the_same_tag_are_reported(tmp_path: Path) -> None:
    shutil.copytree(SPECS, tmp_path / "specs")
    out = tmp_path / "generated"
    runner = CliRunner()
    first = runner.invoke(compile_command, [str(tmp_path / "specs"), "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert "warning" not in first.output
    template = out / "contoso/_tenant/pipeline-templates/steps/coverage.yml"
    template.write_text(template.read_text() + "# changed\n")
    checked = runner.invoke(compile_command, [str(tmp_path / "specs"), "-o", str(out), "--check"])
    assert checked.exit_code == 1
    assert "warning: tenant contoso: the pipeline templates changed but their tag did not" in (
        checked.output
    )
    assert "tenant fabrikam" not in checked.output
