"""Find and load spec files with ruamel.yaml's round-trip loader.

The round-trip tree keeps the line and column of every key and value, which is
what lets every later error point at the spot in the file.  Hostile input is
refused here, before anything expensive runs: oversized files, binary or
non-UTF-8 bytes, duplicate keys, alias bombs, runaway nesting and YAML tags
that have no meaning in a spec.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Protocol

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from compiler.errors import Diagnostic, SourceSpan, UsageError
from compiler.spec.guard import describe, event_problems, raw_text_problem, unsafe_character
from compiler.spec.locate import Path_, format_path, locate

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadLimits:
    """Ceilings that keep a hostile or mistaken file from exhausting the machine."""

    max_file_bytes: int = 10 * 1024 * 1024
    max_alias_nodes: int = 100_000
    max_depth: int = 64


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


# --- discovery ---------------------------------------------------------------------------------


def discover(paths: Sequence[Path], cwd: Path | None = None) -> list[tuple[Path, str]]:
    """Every spec file under `paths` as (path, display name), sorted by display name.

    Sorting all files globally makes the result independent of argument order.
    """
    base = (cwd or Path.cwd()).resolve()
    found: dict[str, Path] = {}
    for path in paths:
        for file in _expand(path):
            found.setdefault(display_name(file, base), file)
    return [(found[name], name) for name in sorted(found)]


def _expand(path: Path) -> Iterator[Path]:
    if path.is_dir():
        candidates = (
            p
            for p in path.rglob("*")
            if p.suffix.lower() in SPEC_SUFFIXES and (p.is_file() or _is_broken_link(p))
        )
        visible = [p for p in candidates if not _is_hidden(p.relative_to(path))]
        if not visible:
            raise UsageError(
                f"no *.yaml or *.yml files under {path.as_posix()}",
                hint="pass the folder that holds your specs, e.g. specs/",
            )
        yield from visible
    elif path.exists():
        yield path
    else:
        raise UsageError(f"no such file or directory: {path.as_posix()}")


def _is_broken_link(path: Path) -> bool:
    """A symlink that leads nowhere (or loops): listed, so that loading reports it."""
    return path.is_symlink() and not path.exists()


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def display_name(file: Path, base: Path) -> str:
    resolved = file.absolute() if _is_broken_link(file) else file.resolve()
    if resolved.is_relative_to(base):
        return resolved.relative_to(base).as_posix()
    return resolved.as_posix()


# --- loading -------------------------------------------------------------------------------------


def load_files(
    files: Iterable[tuple[Path, str]],
    limits: LoadLimits = LoadLimits(),
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
    path: Path, name: str, limits: LoadLimits = LoadLimits(), cache: DocumentCache | None = None
) -> LoadResult:
    try:
        _check_name(name)
        text = read_text(path, name, limits)
    except _FileProblem as problem:
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
    fast = _fast_documents(text, limits)
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


_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f]")


def _check_name(name: str) -> None:
    """A spec file's name is written into every file it produces: refuse names that cannot be
    shown as one plain line (line breaks, controls, bidirectional marks, undecodable bytes)."""
    found = _UNSAFE_IN_NAMES.search(name) or unsafe_character(name)
    if found is None:
        return
    shown = "".join(
        f"\\u{ord(c):04x}" if _UNSAFE_IN_NAMES.match(c) or unsafe_character(c) else c for c in name
    )
    raise _FileProblem(
        _at(
            shown,
            1,
            1,
            f"the file name holds {describe(found.group())}",
            "rename the file: spec file names are written into every file they produce",
        )
    )


def _fast_documents(text: str, limits: LoadLimits) -> list[dict[str, Any]] | None:
    """Plain documents from the C-accelerated safe loader, or None when anything needs a located error.

    Anything unusual (a YAML error, a non-mapping document, a tag, a date, an alias
    bomb...) falls back to the round-trip path, which reports it with a location.
    """
    try:
        documents = list(_fast_yaml().load_all(text))
    except (YAMLError, RecursionError, ValueError, TypeError):
        return None
    if not documents or not all(isinstance(d, dict) for d in documents):
        return None
    try:
        for document in documents:
            if (
                _expanded_size(document, {}) - _count_distinct(document, set())
                > limits.max_alias_nodes
            ):
                return None
            if not _is_plain(document, 0, limits.max_depth, set()):
                return None
    except RecursionError:  # a self-referencing alias: the round-trip path reports it
        return None
    return documents


@functools.cache
def _fast_yaml() -> YAML:
    yaml = YAML(typ="safe", pure=False)
    yaml.allow_duplicate_keys = False
    return yaml


def _is_plain(node: Any, depth: int, max_depth: int, seen: set[int]) -> bool:
    """Only mappings, lists and plain scalars, within the depth limit (aliased nodes checked once)."""
    if depth > max_depth:
        return False
    if isinstance(node, dict | list):
        if id(node) in seen:
            return True
        seen.add(id(node))
    if isinstance(node, dict):
        return all(
            isinstance(k, str)
            and unsafe_character(k) is None
            and _is_plain(v, depth + 1, max_depth, seen)
            for k, v in node.items()
        )
    if isinstance(node, list):
        return all(_is_plain(item, depth + 1, max_depth, seen) for item in node)
    if isinstance(node, float):
        return not (math.isnan(node) or math.isinf(node))
    if type(node) is str:
        return unsafe_character(node) is None
    return node is None or type(node) in (int, bool)


def _load_located(text: str, name: str, digest: str, limits: LoadLimits) -> LoadResult:
    try:
        nodes = parse_documents(text, name)
    except _FileProblem as problem:
        return LoadResult((), (problem.diagnostic,))
    source = LocatedText(text, [node for node, _ in nodes])
    documents: list[RawDocument] = []
    diagnostics: list[Diagnostic] = []
    if not nodes:
        diagnostics.append(_at(name, 1, 1, "the file is empty", _EXPECT_DOCUMENT))
    for index, (node, line) in enumerate(nodes):
        try:
            data = _to_plain(node, name, index, line, limits)
            documents.append(RawDocument(name, index, data, source, digest))
        except _FileProblem as problem:
            diagnostics.append(problem.diagnostic)
    return LoadResult(tuple(documents), tuple(diagnostics))


_EXPECT_DOCUMENT = (
    "a spec document is a mapping that starts with `apiVersion: shipspec/v1` and `kind:`"
)


class _FileProblem(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _at(
    file: str, line: int, column: int, message: str, hint: str = "", path: str = ""
) -> Diagnostic:
    return Diagnostic(SourceSpan(file, line, column), path, message, hint)


def read_text(path: Path, name: str, limits: LoadLimits) -> str:
    try:
        return _read_text(path, name, limits)
    except OSError as error:
        message = f"the file cannot be read: {error.strerror or error}"
        hint = "check that it is a readable regular file"
        if _is_broken_link(path):
            message = f"the symlink leads nowhere ({error.strerror or error})"
            hint = "point the link at a spec file, or remove it"
        raise _FileProblem(_at(name, 1, 1, message, hint)) from None


def _read_text(path: Path, name: str, limits: LoadLimits) -> str:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise _FileProblem(
            _at(
                name,
                1,
                1,
                f"the file is {size:,} bytes, over the limit of {limits.max_file_bytes:,} bytes",
                "split it into several spec files, or raise max_file_bytes in [tool.shipspec]",
            )
        )
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _FileProblem(_at(name, 1, 1, "the file is UTF-16", "save it as UTF-8"))
    if b"\x00" in raw:
        line, column = _position(raw, raw.index(b"\x00"))
        raise _FileProblem(
            _at(
                name,
                line,
                column,
                "the file is binary (it holds a NUL byte)",
                "specs are UTF-8 text",
            )
        )
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise _FileProblem(
            _at(
                name,
                line,
                column,
                f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02x})",
                "save the file as UTF-8",
            )
        ) from None


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before[line_start:].decode("utf-8", "replace")) + 1


def parse_documents(text: str, name: str) -> list[tuple[Any, int]]:
    """Parse every document; returns (node, first line) pairs or raises one located problem."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    nodes: list[tuple[Any, int]] = []
    try:
        for node in yaml.load_all(text):
            nodes.append((node, _document_line(node, text, len(nodes))))
    except MarkedYAMLError as error:
        raise _FileProblem(_yaml_problem(error, name)) from None
    except YAMLError as error:
        raise _FileProblem(_at(name, 1, 1, f"invalid YAML: {error}")) from None
    except RecursionError:
        raise _FileProblem(
            _at(name, 1, 1, "the YAML nests too deeply to read", "flatten the structure")
        ) from None
    return nodes


