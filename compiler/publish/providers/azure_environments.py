"""Environments and their checks, made what `.shipspec/pipeline.json` declares.

An environment missing is created; its Approvals check gets the declared approvers
and count, and an exclusive lock where declared.  Approvers a human added to an
Approvals check are kept and reported, never removed.  Check settings are read and
written as JSON through the SDK's own transport
(:meth:`~compiler.publish.providers.azure_transport.AzureDevOpsTransport.raw`),
because the SDK's models drop fields the service sends.
"""

from __future__ import annotations

from typing import Any

from azure.devops.v7_1.pipelines_checks.pipelines_checks_client import PipelinesChecksClient
from azure.devops.v7_1.task_agent.models import EnvironmentCreateParameter
from azure.devops.v7_1.task_agent.task_agent_client import TaskAgentClient

from compiler.publish.declared import EnvironmentDecl
from compiler.publish.providers.azure_project import ProjectPart

ENVIRONMENTS = (
    "Environment (Read & manage) — the identity needs the Creator role on Environments "
    "and Administrator on each environment to edit its checks"
)
APPROVAL = "8c6f20a7-a545-4486-9777-f762fafe0d4d"
EXCLUSIVE_LOCK = "2ef31ad6-baa0-403a-8b45-2cbc9b4e5563"
CHECKS = "86c8381e-5aee-4cde-8ae4-25c0c7f5eaea"
CHECK_TIMEOUT = 43200
"""Minutes an approval waits (30 days, the service's maximum)."""


class Environments(ProjectPart):
    """The environments of one project and the checks on each."""

    def ensure(self, decl: EnvironmentDecl) -> tuple[int | None, list[str]]:
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
