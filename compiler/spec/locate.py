"""Map a key path such as ``spec.modules[2].deploy`` back to a line and column.

ruamel's round-trip nodes record where each key, value and list item starts
(``node.lc``); walking them along a path finds the closest spot that exists.
A missing key is reported at the mapping that should hold it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from compiler.errors import SourceSpan

Path_ = Sequence[str | int]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def format_path(path: Path_) -> str:
    """Render a key path the way users read it.

    >>> format_path(["spec", "modules", 2, "deploy"])
    'spec.modules[2].deploy'
    >>> format_path(["spec", "env", "a.b"])
    'spec.env["a.b"]'
    """
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
            continue
        part = str(part)
        if _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += '["' + part.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return text


def parse_path(text: str) -> list[str | int]:
    """The inverse of :func:`format_path`.

    >>> parse_path('spec.modules[2].deploy'), parse_path('spec.env["a.b"]')
    (['spec', 'modules', 2, 'deploy'], ['spec', 'env', 'a.b'])
    """
    parts: list[str | int] = []
    for match in _PATH_PART.finditer(text):
        name, index, quoted = match.groups()
        if index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(quoted.replace('\\"', '"').replace("\\\\", "\\"))
        else:
            parts.append(name)
    return parts


_PATH_PART = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def locate(file: str, root: Any, path: Path_, *, at_key: bool = False) -> SourceSpan:
    """The position of `path` in the round-trip tree `root` (1-based line and column)."""
    node = root
    line, column = _start_of(root)
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        found = _child_position(node, part, want_key=at_key and last)
        if found is None:
            break
        line, column = found
        node = node[part]
    return SourceSpan(file, line + 1, column + 1)


def _start_of(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return (0, 0)
    return (int(lc.line), int(lc.col))


def _child_position(node: Any, part: str | int, *, want_key: bool) -> tuple[int, int] | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if isinstance(node, dict) and part in node:
            position = lc.key(part) if want_key or _is_collection(node[part]) else lc.value(part)
            return (int(position[0]), int(position[1]))
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            position = lc.item(part)
            return (int(position[0]), int(position[1]))
    except (KeyError, IndexError, TypeError):
        # A key merged in with `<<: *anchor` has no position of its own in this
        # mapping; the mapping that merges it is the closest spot the user wrote.
        return _start_of(node)
    return None


def _is_collection(value: Any) -> bool:
    """Nested mappings and lists are reported at their key: that is the line users look for."""
    return isinstance(value, dict | list)