def _document_line(node: Any, text: str, index: int) -> int:
    """The first line of document `index`: its first node, else its `---` marker."""
    if isinstance(node, CommentedMap | CommentedSeq):
        return int(node.lc.line) + 1
    lines = text.splitlines()
    markers = [n for n, line in enumerate(lines, 1) if line.startswith("---")]
    content = [line for line in lines if line.strip() and not line.lstrip().startswith(("#", "%"))]
    opens_with_marker = bool(content) and content[0].startswith("---")
    position = index if opens_with_marker else index - 1
    return markers[position] if 0 <= position < len(markers) else 1


def _in_indentation(error: MarkedYAMLError, column: int) -> bool:
    mark = error.problem_mark
    buffer = getattr(mark, "buffer", None)
    if not buffer or mark is None:
        return True
    line_start = buffer.rfind("\n", 0, mark.index) + 1
    return buffer[line_start : mark.index].strip(" \t") == ""


def _yaml_problem(error: MarkedYAMLError, name: str) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = str(error.problem or error.context or "invalid YAML")
    if "'\\t'" in problem:
        if _in_indentation(error, column):
            return _at(
                name, line, column, "a tab is used for indentation", "indent with spaces only"
            )
        return _at(name, line, column, "a tab character is not allowed here", "use spaces")
    if error.__class__.__name__ == "DuplicateKeyError":
        key = problem.split('"')[1] if '"' in problem else "?"
        first = error.context_mark.line + 1 if error.context_mark else line
        return _at(
            name,
            line,
            column,
            f"duplicate key `{key}` (the mapping starts at line {first})",
            "each key may appear once per mapping; remove or merge the duplicate",
        )
    context = f" ({error.context})" if error.context and error.problem else ""
    return _at(name, line, column, f"invalid YAML: {problem}{context}")


