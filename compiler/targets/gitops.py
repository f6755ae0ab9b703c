"""GitOps repository target (placeholder until its issue lands)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from compiler.ir import OutputFile
from compiler.plan.context import ProjectContext


class GitOpsRepository:
    name = "gitops"

    def files(self, project: ProjectContext) -> Iterator[OutputFile]:
        return iter(())

    def tenant_files(self, tenant: str, projects: Sequence[ProjectContext]) -> Iterator[OutputFile]:
        return iter(())
