"""`shipspec verify` by folder: only what changed since a clean pass, any number of workers."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli.verify import verify_command
from compiler.errors import ExitCode, UsageError, VerifyError
from compiler.verify.run import VerifyOptions, discover_units, verify_tree

ROOT = Path(__file__).resolve().parents[2]
TENANT_UNIT = "fabrikam/_tenant"
PROJECT_UNIT = "fabrikam/shared-libs"
PIPELINE = "fabrikam/shared-libs/telemetry/azure-pipelines.yml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the fabrikam part of the committed generated/ tree (two manifest folders)."""
    root = tmp_path / "generated"
    shutil.copytree(ROOT / "generated" / "fabrikam", root / "fabrikam")
    return root


def run(tree: Path, **options: object) -> tuple[list[str], list[str], list[str]]:
    record = tree.parent / "verified.json"
    result = verify_tree(VerifyOptions(tree, record=record, **options))  # type: ignore[arg-type]
    return [str(f) for f in result.findings], list(result.verified), list(result.unchanged)


def break_pipeline(tree: Path) -> None:
    path = tree / PIPELINE
    path.write_text(path.read_text(encoding="utf-8") + "bogusTopLevelKey: 1\n", encoding="utf-8")


def test_units_are_the_folders_that_own_a_manifest(tree: Path) -> None:
    assert discover_units(tree) == [TENANT_UNIT, PROJECT_UNIT]
    assert discover_units(tree / PROJECT_UNIT) == ["."]


def test_a_second_run_skips_what_passed_and_a_touched_folder_is_checked_again(tree: Path) -> None:
    assert run(tree) == ([], [TENANT_UNIT, PROJECT_UNIT], [])
    assert run(tree) == ([], [], [TENANT_UNIT, PROJECT_UNIT])
    readme = tree / PROJECT_UNIT / "telemetry" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert run(tree) == ([], [PROJECT_UNIT], [TENANT_UNIT])


def test_all_checks_everything_again(tree: Path) -> None:
    run(tree)
    assert run(tree, everything=True)[1] == [TENANT_UNIT, PROJECT_UNIT]


def test_a_folder_with_findings_is_not_recorded_as_verified(tree: Path) -> None:
    break_pipeline(tree)
    first, verified, _ = run(tree)
    assert first and all(line.startswith(PIPELINE) for line in first)
    assert verified == [TENANT_UNIT, PROJECT_UNIT]
    assert run(tree) == (first, [PROJECT_UNIT], [TENANT_UNIT])
    record = json.loads((tree.parent / "verified.json").read_text(encoding="utf-8"))
    assert list(record["trees"][tree.resolve().as_posix()]) == [TENANT_UNIT]


def test_findings_are_the_same_for_any_number_of_workers(tree: Path) -> None:
    break_pipeline(tree)
    (tree / TENANT_UNIT / "pipeline-templates" / "steps" / "bad.yml").write_text(
        "steps: 3\n", encoding="utf-8"
    )
    serial = run(tree, everything=True, jobs=1)[0]
    parallel = run(tree, everything=True, jobs=2)[0]
    assert len(serial) >= 2 and parallel == serial


def test_only_limits_the_run_and_names_unknown_folders(tree: Path) -> None:
    assert run(tree, only=("fabrikam/shared-libs",))[1] == [PROJECT_UNIT]
    assert run(tree, only=("fabrikam",), everything=True)[1] == [TENANT_UNIT, PROJECT_UNIT]
    with pytest.raises(UsageError, match="no such folder"):
        run(tree, only=("fabrikam/nope",))


@pytest.mark.parametrize("folder", ["empty", "specs"])
def test_nothing_to_verify_is_an_error_not_a_pass(tmp_path: Path, folder: str) -> None:
    target = tmp_path / folder
    if folder == "specs":
        shutil.copytree(ROOT / "specs", target)
    else:
        target.mkdir()
    with pytest.raises(VerifyError, match="nothing to verify"):
        verify_tree(VerifyOptions(target, record=tmp_path / "verified.json"))
    result = CliRunner().invoke(verify_command, [str(target)])
    assert result.exit_code == ExitCode.INVALID
    assert "nothing to verify" in result.output and "Traceback" not in result.output


def test_the_command_reports_what_it_skipped(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree.parent)
    first = CliRunner().invoke(verify_command, ["generated", "-j", "1"])
    second = CliRunner().invoke(verify_command, ["generated", "-j", "1"])
    assert first.exit_code == 0 and "in 2 folder(s)" in first.output
    assert second.exit_code == 0 and "2 unchanged since their last clean pass" in second.output
    assert (tree.parent / ".shipspec" / "verified.json").is_file()
    assert not list(tree.rglob("verified.json"))


def test_a_folder_without_a_manifest_is_verified_too(tree: Path) -> None:
    stray = tree / "fabrikam" / "extra" / "repo"
    stray.mkdir(parents=True)
    (stray / "azure-pipelines.yml").write_text("bogus: 1\n", encoding="utf-8")
    findings, verified, _ = run(tree, everything=True)
    assert "fabrikam/extra" in verified
    assert any(line.startswith("fabrikam/extra/repo/azure-pipelines.yml") for line in findings)


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(tree: Path) -> None:
    run(tree)
    path = tree / PIPELINE
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "trigger" in text
    path.write_text(text.replace("trigger", "trigxer", 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    findings, verified, _ = run(tree)
    assert verified == [PROJECT_UNIT] and findings


def test_a_dangling_symlink_is_no_crash(tree: Path) -> None:
    (tree / PROJECT_UNIT / "telemetry" / "x").symlink_to(tree / "nowhere")
    assert run(tree)[1] == [TENANT_UNIT, PROJECT_UNIT]


def test_the_record_may_not_lie_inside_the_tree(tree: Path) -> None:
    with pytest.raises(UsageError, match="inside the tree"):
        verify_tree(VerifyOptions(tree, record=tree / PROJECT_UNIT / ".shipspec" / "v.json"))
