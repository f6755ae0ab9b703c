"""The parsed-spec cache: a hit skips the parse, a change or a damaged entry is a miss, and no
problem is ever hidden by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.errors import SpecError
from compiler.spec import load
from compiler.spec.cache import cache_folder
from compiler.spec.discover import discover
from compiler.spec.limits import LoadLimits
from compiler.spec.load import load_files
from tests.unit.compile.helpers import compile_into, platform_repo, tree

ORDERS = "specs/northwind/orders.yaml"


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Spy on the YAML parse: the texts parsed in this run (their first `name:` line)."""
    parsed: list[str] = []
    real = load.fast_documents

    def spy(text: str, limits: LoadLimits):  # type: ignore[no-untyped-def]
        parsed.append(next(line for line in text.splitlines() if line.startswith("  name:")))
        return real(text, limits)

    monkeypatch.setattr(load, "fast_documents", spy)
    return parsed


def _entries(root: Path) -> list[Path]:
    return sorted(cache_folder(root / "generated").glob("*.json"))


def test_an_unchanged_spec_file_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    assert len(_entries(root)) == 4, "one entry per spec file"
    assert cache_folder(root / "generated") == root / ".shipspec" / "cache" / "specs"
    assert not [p for p in (root / "generated").rglob("*") if "cache" in p.parts]
    parsed = _parsed(monkeypatch)
    compile_into(root)
    assert parsed == []


def test_the_cache_gives_the_documents_a_parse_gives(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    from compiler.pipeline import spec_cache
    from compiler.settings import Settings

    files = discover([root / "specs"], cwd=root)
    cached = load_files(files, cache=spec_cache(root / "generated", Settings()))
    fresh = load_files(files)
    assert cached.cached == frozenset(name for _, name in files)
    assert [(d.file, d.index, d.data, d.file_sha256) for d in cached.documents] == [
        (d.file, d.index, d.data, d.file_sha256) for d in fresh.documents
    ]


def test_a_changed_spec_file_is_parsed_and_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = platform_repo(tmp_path)
    compile_into(root)
    spec = root / ORDERS
    spec.write_text(spec.read_text().replace("region: northeurope", "region: westeurope", 1))
    parsed = _parsed(monkeypatch)
    compile_into(root)
    assert parsed == ["  name: orders"]
    fresh = platform_repo(tmp_path / "fresh")
    (fresh / ORDERS).write_text(spec.read_text())
    compile_into(fresh)
    assert tree(root / "generated") == tree(fresh / "generated")


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],
        lambda text: "\x00garbage",
        lambda text: text.replace("northwind-traders", "someone-else"),
        lambda text: json.dumps({**json.loads(text), "sha256": "0" * 64}),
        lambda text: json.dumps({**json.loads(text), "salt": "another shipspec"}),
    ],
    ids=["truncated", "garbage", "edited-data", "other-bytes", "other-code"],
)
def test_a_damaged_entry_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage
) -> None:  # type: ignore[no-untyped-def]
    root = platform_repo(tmp_path)
    compile_into(root)
    expected = tree(root / "generated")
    entry = next(p for p in _entries(root) if ORDERS in p.read_text())
    entry.write_text(damage(entry.read_text()))
    parsed = _parsed(monkeypatch)
    compile_into(root)
    assert parsed == ["  name: orders"], "the damaged entry is a miss: the file is parsed"
    assert tree(root / "generated") == expected
    assert json.loads(entry.read_text())["file"] == ORDERS, "and the entry is written afresh"


def test_a_cached_file_still_gets_its_located_errors(tmp_path: Path) -> None:
    """A rule across files finds a problem in a file served from the cache: it is reported,
    with the line and column read from that file's text."""
    root = platform_repo(tmp_path)
    compile_into(root)
    copy = root / "specs/northwind/orders-copy.yaml"
    copy.write_text((root / ORDERS).read_text())
    with pytest.raises(SpecError) as caught:
        compile_into(root)
    shown = [str(d.span) for d in caught.value.diagnostics]
    assert f"{ORDERS}:9:9" in shown, shown


def test_a_file_with_a_problem_is_never_cached(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    spec = root / ORDERS
    spec.write_text(spec.read_text().replace("engine: flux", "engine: fluxx"))
    with pytest.raises(SpecError):
        compile_into(root)
    assert not [p for p in _entries(root) if ORDERS in p.read_text()]
    with pytest.raises(SpecError) as caught:
        compile_into(root)
    assert any(d.span.file == ORDERS and d.span.line > 0 for d in caught.value.diagnostics)
