"""Verify Pulumi projects and C# programs (placeholder until its issue lands)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.verify import Finding


class PulumiChecker:
    name = "pulumi"

    def check(self, root: Path) -> Iterator[Finding]:
        return iter(())
