"""Load spec files into raw documents, each keeping (lazily) its located round-trip tree.

The round-trip tree keeps the line and column of every key and value, which is
what lets every later error point at the spot in the file.  Hostile input is
refused here, before anything expensive runs: oversized files, binary or
non-UTF-8 bytes (:mod:`compiler.spec.read`), duplicate keys and YAML errors
(:mod:`compiler.spec.roundtrip`), alias bombs, runaway nesting and YAML tags that
have no meaning in a spec (:mod:`compiler.spec.plain`).  Valid files take the
fast path (:mod:`compiler.spec.fast`) and are parsed with locations only when
a problem is reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ruamel.yaml.comments import CommentedMap

from compiler.errors import Diagnostic, SourceSpan
from compiler.spec.fast import fast_documents
from compiler.spec.guard import event_problems, raw_text_problem
from compiler.spec.limits import DEFAULT_LIMITS, FileProblem, LoadLimits, problem_at
from compiler.spec.locate import Path_, locate
from compiler.spec.plain import EXPECT_DOCUMENT, to_plain
from compiler.spec.read import check_name, read_text
from compiler.spec.roundtrip import parse_documents


class LocatedText:
    """A spec file's text and, parsed only when a location is first needed, its round-trip tree.

    Valid specs never need line numbers, so the expensive round-trip parse runs only
    for files that have a problem to report.
    """

    def __init__(self, text: str, nodes: list[Any] | None = None) -> None:
        self.text = text
        self._nodes = nodes

    def node(self, index: int) -> Any:
        if self._nodes is None:
            self._nodes = [node for node, _ in parse_documents(self.text, "")]
        return self._nodes[index]


@dataclass(frozen=True)
class RawDocument:
    """One YAML document: where it came from, its plain data, and (lazily) its located tree."""

    file: str
    index: int
    data: dict[str, Any]
    source: LocatedText
    file_sha256: str = ""

    @property
    def node(self) -> CommentedMap:
        return self.source.node(self.index)

    def span(self, path: Path_, *, at_key: bool = False) -> SourceSpan:
        return locate(self.file, self.node, path, at_key=at_key)


@dataclass(frozen=True)
class LoadResult:
    documents: tuple[RawDocument, ...]
    diagnostics: tuple[Diagnostic, ...]
    cached: frozenset[str] = frozenset()
    """Files whose documents came from the spec cache (their bytes passed every check before)."""


class DocumentCache(Protocol):
    """Plain documents of spec files read before (see compiler.spec.cache)."""

    def get(self, name: str, sha256: str) -> list[dict[str, Any]] | None: ...


def load_files(
    files: Iterable[tuple[Path, str]],
    limits: LoadLimits = DEFAULT_LIMITS,
    cache: DocumentCache | None = None,
) -> LoadResult:
    documents: list[RawDocument] = []
    diagnostics: list[Diagnostic] = []
    cached: set[str] = set()
    for path, name in files:
        result = load_file(path, name, limits, cache)
        documents.extend(result.documents)
        diagnostics.extend(result.diagnostics)
        cached |= result.cached
    return LoadResult(tuple(documents), tuple(diagnostics), frozenset(cached))


def load_file(
    path: Path, name: str, limits: LoadLimits = DEFAULT_LIMITS, cache: DocumentCache | None = None
) -> LoadResult:
    try:
        check_name(name)
        text = read_text(path, name, limits)
    except FileProblem as problem:
        return LoadResult((), (problem.diagnostic,))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    known = cache.get(name, digest) if cache is not None else None
    if known is not None:
        source = LocatedText(text)
        found = tuple(RawDocument(name, i, data, source, digest) for i, data in enumerate(known))
        return LoadResult(found, (), frozenset({name}))
    guarded = _guard(text, name, limits)
    if guarded:
        return LoadResult((), guarded)
    fast = fast_documents(text, limits)
    if fast is not None:
        source = LocatedText(text)
        documents = tuple(RawDocument(name, i, data, source, digest) for i, data in enumerate(fast))
        return LoadResult(documents, ())
    return _load_located(text, name, digest, limits)


def _guard(text: str, name: str, limits: LoadLimits) -> tuple[Diagnostic, ...]:
    """What must be refused before any parser builds documents (see compiler.spec.guard)."""
    problem = raw_text_problem(text, name, limits.max_depth)
    if problem is not None:
        return (problem,)
    return tuple(event_problems(text, name))


def _load_located(text: str, name: str, digest: str, limits: LoadLimits) -> LoadResult:
    try:
        nodes = parse_documents(text, name)
    except FileProblem as problem:
        return LoadResult((), (problem.diagnostic,))
    source = LocatedText(text, [node for node, _ in nodes])
    documents: list[RawDocument] = []
    diagnostics: list[Diagnostic] = []
    if not nodes:
        diagnostics.append(problem_at(name, 1, 1, "the file is empty", EXPECT_DOCUMENT))
    for index, (node, line) in enumerate(nodes):
        try:
            data = to_plain(node, name, index, line, limits)
            documents.append(RawDocument(name, index, data, source, digest))
        except FileProblem as problem:
            diagnostics.append(problem.diagnostic)
    return LoadResult(tuple(documents), tuple(diagnostics))
