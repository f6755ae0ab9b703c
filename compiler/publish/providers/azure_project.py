"""One Azure DevOps project as each part of its pipeline setup reaches it.

Every part (pipeline definitions, environments and their checks, variable groups)
holds the same four things: the provider, the organization's access checker,
where the project is, and whether this is a dry run; and names each call it makes
after the project, so that an error says which project it was about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compiler.publish.providers.azure_access import Access
    from compiler.publish.providers.azure_devops import AzureDevOpsProvider


@dataclass(frozen=True)
class Where:
    organization: str
    project: str
    project_id: str


class ProjectPart:
    """A part of one project's pipeline setup, through one provider."""

    def __init__(
        self, provider: AzureDevOpsProvider, access: Access, where: Where, dry_run: bool
    ) -> None:
        self.provider = provider
        self.access = access
        self.where = where
        self.dry = dry_run

    def _call(self, what: str, permission: str, call: Any) -> Any:
        return self.provider.call(f"{self.where.project}: {what}", permission, call)
