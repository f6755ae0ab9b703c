"""What the pipelines need in Azure DevOps, made what `.shipspec/pipeline.json` declares.

Each ``ensure_*`` reads first, creates what is missing, updates only what differs and
returns what it did (or, in a dry run, what it would do and any drift it found).
Approvers a human added to an Approvals check are kept and reported, never removed.

Objects whose SDK models drop fields the service sends (check settings, Key Vault
provider data of variable groups) are read and written as JSON through the SDK's
own transport (:meth:`AzureDevOpsProvider.raw`), so nothing is silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from azure.devops.v7_1.build.build_client import BuildClient
from azure.devops.v7_1.build.models import BuildDefinition, BuildRepository
from azure.devops.v7_1.core.core_client import CoreClient
from azure.devops.v7_1.git.git_client import GitClient
from azure.devops.v7_1.pipelines_checks.pipelines_checks_client import PipelinesChecksClient
from azure.devops.v7_1.service_endpoint.service_endpoint_client import ServiceEndpointClient
from azure.devops.v7_1.task_agent.models import EnvironmentCreateParameter
from azure.devops.v7_1.task_agent.task_agent_client import TaskAgentClient

from compiler.errors import ExternalError
from compiler.publish.declared import EnvironmentDecl, PipelineDecl, VariableGroupDecl
from compiler.publish.providers.azure_devops import Absent
from compiler.spec.tenant import build_service

if TYPE_CHECKING:
    from compiler.publish.providers.azure_access import Access
    from compiler.publish.providers.azure_devops import AzureDevOpsProvider

BUILD = "Build (Read & execute) — the identity needs Edit build pipeline in the project"
ENVIRONMENTS = (
    "Environment (Read & manage) — the identity needs the Creator role on Environments "
    "and Administrator on each environment to edit its checks"
)
GROUPS = (
    "Variable Groups (Read, create & manage) — the identity needs the Creator role on "
    "the Library and Administrator on each variable group"
)
READ = "Code (Read) — the identity needs Read on the repository"
ENDPOINTS = "Service Connections (Read & query) — the identity needs the User role on it"
APPROVAL = "8c6f20a7-a545-4486-9777-f762fafe0d4d"
EXCLUSIVE_LOCK = "2ef31ad6-baa0-403a-8b45-2cbc9b4e5563"
CHECKS = "86c8381e-5aee-4cde-8ae4-25c0c7f5eaea"
GROUPS_PROJECT = "f5b09dd5-9d54-45a1-8b5a-1c8287d634cc"
GROUPS_ORG = "ef5b7057-ffc3-4c77-bbad-c10b4a4abcc7"
CHECK_TIMEOUT = 43200
"""Minutes an approval waits (30 days, the service's maximum)."""


@dataclass(frozen=True)
class Where:
    organization: str
    project: str
    project_id: str


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


class PipelineSetup:
    """One Azure DevOps project's pipeline objects, through one provider."""

    def __init__(
        self, provider: AzureDevOpsProvider, access: Access, where: Where, dry_run: bool
    ) -> None:
        self.provider = provider
        self.access = access
        self.where = where
        self.dry = dry_run
        self._repositories: dict[tuple[str, str], Any] = {}

    def build_service(self, organization: str, project: str) -> str:
        return build_service(organization, project)

    def _call(self, what: str, permission: str, call: Any) -> Any:
        return self.provider.call(f"{self.where.project}: {what}", permission, call)

    # --- repositories -------------------------------------------------------------------------

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

    # --- pipeline definitions ------------------------------------------------------------------

    def pipeline(self, decl: PipelineDecl, repo_id: str | None) -> tuple[int | None, list[str]]:
        build = self.provider.client(self.where.organization, BuildClient)
        project = self.where.project
        found = self._call(
            f"list pipelines named {decl.name}",
            BUILD,
            lambda: build.get_definitions(project, name=decl.name) or [],
        )
        mine = [d for d in found if (d.path or "\\") == decl.folder]
        if not mine:
            if self.dry or repo_id is None:
                return None, [f"would create pipeline {decl.name}"]
            created = self._call(
                f"create pipeline {decl.name}",
                BUILD,
                lambda: build.create_definition(_definition(decl, repo_id), project),
            )
            return int(created.id), [f"created pipeline {decl.name}"]
        current = self._call(
            f"read pipeline {decl.name}",
            BUILD,
            lambda: build.get_definition(project, mine[0].id),
        )
        return int(current.id), self._update_pipeline(build, decl, current, repo_id)

    def _update_pipeline(
        self, build: BuildClient, decl: PipelineDecl, current: Any, repo_id: str | None
    ) -> list[str]:
        differs = _pipeline_drift(decl, current, repo_id)
        if not differs:
            return []
        if self.dry or repo_id is None:
            return [f"would update pipeline {decl.name} ({', '.join(differs)})"]
        wanted = _definition(decl, repo_id)
        current.repository = wanted.repository
        current.process = wanted.process
        current.path = decl.folder
        self._call(
            f"update pipeline {decl.name}",
            BUILD,
            lambda: build.update_definition(current, self.where.project, current.id),
        )
        return [f"updated pipeline {decl.name} ({', '.join(differs)})"]

    # --- environments and their checks ---------------------------------------------------------

    def environment(self, decl: EnvironmentDecl) -> tuple[int | None, list[str]]:
        agent = self.provider.client(self.where.organization, TaskAgentClient)
        project = self.where.project
        found = self._call(
            f"look up environment {decl.name}",
            ENVIRONMENTS,
            lambda: agent.get_environments(project, name=decl.name) or [],
        )
        exact = [e for e in found if e.name == decl.name]
        if exact:
            return int(exact[0].id), []
        if self.dry:
            return None, [f"would create environment {decl.name}"]
        body = EnvironmentCreateParameter(
            name=decl.name,
            description="Managed by shipspec: approvals and checks come from the spec.",
        )
        created = self._call(
            f"create environment {decl.name}",
            ENVIRONMENTS,
            lambda: agent.add_environment(body, project),
        )
        return int(created.id), [f"created environment {decl.name}"]

    def checks(self, decl: EnvironmentDecl, env_id: int | None) -> list[str]:
        if env_id is None:
            return _new_checks(decl)
        existing = self._checks_on(env_id)
        actions: list[str] = []
        if decl.approvals is not None:
            actions += self._approval(decl, env_id, existing)
        if decl.exclusive_lock and not [c for c in existing if _kind(c) == EXCLUSIVE_LOCK]:
            actions += self._add_check(decl.name, env_id, EXCLUSIVE_LOCK, "ExclusiveLock", {})
        return actions

    def _checks_on(self, env_id: int) -> list[dict[str, Any]]:
        found = self.provider.raw(
            self.where.organization,
            PipelinesChecksClient,
            f"{self.where.project}: read checks of environment {env_id}",
            ENVIRONMENTS,
            "GET",
            CHECKS,
            "7.1-preview.1",
            {"project": self.where.project},
            {"resourceType": "environment", "resourceId": str(env_id), "$expand": "settings"},
        )
        return list((found or {}).get("value") or [])

    def _approval(
        self, decl: EnvironmentDecl, env_id: int, existing: list[dict[str, Any]]
    ) -> list[str]:
        assert decl.approvals is not None
        ids = self.access.identities(decl.approvals.approvers)
        current = [c for c in existing if _kind(c) == APPROVAL]
        if not current:
            settings = _approval_settings(decl, ids, [])
            return self._add_check(decl.name, env_id, APPROVAL, "Approval", settings)
        check = current[0]
        settings = dict(check.get("settings") or {})
        declared = set(ids.values())
        extra = [a for a in settings.get("approvers") or [] if a.get("id") not in declared]
        kept = [
            f"kept approver {a.get('displayName') or a.get('id')} on {decl.name} "
            "(not in the spec; added in Azure DevOps)"
            for a in extra
        ]
        wanted = _approval_settings(decl, ids, extra)
        differs = _settings_drift(settings, wanted)
        if not differs:
            return kept
        if self.dry:
            return [*kept, f"drift: approvals on {decl.name} differ ({', '.join(differs)})"]
        self.provider.raw(
            self.where.organization,
            PipelinesChecksClient,
            f"{self.where.project}: update approvals of {decl.name}",
            ENVIRONMENTS,
            "PATCH",
            CHECKS,
            "7.1-preview.1",
            {"project": self.where.project, "id": str(check["id"])},
            body={
                **_check_body(env_id, decl.name, APPROVAL, "Approval", wanted),
                "id": check["id"],
            },
        )
        return [*kept, f"updated approvals on {decl.name} ({', '.join(differs)})"]

    def _add_check(
        self, env: str, env_id: int, kind: str, label: str, settings: dict[str, Any]
    ) -> list[str]:
        name = "approvals" if kind == APPROVAL else "exclusive lock"
        if self.dry:
            return [f"would add {name} check to {env}"]
        self.provider.raw(
            self.where.organization,
            PipelinesChecksClient,
            f"{self.where.project}: add {name} check to {env}",
            ENVIRONMENTS,
            "POST",
            CHECKS,
            "7.1-preview.1",
            {"project": self.where.project},
            body=_check_body(env_id, env, kind, label, settings),
        )
        return [f"added {name} check to {env}"]

    # --- variable groups -----------------------------------------------------------------------

    def variable_group(self, decl: VariableGroupDecl) -> tuple[int | None, list[str]]:
        endpoint = self.endpoints([decl.service_connection]).get(decl.service_connection)
        found = self.provider.raw(
            self.where.organization,
            TaskAgentClient,
            f"{self.where.project}: look up variable group {decl.name}",
            GROUPS,
            "GET",
            GROUPS_PROJECT,
            "7.1-preview.2",
            {"project": self.where.project},
            {"groupName": decl.name},
        )
        existing = [g for g in (found or {}).get("value") or [] if g.get("name") == decl.name]
        body = _group_body(decl, endpoint, self.where)
        if not existing:
            return self._write_group(decl, body, None, "created")
        group = existing[0]
        differs = _group_drift(group, body)
        if not differs:
            return int(group["id"]), []
        if self.dry:
            return int(group["id"]), [f"drift: variable group {decl.name} ({', '.join(differs)})"]
        group_id, _ = self._write_group(decl, body, int(group["id"]), "updated")
        return group_id, [f"updated variable group {decl.name} ({', '.join(differs)})"]

    def _write_group(
        self, decl: VariableGroupDecl, body: dict[str, Any], group_id: int | None, verb: str
    ) -> tuple[int | None, list[str]]:
        if self.dry:
            return group_id, [f"would create variable group {decl.name}"]
        written = self.provider.raw(
            self.where.organization,
            TaskAgentClient,
            f"{self.where.project}: write variable group {decl.name}",
            GROUPS,
            "POST" if group_id is None else "PUT",
            GROUPS_ORG,
            "7.1-preview.2",
            {} if group_id is None else {"groupId": str(group_id)},
            body=body,
        )
        return int(written["id"]), [
            f"{verb} variable group {decl.name} (Key Vault {decl.key_vault})"
        ]

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


# --- pure helpers -----------------------------------------------------------------------------------


def _definition(decl: PipelineDecl, repo_id: str) -> BuildDefinition:
    return BuildDefinition(
        name=decl.name,
        path=decl.folder,
        repository=BuildRepository(
            id=repo_id,
            type="TfsGit",
            name=decl.repository,
            default_branch=f"refs/heads/{decl.default_branch}",
        ),
        process={"type": 2, "yamlFilename": decl.yaml_path},
        triggers=[{"triggerType": "continuousIntegration", "settingsSourceType": 2}],
        type="build",
    )


def _pipeline_drift(decl: PipelineDecl, current: Any, repo_id: str | None) -> list[str]:
    process = current.process or {}
    repository = current.repository
    found = {
        "folder": current.path or "\\",
        "repository": (repository.id if repository else None),
        "default branch": (repository.default_branch if repository else None),
        "YAML path": process.get("yamlFilename"),
    }
    wanted = {
        "folder": decl.folder,
        "repository": repo_id,
        "default branch": f"refs/heads/{decl.default_branch}",
        "YAML path": decl.yaml_path,
    }
    return [key for key in wanted if found[key] != wanted[key]]


def _kind(check: dict[str, Any]) -> str:
    return str((check.get("type") or {}).get("id", "")).lower()


def _new_checks(decl: EnvironmentDecl) -> list[str]:
    out = [f"would add approvals check to {decl.name}"] if decl.approvals else []
    return out + ([f"would add exclusive lock check to {decl.name}"] if decl.exclusive_lock else [])


def _approval_settings(
    decl: EnvironmentDecl, ids: dict[str, str], extra: list[dict[str, Any]]
) -> dict[str, Any]:
    assert decl.approvals is not None
    approvers = [{"id": ids[name], "displayName": name} for name in decl.approvals.approvers]
    return {
        "approvers": approvers + extra,
        "executionOrder": "anyOrder",
        "minRequiredApprovers": decl.approvals.required,
        "requesterCannotBeApprover": True,
        "blockedApprovers": [],
        "instructions": "Approve the promotion to this environment (declared in the spec).",
    }


def _settings_drift(current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    differs = []
    have = {a.get("id") for a in current.get("approvers") or []}
    missing = [a["displayName"] for a in wanted["approvers"] if a["id"] not in have]
    if missing:
        differs.append(f"missing approvers {', '.join(missing)}")
    if current.get("minRequiredApprovers") != wanted["minRequiredApprovers"]:
        differs.append(
            f"required {current.get('minRequiredApprovers')} -> {wanted['minRequiredApprovers']}"
        )
    if current.get("requesterCannotBeApprover") is not True:
        differs.append("approvers could approve their own runs")
    return differs


def _check_body(
    env_id: int, env: str, kind: str, label: str, settings: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": {"id": kind, "name": label},
        "settings": settings,
        "resource": {"type": "environment", "id": str(env_id), "name": env},
        "timeout": CHECK_TIMEOUT,
    }


def _group_body(decl: VariableGroupDecl, endpoint: str | None, where: Where) -> dict[str, Any]:
    return {
        "name": decl.name,
        "description": "Managed by shipspec: secrets come from the environment's Key Vault.",
        "type": "AzureKeyVault",
        "providerData": {"serviceEndpointId": endpoint, "vault": decl.key_vault},
        "variables": {
            secret: {"isSecret": True, "enabled": True, "value": None} for secret in decl.secrets
        },
        "variableGroupProjectReferences": [
            {
                "name": decl.name,
                "description": "",
                "projectReference": {"id": where.project_id, "name": where.project},
            }
        ],
    }


def _group_drift(group: dict[str, Any], body: dict[str, Any]) -> list[str]:
    differs = []
    provider = group.get("providerData") or {}
    if group.get("type") != "AzureKeyVault":
        differs.append("not linked to Key Vault")
    if provider.get("vault") != body["providerData"]["vault"]:
        differs.append(f"vault {provider.get('vault')} -> {body['providerData']['vault']}")
    if provider.get("serviceEndpointId") != body["providerData"]["serviceEndpointId"]:
        differs.append("service connection")
    if sorted(group.get("variables") or {}) != sorted(body["variables"]):
        differs.append("secrets")
    return differs
