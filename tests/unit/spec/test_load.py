"""The loader: discovery order, hostile YAML, and what reaches validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.errors import UsageError
from compiler.spec.discover import discover
from compiler.spec.limits import LoadLimits
from compiler.spec.load import load_file
from tests.conftest import SPECS


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_discovery_is_sorted_and_independent_of_argument_order(tmp_path: Path) -> None:
    for name in ("b/z.yaml", "a/y.yml", "a/x.yaml", "c.yaml", ".hidden/skip.yaml", "a/notes.txt"):
        write(tmp_path, name, "{}\n")
    forward = discover([tmp_path / "a", tmp_path / "b", tmp_path / "c.yaml"], cwd=tmp_path)
    backward = discover([tmp_path / "c.yaml", tmp_path / "b", tmp_path / "a"], cwd=tmp_path)
    assert [name for _, name in forward] == ["a/x.yaml", "a/y.yml", "b/z.yaml", "c.yaml"]
    assert forward == backward


def test_a_file_named_twice_is_loaded_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "{}\n")
    assert len(discover([tmp_path, tmp_path / "a.yaml"], cwd=tmp_path)) == 1


def test_missing_path_and_empty_folder_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        discover([tmp_path / "nope"], cwd=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match=r"no \*\.yaml"):
        discover([tmp_path / "empty"], cwd=tmp_path)


def test_examples_load_with_locations() -> None:
    path = SPECS / "contoso" / "payments.yaml"
    result = load_file(path, "payments.yaml")
    assert not result.diagnostics
    (document,) = result.documents
    span = document.span(["spec", "modules", 0, "deploy", "replicas", "prod"])
    assert (span.line, span.column) == (47, 46)


def problem_of(tmp_path: Path, text: str, limits: LoadLimits | None = None) -> str:
    path = write(tmp_path, "s.yaml", text)
    result = load_file(path, "s.yaml", limits or LoadLimits())
    assert len(result.diagnostics) == 1, result.diagnostics
    return str(result.diagnostics[0])


def test_recursive_alias_cannot_loop(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "a: &x {b: *x}\n")
    assert load_file(path, "s.yaml").documents[0].data == {"a": {"b": None}}


def test_modest_anchors_are_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "a: &x {k: [1, 2, 3]}\nb: *x\nc: *x\n")
    result = load_file(path, "s.yaml")
    assert not result.diagnostics
    assert result.documents[0].data["c"] == {"k": [1, 2, 3]}


def test_alias_limit_is_configurable(tmp_path: Path) -> None:
    text = "a: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*x, *x, *x]\n"
    assert "aliases expand" in problem_of(tmp_path, text, LoadLimits(max_alias_nodes=5))


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    text = "a: " + "[" * 80 + "]" * 80 + "\n"
    assert "nests deeper than 64" in problem_of(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: !python/object:os.system echo\n", "is not supported in specs"),
        ("a: !!binary aGVsbG8=\n", "is not supported in specs"),
        ("a: 2024-05-01\n", "reads as a date"),
        ("1: one\n", "is not a string"),
        ("a: .nan\n", "not-a-number"),
    ],
)
def test_values_without_meaning_in_a_spec_are_refused(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in problem_of(tmp_path, text)


@pytest.mark.parametrize("tag", ["!!str", "!!int", "!!float", "!!map", "!custom"])
def test_every_tag_is_refused_as_documented(tmp_path: Path, tag: str) -> None:
    value = "{x: 1}" if tag == "!!map" else "5"
    path = write(tmp_path, "s.yaml", f"a: 1\nb: {tag} {value}\n")
    (problem,) = load_file(path, "s.yaml").diagnostics
    assert (problem.span.line, problem.span.column, problem.path) == (2, 4, "b")
    assert f"the YAML tag `{tag}` is not supported" in problem.message


def test_anchored_booleans_become_plain_values(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "a: &t true\nb: *t\nc: 16\n")
    data = load_file(path, "s.yaml").documents[0].data
    assert data == {"a": True, "b": True, "c": 16}
    assert type(data["a"]) is bool and type(data["c"]) is int


@pytest.mark.parametrize(
    ("written", "read"),
    [("1.10", "1.1"), ("01234", "1234"), ("0x1F", "31"), ("1e3", "1000.0"), ("1_000", "1000")],
)
def test_an_unquoted_number_whose_text_would_change_is_refused_with_a_hint_to_quote(
    tmp_path: Path, written: str, read: str
) -> None:
    text = f"spec:\n  env:\n    VERSION: {written}\n"
    (problem,) = load_file(write(tmp_path, "s.yaml", text), "s.yaml").diagnostics
    assert (problem.span.line, problem.span.column, problem.path) == (3, 14, "spec.env.VERSION")
    assert f"`{written}` is read as the number {read}" in problem.message
    assert f'quote it to keep the text ("{written}")' in problem.hint


def test_problems_in_one_document_do_not_hide_the_next(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "[1]\n---\na: 1\n---\n")
    result = load_file(path, "s.yaml")
    assert len(result.documents) == 1
    assert [d.span.line for d in result.diagnostics] == [1, 4]
