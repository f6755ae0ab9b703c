"""Target backends: each turns a project into the files of one family.

The registry is explicit; adding a target means adding a module and a line here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from compiler.ir import OutputFile
from compiler.plan.context import ProjectContext
from compiler.targets.repo import RepositoryLayout


class Target(Protocol):
    name: str

    def files(self, project: ProjectContext) -> Iterable[OutputFile]: ...


TARGETS: dict[str, Target] = {
    "repo": RepositoryLayout(),
}
