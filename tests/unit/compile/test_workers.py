"""Folders are planned, rendered and staged in the workers; the parent commits: a failure in
any worker leaves the tree as it was, and the stats of what was written are recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import intact, staging
from compiler.emit import OutputError
from compiler.pipeline import CompileOptions, compile_specs
from compiler.settings import Settings
from tests.unit.compile.helpers import platform_repo, tree


def _compile(root: Path, jobs: int = 2, check: bool = False):  # type: ignore[no-untyped-def]
    options = CompileOptions((root / "specs",), root / "generated", check=check)
    return compile_specs(options, Settings(jobs=jobs))


def test_a_failing_worker_leaves_the_tree_and_no_staging_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = platform_repo(tmp_path)
    _compile(root)
    for spec in (root / "specs").rglob("*.yaml"):
        spec.write_text(spec.read_text() + "# every manifest records new spec bytes\n")
    before = tree(root / "generated")
    real = staging._stage

    def refuse_northwind(target: str, data: bytes, *rest: object) -> str:
        if "/northwind/" in target:
            raise OSError(28, "No space left on device")
        return real(target, data, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(staging, "_stage", refuse_northwind)
    with pytest.raises(OutputError) as caught:
        _compile(root)
    assert "No space left on device" in caught.value.message
    assert caught.value.hint and caught.value.stage == "emit", "the error crossed whole"
    assert tree(root / "generated") == before
    assert not [p for p in (root / "generated").rglob("*") if p.name.endswith(".shipspec-tmp")]
    assert not list((root / "generated").rglob("journal.json"))


def test_staging_files_carry_the_runs_tag_whichever_process_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So a dead run's leftovers are recognised by the next holder of the lock."""
    import os

    root = platform_repo(tmp_path)
    seen: list[str] = []
    real = staging._stage

    def spy(target: str, data: bytes, tag: int, *rest: object) -> str:
        temp = real(target, data, tag, *rest)  # type: ignore[arg-type]
        seen.append(temp)
        return temp

    monkeypatch.setattr(staging, "_stage", spy)
    _compile(root, jobs=1)
    assert seen and all(p.endswith(f".{os.getpid()}.shipspec-tmp") for p in seen)


def test_written_files_are_recorded_so_the_next_compile_hashes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intact, "RACY_NS", -(10**18))  # trust every stat, however young
    root = platform_repo(tmp_path)
    _compile(root)
    hashed: list[str] = []
    real = intact._sha256

    def spy(path: str) -> str:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(intact, "_sha256", spy)
    result = _compile(root)
    assert result.projects == 0 and hashed == []
    edited = next((root / "generated/contoso/payments").rglob("*.yaml"))
    edited.write_text(edited.read_text() + "# edited\n")
    assert _compile(root).projects == 1, "a hand edit is still seen"
    assert hashed == [str(edited)]


@pytest.mark.parametrize("check", [False, True])
def test_one_worker_or_two_give_the_same_result(tmp_path: Path, check: bool) -> None:
    results = []
    for jobs in (1, 2):
        root = platform_repo(tmp_path / f"jobs{jobs}")
        _compile(root, jobs)
        spec = root / "specs/contoso/payments.yaml"
        spec.write_text(spec.read_text().replace("port: 8080", "port: 8081"))
        result = _compile(root, jobs, check=check)
        summary = result.summary
        shown = (summary.written, summary.unchanged, summary.removed) if summary else ()
        results.append(
            (result.projects, result.files, shown, result.drifts, tree(root / "generated"))
        )
    assert results[0] == results[1]


def test_check_skips_what_is_proven_up_to_date_and_still_sees_every_edit(tmp_path: Path) -> None:
    import shutil

    root = platform_repo(tmp_path)
    _compile(root)
    result = _compile(root, check=True)
    assert (result.projects, result.skipped, result.drifts) == (0, 3, ())
    manifest = root / "generated/northwind/orders/.shipspec/manifest.json"
    manifest.write_text(manifest.read_text().replace('"template"', '"template" ', 1))
    drifts = _compile(root, check=True).drifts
    assert [d.path for d in drifts] == ["northwind/orders/.shipspec/manifest.json"]
    _compile(root)
    assert _compile(root, check=True).drifts == ()
    shutil.rmtree(root / ".shipspec")  # a fresh checkout: no stamp, no stats
    assert _compile(root, check=True).projects == 5, "everything is rendered and compared"
