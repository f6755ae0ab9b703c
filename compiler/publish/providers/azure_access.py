"""Who may use what in Azure DevOps: identities, pipeline permissions, Git permissions.

- Pipeline permissions: each shipspec pipeline is authorized for exactly the
  repositories, service connections, environments and variable groups it uses (and
  shipspec's other pipelines in the project are not); pipelines shipspec does not
  know are left alone.
- Git permissions (security namespace ``Git Repositories``): the project Build Service
  may read each repository and push nowhere, except to the branches a repository's
  declaration lists under ``pushers`` (the GitOps default branch), where it may push
  without a pull request; ``readers`` (other projects' Build Services) may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from azure.devops.v7_1.identity.identity_client import IdentityClient
from azure.devops.v7_1.pipeline_permissions.models import (
    PipelinePermission,
    ResourcePipelinePermissions,
)
from azure.devops.v7_1.pipeline_permissions.pipeline_permissions_client import (
    PipelinePermissionsClient,
)
from azure.devops.v7_1.security.models import AccessControlEntry
from azure.devops.v7_1.security.security_client import SecurityClient

from compiler.errors import ExternalError
from compiler.publish.inputs import RepositoryConfig

if TYPE_CHECKING:
    from compiler.publish.providers.azure_devops import AzureDevOpsProvider

IDENTITIES = "Identity (Read) — the identity needs to read users and groups of the organization"
AUTHORIZE = (
    "the identity needs Administrator on each repository, service connection, environment "
    "and variable group to authorize pipelines for it"
)
SECURITY = "Code (Read, write & manage) — the identity needs Manage permissions on the repository"
GIT_NAMESPACE = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87"
READ, CONTRIBUTE, FORCE_PUSH, CREATE_BRANCH, CREATE_TAG, POLICY_EXEMPT = 2, 4, 8, 16, 32, 128
REPOSITORY_ACE = (READ, CONTRIBUTE | FORCE_PUSH | CREATE_BRANCH | CREATE_TAG)
"""(allow, deny) for the Build Service on a whole repository."""
PUSH_ACE = (CONTRIBUTE | POLICY_EXEMPT, 0)
"""(allow, deny) on a branch it pushes to: contribute, bypassing policies (no pull request)."""


def branch_token(project_id: str, repo_id: str, branch: str) -> str:
    """The security token of a branch: each ref segment as UTF-16LE hex.

    >>> branch_token("p", "r", "main")
    'repoV2/p/r/refs/heads/6d00610069006e00'
    """
    encoded = "/".join(part.encode("utf-16-le").hex() for part in branch.split("/"))
    return f"repoV2/{project_id}/{repo_id}/refs/heads/{encoded}"


class Access:
    """Identities and permissions of one organization, read once, changed when they differ."""

    def __init__(self, provider: AzureDevOpsProvider, organization: str, dry_run: bool) -> None:
        self.provider = provider
        self.organization = organization
        self.dry = dry_run
        self._identities: dict[str, Any] = {}

    # --- identities ----------------------------------------------------------------------------

    def identity(self, name: str) -> Any:
        if name not in self._identities:
            client = self.provider.client(self.organization, IdentityClient)
            found = self.provider.call(
                f"look up identity {name}",
                IDENTITIES,
                lambda: client.read_identities(search_filter="General", filter_value=name) or [],
            )
            if not found:
                raise ExternalError(
                    f"{name!r} is not a user or group of organization {self.organization}",
                    hint="fix the approver in the spec, or create the group in Azure DevOps",
                )
            self._identities[name] = found[0]
        return self._identities[name]

    def identities(self, names: Iterable[str]) -> dict[str, str]:
        return {name: str(self.identity(name).id) for name in names}

    # --- pipeline permissions ------------------------------------------------------------------

    def authorize(
        self, project: str, kind: str, resource: str, label: str, wanted: Mapping[int, bool]
    ) -> list[str]:
        """Make each listed pipeline's authorization on one resource what ``wanted`` says."""
        client = self.provider.client(self.organization, PipelinePermissionsClient)
        current = self.provider.call(
            f"{project}: read pipeline permissions of {label}",
            AUTHORIZE,
            lambda: client.get_pipeline_permissions_for_resource(project, kind, resource),
        )
        have = {p.id: bool(p.authorized) for p in (current.pipelines or [])} if current else {}
        changes = {
            pid: ok
            for pid, ok in wanted.items()
            if have.get(pid, False) != ok and (ok or pid in have)
        }
        if not changes:
            return []
        verb = "would authorize" if self.dry else "authorized"
        shown = f"{verb} {_count(changes)} for {label}"
        if self.dry:
            return [shown]
        body = ResourcePipelinePermissions(
            pipelines=[
                PipelinePermission(id=pid, authorized=ok) for pid, ok in sorted(changes.items())
            ]
        )
        self.provider.call(
            f"{project}: authorize pipelines for {label}",
            AUTHORIZE,
            lambda: client.update_pipeline_permisions_for_resource(body, project, kind, resource),
        )
        return [shown]

    # --- Git permissions -----------------------------------------------------------------------

    def repository(
        self, config: RepositoryConfig, project_id: str, repo_id: str, build_service: str
    ) -> list[str]:
        """The Build Service reads here and pushes only where the declaration says."""
        token = f"repoV2/{project_id}/{repo_id}"
        wanted: list[tuple[str, str, tuple[int, int], str]] = [
            (
                token,
                build_service,
                REPOSITORY_ACE,
                f"{config.name}: {build_service} may read, not push",
            )
        ]
        for pusher in config.pushers:
            wanted.append(
                (
                    branch_token(project_id, repo_id, pusher.branch),
                    pusher.identity,
                    PUSH_ACE,
                    f"{config.name}: {pusher.identity} may push to {pusher.branch} without a pull request",
                )
            )
        for reader in config.readers:
            if reader != build_service:
                wanted.append((token, reader, (READ, 0), f"{config.name}: {reader} may read"))
        return [action for entry in wanted for action in self._ace(*entry)]

    def _ace(self, token: str, name: str, bits: tuple[int, int], label: str) -> list[str]:
        descriptor = str(self.identity(name).descriptor)
        client = self.provider.client(self.organization, SecurityClient)
        acls = self.provider.call(
            f"read Git permissions ({label})",
            SECURITY,
            lambda: (
                client.query_access_control_lists(
                    GIT_NAMESPACE, token=token, descriptors=descriptor
                )
                or []
            ),
        )
        current = next(
            (
                ace
                for acl in acls
                if acl.token == token
                for ace in (acl.aces_dictionary or {}).values()
                if ace.descriptor == descriptor
            ),
            None,
        )
        if current is not None and (current.allow or 0, current.deny or 0) == bits:
            return []
        if self.dry:
            return [f"would set Git permissions: {label}"]
        body = {
            "token": token,
            "merge": False,
            "accessControlEntries": [
                AccessControlEntry(descriptor=descriptor, allow=bits[0], deny=bits[1]).as_dict()
            ],
        }
        self.provider.call(
            f"set Git permissions ({label})",
            SECURITY,
            lambda: client.set_access_control_entries(body, GIT_NAMESPACE),
        )
        return [f"set Git permissions: {label}"]


def _count(changes: Mapping[int, bool]) -> str:
    granted = sum(changes.values())
    revoked = len(changes) - granted
    parts = [f"{granted} pipeline(s)"] if granted else []
    return ", ".join(parts + ([f"revoked {revoked}"] if revoked else []))
