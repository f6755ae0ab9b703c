"""Variable groups linked to an environment's Key Vault, made what the pipelines declare.

A group is read and written as JSON through the SDK's own transport
(:meth:`~compiler.publish.providers.azure_transport.AzureDevOpsTransport.raw`),
because the SDK's model drops the Key Vault provider data.  A group that differs
(vault, service connection, secrets) is rewritten; a dry run reports the drift.
"""

from __future__ import annotations

from typing import Any

from azure.devops.v7_1.task_agent.task_agent_client import TaskAgentClient

from compiler.publish.declared import VariableGroupDecl
from compiler.publish.providers.azure_project import ProjectPart, Where

GROUPS = (
    "Variable Groups (Read, create & manage) — the identity needs the Creator role on "
    "the Library and Administrator on each variable group"
)
GROUPS_PROJECT = "f5b09dd5-9d54-45a1-8b5a-1c8287d634cc"
GROUPS_ORG = "ef5b7057-ffc3-4c77-bbad-c10b4a4abcc7"


class VariableGroups(ProjectPart):
    """The variable groups of one project."""

    def ensure(self, decl: VariableGroupDecl, endpoint: str | None) -> tuple[int | None, list[str]]:
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