# --- from round-trip tree to plain data ----------------------------------------------------------


def _to_plain(node: Any, name: str, index: int, line: int, limits: LoadLimits) -> dict[str, Any]:
    label = f"document {index + 1}"
    if node is None:
        raise _FileProblem(_at(name, max(line, 1), 1, f"{label} is empty", _EXPECT_DOCUMENT))
    if not isinstance(node, CommentedMap):
        got = "a list" if isinstance(node, list) else "a single value"
        raise _FileProblem(
            _at(name, max(line, 1), 1, f"{label} is {got}, not a mapping", _EXPECT_DOCUMENT)
        )
    _check_expansion(node, name, limits)
    return _PlainConverter(name, node, limits).convert(node, ())


def _check_expansion(root: CommentedMap, name: str, limits: LoadLimits) -> None:
    """Refuse documents whose aliases expand far beyond their written size (billion laughs).

    Sizes are memoised per node, so this costs one pass over what is written.
    (ruamel's round-trip loader turns a self-referencing alias into null, so the
    graph has no cycles.)
    """
    distinct = _count_distinct(root, set())
    expanded = _expanded_size(root, {})
    if expanded - distinct > limits.max_alias_nodes:
        raise _FileProblem(
            _at(
                name,
                root.lc.line + 1,
                root.lc.col + 1,
                f"YAML aliases expand this document to {expanded:,} nodes "
                f"(limit {limits.max_alias_nodes:,} beyond what is written)",
                "use fewer nested anchors and aliases",
            )
        )


