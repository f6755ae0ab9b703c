"""Target backends: each turns a project (and its tenant) into the files of one family.

The registry is explicit; adding a target means adding a module and a line here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from compiler.ir import OutputFile
from compiler.plan.context import ProjectContext
from compiler.targets.azure_pipelines import AzurePipelines
from compiler.targets.gitops import GitOpsRepository
from compiler.targets.helm import HelmCharts
from compiler.targets.pulumi import PulumiStacks
from compiler.targets.repo import RepositoryLayout


class Target(Protocol):
    name: str

    def files(self, project: ProjectContext) -> Iterable[OutputFile]:
        """Files inside the project's folder: `generated/<tenant>/<project>/<repo>/...`."""
        ...

    def tenant_files(self, tenant: str, projects: Sequence[ProjectContext]) -> Iterable[OutputFile]:
        """Files of tenant-wide repositories: `generated/<tenant>/_tenant/<repo>/...`."""
        ...


TARGETS: dict[str, Target] = {
    "repo": RepositoryLayout(),
    "azure-pipelines": AzurePipelines(),
    "helm": HelmCharts(),
    "gitops": GitOpsRepository(),
    "pulumi": PulumiStacks(),
}
