"""`shipspec verify`: run the real validators over a generated tree.

Each checker owns one family of files (Kubernetes manifests, pipelines, Pulumi
programs) and reports findings naming the file and, where there is one, the
object (`kind/name`).  A checker whose optional tool is missing reports that as
a finding with what to install, never as a silent skip.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from compiler.verify.kubernetes import KubernetesChecker
from compiler.verify.pipelines import PipelinesChecker
from compiler.verify.pulumi import PulumiChecker


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    object: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file} ({self.object})" if self.object else self.file
        return f"{where}: {self.message}"


class Checker(Protocol):
    name: str

    def check(self, root: Path, folder: Path | None = None) -> Iterable[Finding]:
        """Findings for every file of this checker's family under `folder` (default: all of
        `root`, a generated/ folder), named relative to `root`."""
        ...


CHECKERS: tuple[Checker, ...] = (KubernetesChecker(), PipelinesChecker(), PulumiChecker())


def verify(root: Path, checkers: Iterable[Checker] = CHECKERS) -> list[Finding]:
    return sorted(finding for checker in checkers for finding in checker.check(root))
