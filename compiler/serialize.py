"""Block YAML from plain data, as lines a template prints: structure here, quoting in the template.

Kubernetes objects, values files and Kustomize files are built as dicts and lists
(one source for the GitOps repository and the equality test against the chart).
This module only lays them out: each line says its indentation, its key and what
follows; every scalar is left for the template to print through the `yaml` filter,
so spec values reach the file only through the property-tested quoting filter.

>>> [line["kind"] for line in lines({"a": {"b": [1, {"c": "x"}]}, "d": {}})]
['open', 'open', 'scalar', 'scalar', 'empty']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

Line = dict[str, Any]


def lines(data: Mapping[str, Any], comments: Mapping[str, str] | None = None) -> list[Line]:
    """The lines of a mapping; `comments` maps a top-level key to a comment printed above it."""
    out: list[Line] = []
    _mapping(data, "", out, comments or {})
    return out


def documents(objects: Sequence[Mapping[str, Any]]) -> list[list[Line]]:
    return [lines(obj) for obj in objects]


@functools.lru_cache(maxsize=8192)
def plain_key(key: str) -> bool:
    """Whether a key prints without quotes (else the template quotes it with `yaml`).

    >>> plain_key("app.kubernetes.io/name"), plain_key("on"), plain_key("a: b")
    (True, False, False)
    """
    return bool(_PLAIN_KEY.fullmatch(key)) and key.lower() not in _RESERVED


def _line(lead: str, key: str | None, kind: str, value: Any = None) -> Line:
    return {
        "lead": lead,
        "key": key,
        "plain": key is None or plain_key(key),
        "kind": kind,
        "value": value,
    }


def _mapping(
    data: Mapping[str, Any],
    indent: str,
    out: list[Line],
    comments: Mapping[str, str],
    first: str = "",
) -> None:
    for position, (key, value) in enumerate(data.items()):
        lead = first if position == 0 and first else indent
        for text in comments.get(key, "").splitlines():
            out.append(_line(indent, None, "comment", text))
        _entry(lead, indent, str(key), value, out)


def _entry(lead: str, indent: str, key: str | None, value: Any, out: list[Line]) -> None:
    inner = indent + "  "
    if _is_mapping(value) and value:
        out.append(_line(lead, key, "open"))
        _mapping(value, inner, out, {})
    elif _is_sequence(value) and value:
        if key is None:  # a list inside a list starts on its parent's dash: `- - a`
            _sequence(value, indent, out, first=lead)
            return
        out.append(_line(lead, key, "open"))
        _sequence(value, indent, out)
    elif _is_mapping(value):
        out.append(_line(lead, key, "empty", "{}"))
    elif _is_sequence(value):
        out.append(_line(lead, key, "empty", "[]"))
    else:
        out.append(_line(lead, key, "scalar", value))


def _is_mapping(value: Any) -> bool:
    """`Mapping`, with plain dicts told apart first (the ABC check is slow, and called per value)."""
    return type(value) is dict or isinstance(value, Mapping)


def _is_sequence(value: Any) -> bool:
    if type(value) in (list, tuple):
        return True
    return isinstance(value, Sequence) and not isinstance(value, str)


def _sequence(items: Sequence[Any], indent: str, out: list[Line], first: str = "") -> None:
    for position, item in enumerate(items):
        dash = (first if position == 0 and first else indent) + "- "
        if _is_mapping(item) and item:
            _mapping(item, indent + "  ", out, {}, first=dash)
        else:
            _entry(dash, indent + "  ", None, item, out)
