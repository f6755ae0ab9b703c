"""What the pipelines need in Azure DevOps, made what `.shipspec/pipeline.json` declares.

Each part reads first, creates what is missing, updates only what differs and
returns what it did (or, in a dry run, what it would do and any drift it found):
pipeline definitions (:mod:`.azure_definitions`), environments and their checks
(:mod:`.azure_environments`) and variable groups (:mod:`.azure_groups`).  This
module finds the project, the repositories and service connections the parts
refer to, and is what :mod:`compiler.publish.provision` calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from azure.devops.v7_1.core.core_client import CoreClient
from azure.devops.v7_1.git.git_client import GitClient
from azure.devops.v7_1.service_endpoint.service_endpoint_client import ServiceEndpointClient

from compiler.errors import ExternalError
from compiler.publish.declared import EnvironmentDecl, PipelineDecl, VariableGroupDecl
from compiler.publish.providers.azure_definitions import PipelineDefinitions
from compiler.publish.providers.azure_environments import Environments
from compiler.publish.providers.azure_groups import VariableGroups
from compiler.publish.providers.azure_project import ProjectPart, Where
from compiler.publish.providers.azure_transport import Absent
from compiler.spec.tenant import build_service

if TYPE_CHECKING:
    from compiler.publish.providers.azure_access import Access
    from compiler.publish.providers.azure_devops import AzureDevOpsProvider

READ = "Code (Read) — the identity needs Read on the repository"
ENDPOINTS = "Service Connections (Read & query) — the identity needs the User role on it"


class Setups:
    """The provider's pipeline side: one :class:`PipelineSetup` per Azure DevOps project."""

    def __init__(self, provider: AzureDevOpsProvider, dry_run: bool) -> None:
        self.provider = provider
        self.dry = dry_run
        self._access: dict[str, Access] = {}

    def project(self, organization: str, project: str) -> PipelineSetup:
        from compiler.publish.providers.azure_access import Access

        core = self.provider.client(organization, CoreClient)
        try:
            team = self.provider.call(
                f"look up project {project}", READ, lambda: core.get_project(project)
            )
        except Absent:
            raise ExternalError(
                f"Azure DevOps project {project!r} does not exist in organization {organization!r}",
                hint="create the project, or fix spec.azureDevOps.project",
            ) from None
        access = self._access.setdefault(
            organization, Access(self.provider, organization, self.dry)
        )
        return PipelineSetup(
            self.provider, access, Where(organization, project, str(team.id)), self.dry
        )


class PipelineSetup(ProjectPart):
    """One Azure DevOps project's pipeline objects, through one provider."""

    def __init__(
        self, provider: AzureDevOpsProvider, access: Access, where: Where, dry_run: bool
    ) -> None:
        super().__init__(provider, access, where, dry_run)
        self._repositories: dict[tuple[str, str], Any] = {}
        self._definitions = PipelineDefinitions(provider, access, where, dry_run)
        self._environments = Environments(provider, access, where, dry_run)
        self._groups = VariableGroups(provider, access, where, dry_run)

    def build_service(self, organization: str, project: str) -> str:
        return build_service(organization, project)

    def repository(self, project: str, name: str) -> Any:
        """The Git repository (any project of the organization), or None."""
        key = (project, name)
        if key not in self._repositories:
            git = self.provider.client(self.where.organization, GitClient)
            try:
                self._repositories[key] = self.provider.call(
                    f"{project}: look up repository {name}",
                    READ,
                    lambda: git.get_repository(name, project=project),
                )
            except Absent:
                return None
        return self._repositories[key]

    def repository_id(self, project: str, name: str) -> str | None:
        found = self.repository(project, name)
        return None if found is None else str(found.id)

    def tag_exists(self, project: str, name: str, tag: str) -> bool:
        found = self.repository(project, name)
        if found is None:
            return False
        git = self.provider.client(self.where.organization, GitClient)
        refs = self.provider.call(
            f"{project}: look up refs/tags/{tag} of {name}",
            READ,
            lambda: git.get_refs(found.id, project=project, filter=f"tags/{tag}") or [],
        )
        return any(r.name == f"refs/tags/{tag}" for r in refs)

    def pipeline(self, decl: PipelineDecl, repo_id: str | None) -> tuple[int | None, list[str]]:
        return self._definitions.ensure(decl, repo_id)

    def environment(self, decl: EnvironmentDecl) -> tuple[int | None, list[str]]:
        return self._environments.ensure(decl)

    def checks(self, decl: EnvironmentDecl, env_id: int | None) -> list[str]:
        return self._environments.checks(decl, env_id)

    def variable_group(self, decl: VariableGroupDecl) -> tuple[int | None, list[str]]:
        endpoint = self.endpoints([decl.service_connection]).get(decl.service_connection)
        return self._groups.ensure(decl, endpoint)

    def endpoints(self, names: list[str] | tuple[str, ...]) -> dict[str, str]:
        """Service connection name -> id; a missing one is an error (it holds credentials)."""
        wanted = sorted({n for n in names if n})
        if not wanted:
            return {}
        client = self.provider.client(self.where.organization, ServiceEndpointClient)
        found = self._call(
            "look up service connections",
            ENDPOINTS,
            lambda: client.get_service_endpoints_by_names(self.where.project, wanted) or [],
        )
        ids = {e.name: str(e.id) for e in found}
        missing = [n for n in wanted if n not in ids]
        if missing:
            raise ExternalError(
                f"{self.where.project}: service connection(s) {', '.join(missing)} do not exist "
                f"in Azure DevOps project {self.where.project}",
                hint="create them (Project settings > Service connections); shipspec never "
                "creates service connections because they hold credentials",
            )
        return ids
