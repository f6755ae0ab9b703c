"""Verify Helm charts, Kustomize overlays and Kubernetes objects (placeholder until its issue lands)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.verify import Finding


class KubernetesChecker:
    name = "kubernetes"

    def check(self, root: Path) -> Iterator[Finding]:
        return iter(())
