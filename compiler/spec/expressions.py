"""Refuse Azure Pipelines expressions in spec values.

`$(var)`, `${{ expr }}` and `$[ expr ]` would be evaluated by Azure Pipelines if a
value landed in a pipeline as written; no spec field takes them today, so any
occurrence is a mistake (or an attempt at injection) and is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_EXPRESSION = re.compile(r"\$\(|\$\{\{|\$\[")


def find_pipeline_expressions(
    data: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[str | int, ...]]:
    """Key paths of every string value (or key) that holds a pipeline expression."""
    if isinstance(data, dict):
        for key, value in data.items():
            if _EXPRESSION.search(key):
                yield (*path, key)
            yield from find_pipeline_expressions(value, (*path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from find_pipeline_expressions(item, (*path, index))
    elif isinstance(data, str) and _EXPRESSION.search(data):
        yield path
