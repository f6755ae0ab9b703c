"""From the round-trip tree to plain data: dicts, lists and plain scalars, or a located refusal.

What has no meaning in a spec is refused at its own line and column: a document
that is not a mapping, a key that is not a string, dates, tags, not-a-number,
characters that make text read differently from how it displays, runaway
nesting, and aliases that expand far beyond what is written (billion laughs).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from typing import Any, NoReturn

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarbool import ScalarBoolean

from compiler.errors import Diagnostic
from compiler.spec.guard import describe, unsafe_character
from compiler.spec.limits import FileProblem, LoadLimits, problem_at
from compiler.spec.locate import format_path, locate

EXPECT_DOCUMENT = (
    "a spec document is a mapping that starts with `apiVersion: shipspec/v1` and `kind:`"
)


def to_plain(node: Any, name: str, index: int, line: int, limits: LoadLimits) -> dict[str, Any]:
    label = f"document {index + 1}"
    if node is None:
        raise FileProblem(problem_at(name, max(line, 1), 1, f"{label} is empty", EXPECT_DOCUMENT))
    if not isinstance(node, CommentedMap):
        got = "a list" if isinstance(node, list) else "a single value"
        raise FileProblem(
            problem_at(name, max(line, 1), 1, f"{label} is {got}, not a mapping", EXPECT_DOCUMENT)
        )
    _check_expansion(node, name, limits)
    return _PlainConverter(name, node, limits).convert(node, ())


def _check_expansion(root: CommentedMap, name: str, limits: LoadLimits) -> None:
    """Refuse documents whose aliases expand far beyond their written size (billion laughs).

    Sizes are memoised per node, so this costs one pass over what is written.
    (ruamel's round-trip loader turns a self-referencing alias into null, so the
    graph has no cycles.)
    """
    distinct = count_distinct(root, set())
    expanded = expanded_size(root, {})
    if expanded - distinct > limits.max_alias_nodes:
        raise FileProblem(
            problem_at(
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


def count_distinct(node: Any, seen: set[int]) -> int:
    if id(node) in seen:
        return 0
    seen.add(id(node))
    return 1 + sum(count_distinct(child, seen) for child in _children(node))


def expanded_size(node: Any, sizes: dict[int, int]) -> int:
    if not isinstance(node, dict | list):
        return 1
    if id(node) not in sizes:
        sizes[id(node)] = 1 + sum(expanded_size(child, sizes) for child in _children(node))
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
        raise FileProblem(Diagnostic(span, format_path(target), message, hint))
