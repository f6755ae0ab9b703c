"""Target backends: each turns a resolved project (and its tenant) into the files of one family.

The registry is explicit; adding a target means adding a package and a line here.
A target that also writes tenant-wide repositories implements `TenantTarget`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from compiler.ir import OutputFile
from compiler.resolve.model import Project
from compiler.targets.azure_pipelines import AzurePipelines
from compiler.targets.gitops import GitOpsRepository
from compiler.targets.helm import HelmCharts
from compiler.targets.pulumi import PulumiStacks
from compiler.targets.repo import RepositoryLayout
from compiler.targets.tracking import TrackingNotifications


class Target(Protocol):
    name: str

    def files(self, project: Project) -> Iterable[OutputFile]:
        """Files inside the project's folder: `generated/<tenant>/<project>/<repo>/...`."""
        ...


@runtime_checkable
class TenantTarget(Protocol):
    name: str

    def tenant_files(self, tenant: str, projects: Sequence[Project]) -> Iterable[OutputFile]:
        """Files of tenant-wide repositories: `generated/<tenant>/_tenant/<repo>/...`."""
        ...


TARGETS: dict[str, Target] = {
    "repo": RepositoryLayout(),
    "azure-pipelines": AzurePipelines(),
    "helm": HelmCharts(),
    "gitops": GitOpsRepository(),
    "pulumi": PulumiStacks(),
    "tracking": TrackingNotifications(),
}
