"""Typed template contexts.

A target describes what a template may print as a frozen dataclass; the renderer
unpacks it into the template's top-level names like any mapping.  The fields are the
whole contract between a target and its templates: a template that reads a name its
context does not declare fails the render (templates use StrictUndefined), and a
target that builds a context without a field fails at construction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields
from typing import Any


class TemplateContext(Mapping[str, Any]):
    """Base of every typed context: its dataclass fields, read as a mapping."""

    def __getitem__(self, key: str) -> Any:
        if key not in self._names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def _names(self) -> tuple[str, ...]:
        return tuple(field.name for field in fields(self))  # type: ignore[arg-type]