def _children(node: Any) -> Iterable[Any]:
    if isinstance(node, dict):
        return node.values()
    if isinstance(node, list):
        return node
    return ()


def _count_distinct(node: Any, seen: set[int]) -> int:
    if id(node) in seen:
        return 0
    seen.add(id(node))
    return 1 + sum(_count_distinct(child, seen) for child in _children(node))


def _expanded_size(node: Any, sizes: dict[int, int]) -> int:
    if not isinstance(node, dict | list):
        return 1
    if id(node) not in sizes:
        sizes[id(node)] = 1 + sum(_expanded_size(child, sizes) for child in _children(node))
    return sizes[id(node)]


_SURROGATE_HINT = (
    "write the character itself, or one \\U escape such as \\U0001F600; "
    "a \\u escape cannot name half of a surrogate pair"
)
_UNSAFE_HINT = "remove it: it can make text read differently from how it displays"


class _PlainConverter:
    """Turns the round-trip tree into dicts, lists and plain scalars, refusing the rest."""

    def __init__(self, file: str, root: CommentedMap, limits: LoadLimits) -> None:
        self.file = file
        self.root = root
        self.limits = limits

    def convert(self, node: Any, path: tuple[str | int, ...]) -> Any:
        if len(path) > self.limits.max_depth:
            self._fail(path, f"the document nests deeper than {self.limits.max_depth} levels")
        if isinstance(node, dict):
            return {
                self._key(key, path): self.convert(value, (*path, key))
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [self.convert(item, (*path, index)) for index, item in enumerate(node)]
        return self._scalar(node, path)

    def _key(self, key: Any, path: tuple[str | int, ...]) -> str:
        if isinstance(key, str):
            self._refuse_unsafe(str(key), path, key)
            return str(key)
        self._fail(path, f"the key `{key}` is not a string", "quote the key", at_key=True, key=key)

    def _scalar(self, node: Any, path: tuple[str | int, ...]) -> Any:
        if node is None or isinstance(node, str):
            if node is not None:
                self._refuse_unsafe(str(node), path)
            return None if node is None else str(node)
        if isinstance(node, ScalarBoolean | bool):
            return bool(node)
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            if math.isnan(node) or math.isinf(node):
                self._fail(path, "not-a-number and infinite values are not allowed")
            return float(node)
        if isinstance(node, datetime.date):
            self._fail(
                path, f"`{node}` reads as a date", 'quote it to keep it as text, e.g. "2024-01-01"'
            )
        tag = getattr(getattr(node, "tag", None), "value", None)
        shown = f"the YAML tag `{tag}`" if tag else "a YAML tag or binary value"
        self._fail(
            path,
            f"{shown} is not supported in specs",
            "remove the tag; quote the value if it is text",
        )

    def _refuse_unsafe(self, text: str, path: tuple[str | int, ...], key: Any = None) -> None:
        found = unsafe_character(text)
        if found is not None:
            surrogate = 0xD800 <= ord(found.group()) <= 0xDFFF
            self._fail(
                path,
                f"the {'key' if key is not None else 'value'} holds {describe(found.group())}, "
                "which is not allowed in specs",
                _SURROGATE_HINT if surrogate else _UNSAFE_HINT,
                at_key=key is not None,
                key=key,
            )

    def _fail(
        self,
        path: tuple[str | int, ...],
        message: str,
        hint: str = "",
        *,
        at_key: bool = False,
        key: Any = None,
    ) -> NoReturn:
        target = (*path, key) if key is not None else path
        span = locate(self.file, self.root, target, at_key=at_key)
        raise _FileProblem(Diagnostic(span, format_path(target), message, hint))
