"""Verify Azure Pipelines YAML against the official schema (placeholder until its issue lands)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.verify import Finding


class PipelinesChecker:
    name = "pipelines"

    def check(self, root: Path) -> Iterator[Finding]:
        return iter(())
