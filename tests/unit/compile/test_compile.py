"""The compile pipeline end to end: golden trees, drift check, pruning, lineage, safety."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler import emit as emit_module
from compiler import staging
from compiler.cli import cli
from compiler.errors import SpecError
from compiler.explain import explain_file
from tests.conftest import ROOT
from tests.unit.compile.helpers import compile_into, platform_repo, tree, tree_text


@pytest.mark.parametrize(
    "project", ["contoso/payments", "fabrikam/shared-libs", "northwind/orders"]
)
def test_golden_tree(project: str, tmp_path: Path) -> None:
    """The committed `generated/` is the one golden of whole trees: a fresh compile elsewhere
    equals it byte for byte (refresh it with `shipspec compile specs/` and review the diff)."""
    root = platform_repo(tmp_path)
    compile_into(root)
    fresh = tree(root / "generated" / project)
    committed = tree(ROOT / "generated" / project)
    assert tree_text(fresh) == tree_text(committed)


def test_committed_generated_tree_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["compile", "--check", "specs/"])
    assert result.exit_code == 0, result.output


def test_second_compile_writes_nothing(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    first = compile_into(root)
    second = compile_into(root)
    assert first.summary and second.summary
    assert len(first.summary.written) == first.files and second.summary.written == []


def test_check_reports_a_manual_edit_with_a_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    edited = root / "generated/contoso/payments/payments-api/Dockerfile"
    edited.write_text(edited.read_text().replace("EXPOSE 8080", "EXPOSE 9090"))
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["compile", "--check", "specs/"])
    assert result.exit_code == 1
    assert "-EXPOSE 9090\n+EXPOSE 8080\n" in result.output
    assert "1 file(s) differ" in result.output
    assert "EXPOSE 9090" in edited.read_text(), "--check must not write"


def test_check_reports_a_spec_change(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    spec = root / "specs/contoso/payments.yaml"
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8081"))
    drifts = compile_into(root, check=True).drifts
    changed = {d.path for d in drifts}
    assert "contoso/payments/payments-api/Dockerfile" in changed
    assert "contoso/payments/.shipspec/manifest.json" in changed
    assert all(d.change == "update" for d in drifts)


def test_removing_a_module_removes_exactly_its_files(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    stray = root / "generated/contoso/payments/payments-worker/notes.txt"
    stray.write_text("mine\n")
    before = tree(root / "generated")
    spec = root / "specs/contoso/payments.yaml"
    text = spec.read_text()
    start = text.index("    - name: payments-worker")
    end = text.index("    - name: ledger-client")
    spec.write_text(text[:start] + text[end:])
    result = compile_into(root)
    after = tree(root / "generated")
    gone = set(before) - set(after)
    worker_files = {
        f
        for f in before
        if ("payments-worker" in f or "PaymentsWorker" in f) and not f.endswith("notes.txt")
    }
    assert result.summary and gone == worker_files
    assert stray.read_text() == "mine\n", "a file the manifest never owned is never touched"
    assert sorted(result.summary.removed) == sorted(gone)
    changed = {f for f in after if after[f] != before.get(f)}
    assert "contoso/payments/.shipspec/manifest.json" in changed
    other_modules = {f for f in changed if "/payments-api/" in f or "/ledger-client/" in f}
    # only the API's NetworkPolicy values change: the worker no longer calls it
    allowed = {"contoso/payments/payments-api/charts/payments-api/values.yaml"}
    assert other_modules <= allowed, "other modules' repositories are untouched"


def test_explain_names_spec_line_key_and_template_for_every_file(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    manifest_path = root / "generated/contoso/payments/.shipspec/manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for relative, entry in manifest["files"].items():
        lineage = explain_file(manifest_path.parent.parent / relative)
        inherited = entry["keyPath"] == "spec.feed"  # set in the tenant's Tenant document
        expected = "specs/contoso/tenant.yaml:" if inherited else "specs/contoso/payments.yaml:"
        assert lineage["spec"].startswith(expected)
        assert lineage["keyPath"] == entry["keyPath"]
        assert (ROOT / lineage["template"]).is_file()
    dockerfile = explain_file(root / "generated/contoso/payments/payments-api/Dockerfile")
    assert dockerfile["spec"] == "specs/contoso/payments.yaml:45:7"


def test_explain_refuses_files_it_does_not_own(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    stray = root / "generated/contoso/payments/stray.txt"
    stray.write_text("x\n")
    result = CliRunner().invoke(cli, ["explain", str(stray)])
    assert result.exit_code == 2 and "not a file shipspec generated" in result.output


def test_manifest_records_ownership_and_version(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    manifest = json.loads((root / "generated/contoso/payments/.shipspec/manifest.json").read_text())
    files = manifest["files"]
    assert files["payments-api/Dockerfile"]["ownership"] == "managed"
    assert files["payments-api/src/Contoso.Payments.Api/Program.cs"]["ownership"] == "scaffold"
    assert manifest["shipspecVersion"] and list(files) == sorted(files)
    assert manifest["specs"]["specs/contoso/payments.yaml"]


def test_invalid_spec_writes_nothing(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    spec = root / "specs/contoso/payments.yaml"
    spec.write_text(spec.read_text().replace("port: 8080", "port: eighty"))
    with pytest.raises(SpecError):
        compile_into(root)
    assert not (root / "generated").exists()


def test_only_limits_to_one_project_and_one_module(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root, only=("fabrikam/shared-libs",))
    assert not (root / "generated/contoso").exists()
    compile_into(root, only=("contoso/payments/ledger-client",))
    repos = {p.name for p in (root / "generated/contoso/payments").iterdir()}
    assert repos == {"ledger-client", ".shipspec"}
    compile_into(root)
    assert compile_into(root, check=True).drifts == ()


def test_only_names_something_that_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = platform_repo(tmp_path)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["compile", "--only", "contoso/nope"])
    assert result.exit_code == 2


# --- crash safety -----------------------------------------------------------------------------------


def test_failure_while_staging_leaves_previous_tree_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    spec = root / "specs/contoso/payments.yaml"
    spec.write_text(spec.read_text().replace("EUR", "USD").replace("port: 8080", "port: 8081"))
    before = tree(root / "generated")
    real_stage = staging._stage
    calls = {"n": 0}

    def failing_stage(target: str, data: bytes, *rest: object) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_stage(target, data, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(staging, "_stage", failing_stage)
    with pytest.raises(KeyboardInterrupt):
        compile_into(root)
    assert tree(root / "generated") == before
    assert not list((root / "generated").rglob("*.shipspec-tmp"))


def test_disk_full_is_a_clear_error_and_tree_is_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    spec = root / "specs/contoso/payments.yaml"
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8081"))
    before = tree(root / "generated")

    def full(target: str, data: bytes, *rest: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(staging, "_stage", full)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["compile"])
    assert result.exit_code == 3
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert tree(root / "generated") == before


def test_crash_during_commit_is_finished_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    spec = root / "specs/contoso/payments.yaml"
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8081"))
    monkeypatch.setattr(emit_module.Pending, "commit", lambda self: None)  # dies mid-commit
    compile_into(root)
    assert list((root / "generated").rglob("journal.json"))
    monkeypatch.undo()
    compile_into(root)
    assert not list((root / "generated").rglob("journal.json"))
    assert compile_into(root, check=True).drifts == ()


def test_symlink_in_output_tree_is_refused(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "generated/contoso").mkdir(parents=True)
    (root / "generated/contoso/payments").symlink_to(elsewhere)
    with pytest.raises(emit_module.OutputError, match="symlink"):
        compile_into(root)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("path", ["../escape.txt", "a/../../b", "/etc/passwd", "a//b", "a\\b"])
def test_paths_that_leave_the_output_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(emit_module.OutputError):
        emit_module.safe_target(tmp_path, path)


# --- determinism ----------------------------------------------------------------------------------


def test_output_is_identical_whatever_input_order_cwd_locale_or_clock(tmp_path: Path) -> None:
    first = platform_repo(tmp_path / "one")
    compile_into(first)
    second = platform_repo(tmp_path / "two")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C", "TZ": "Pacific/Kiritimati"}
    subprocess.run(
        [
            sys.executable, "-m", "compiler", "compile",
            str(second / "specs/northwind"), str(second / "specs/fabrikam"),
            str(second / "specs/contoso/payments.yaml"), str(second / "specs/contoso/tenant.yaml"),
            "-o", str(second / "generated"),
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )  # fmt: skip
    assert tree(first / "generated") == tree(second / "generated")


# --- speed features keep the output identical -------------------------------------------------------


def test_output_is_byte_identical_for_any_number_of_workers(tmp_path: Path) -> None:
    from compiler.pipeline import CompileOptions, compile_specs
    from compiler.settings import Settings

    trees = []
    for jobs in (1, 4):
        root = platform_repo(tmp_path / f"jobs{jobs}")
        compile_specs(CompileOptions((root / "specs",), root / "generated"), Settings(jobs=jobs))
        trees.append(tree(root / "generated"))
    assert trees[0] == trees[1]


def test_incremental_compile_reaches_the_same_bytes_as_a_full_one(tmp_path: Path) -> None:
    incremental = platform_repo(tmp_path / "incremental")
    compile_into(incremental)
    for root in (incremental,):
        spec = root / "specs/contoso/payments.yaml"
        spec.write_text(spec.read_text().replace("port: 8080", "port: 8081"))
    result = compile_into(incremental)
    assert result.summary and result.projects < 5, "unchanged projects are skipped"
    full = platform_repo(tmp_path / "full")
    spec = full / "specs/contoso/payments.yaml"
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8081"))
    compile_into(full)
    assert tree(incremental / "generated") == tree(full / "generated")


def test_noop_recompile_plans_and_renders_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    from compiler.plan import build

    def refuse(*_: object) -> None:
        raise AssertionError("an unchanged project was planned")

    monkeypatch.setattr(build, "plan_project", refuse)
    result = compile_into(root)
    assert result.summary and result.summary.written == [] and result.projects == 0


def test_a_template_change_invalidates_fingerprints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compiler import incremental

    root = platform_repo(tmp_path)
    compile_into(root)
    manifests = {p: p.read_bytes() for p in (root / "generated").rglob("manifest.json")}
    monkeypatch.setattr(incremental, "code_set_hash", lambda: "a different template set")
    assert compile_into(root).projects == 5
    assert compile_into(root).projects == 0, "the new code set is recorded after a full compile"
    after = {p: p.read_bytes() for p in (root / "generated").rglob("manifest.json")}
    assert after == manifests, "a code change alone rewrites no committed manifest"


def test_the_code_stamp_lives_beside_the_output_never_inside(tmp_path: Path) -> None:
    from compiler import incremental

    root = platform_repo(tmp_path)
    compile_into(root)
    stamp = root / ".shipspec" / "code-set" / "generated"
    assert stamp.read_text().strip() == incremental.code_set_hash()
    assert not [p for p in (root / "generated").rglob("*") if "code-set" in p.parts]
    stamp.unlink()
    assert compile_into(root).projects == 5, "without the stamp nothing counts as up to date"


def test_a_partial_compile_does_not_record_the_code_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compiler import incremental

    root = platform_repo(tmp_path)
    compile_into(root)
    monkeypatch.setattr(incremental, "code_set_hash", lambda: "a different template set")
    compile_into(root, only=("contoso/payments",))
    assert compile_into(root).projects == 5


def test_only_changed_spec_files_pay_for_the_schema_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compiler.spec import validate

    root = platform_repo(tmp_path)
    compile_into(root)
    checked: list[str] = []
    real = validate.schema_diagnostics

    def spy(document):  # type: ignore[no-untyped-def]
        checked.append(document.file)
        return real(document)

    monkeypatch.setattr(validate, "schema_diagnostics", spy)
    spec = root / "specs/contoso/payments.yaml"
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8081"))
    compile_into(root)
    assert checked == ["specs/contoso/payments.yaml"]


def test_removing_a_project_removes_its_folder_but_a_partial_compile_keeps_others(
    tmp_path: Path,
) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    before = tree(root / "generated")
    from compiler.pipeline import CompileOptions, compile_specs

    compile_specs(CompileOptions((root / "specs/fabrikam",), root / "generated"))
    assert tree(root / "generated") == before, "compiling some specs never retires the others"
    (root / "specs/northwind/orders.yaml").unlink()
    drifts = compile_into(root, check=True).drifts
    assert drifts and all(d.change == "remove" and d.path.startswith("northwind/") for d in drifts)
    result = compile_into(root)
    after = tree(root / "generated")
    assert not any(path.startswith("northwind/") for path in after)
    assert {p for p in before if p.startswith("northwind/")} <= set(before) - set(after)
    assert result.summary and all(p.startswith("northwind/") for p in result.summary.removed)
    assert set(after) == {p for p in before if not p.startswith("northwind/")}


def test_a_deleted_generated_file_is_restored_by_the_next_compile(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    deleted = root / "generated/contoso/payments/payments-api/Dockerfile"
    original = deleted.read_bytes()
    deleted.unlink()
    compile_into(root)
    assert deleted.read_bytes() == original


def test_a_journal_left_by_a_crash_is_finished_even_when_nothing_changed(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    project = root / "generated/fabrikam/shared-libs"
    (project / "stale.txt").write_text("left over\n")
    (project / ".shipspec/journal.json").write_text('{"renames": [], "deletes": ["stale.txt"]}')
    compile_into(root)
    assert not (project / "stale.txt").exists()
    assert not (project / ".shipspec/journal.json").exists()


def test_a_journal_cannot_reach_outside_its_folder(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    victim = root / "generated/contoso/victim.txt"
    victim.write_text("keep\n")
    journal = root / "generated/fabrikam/shared-libs/.shipspec/journal.json"
    journal.write_text('{"renames": [], "deletes": ["../../contoso/victim.txt"]}')
    with pytest.raises(emit_module.OutputError):
        compile_into(root)
    assert victim.read_text() == "keep\n"


def test_only_leaves_tenant_folders_alone(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    manifest = root / "generated/contoso/_tenant/.shipspec/manifest.json"
    before = manifest.read_bytes()
    assert compile_into(root, check=True, only=("contoso/payments",)).drifts == ()
    compile_into(root, only=("contoso/payments/payments-api",))
    assert manifest.read_bytes() == before
