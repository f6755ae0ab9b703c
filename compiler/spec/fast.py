"""The fast path: plain documents from ruamel's C-accelerated safe loader.

Most spec files are valid and never need a line number, so they skip the
round-trip parse.  Anything unusual (a YAML error, a non-mapping document, a
tag, a date, an alias bomb...) gives None here and falls back to the round-trip
path, which reports it with a location.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from compiler.spec.guard import unsafe_character
from compiler.spec.limits import LoadLimits
from compiler.spec.plain import count_distinct, expanded_size


def fast_documents(text: str, limits: LoadLimits) -> list[dict[str, Any]] | None:
    """Plain documents from the C-accelerated safe loader, or None when anything needs a located error."""
    try:
        documents = list(_fast_yaml().load_all(text))
    except (YAMLError, RecursionError, ValueError, TypeError):
        return None
    if not documents or not all(isinstance(d, dict) for d in documents):
        return None
    try:
        for document in documents:
            if (
                expanded_size(document, {}) - count_distinct(document, set())
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
