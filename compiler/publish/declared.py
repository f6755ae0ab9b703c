"""What a repository's `.shipspec/pipeline.json` declares, as publish reads it.

The declaration is written by compile next to each pipeline; publish provisions
exactly what it names in Azure DevOps (the pipeline definition, environments and
their checks, variable groups, and the pipeline's permissions on each resource).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from compiler.errors import ShipspecError
from compiler.publish.inputs import RepoTarget

DECLARATION_FILE = ".shipspec/pipeline.json"


@dataclass(frozen=True)
class Approvals:
    approvers: tuple[str, ...]
    required: int


@dataclass(frozen=True)
class EnvironmentDecl:
    name: str
    approvals: Approvals | None
    exclusive_lock: bool


@dataclass(frozen=True)
class VariableGroupDecl:
    name: str
    key_vault: str
    service_connection: str
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class RepositoryRef:
    alias: str
    project: str
    name: str
    ref: str

    @property
    def tag(self) -> str | None:
        return self.ref.removeprefix("refs/tags/") if self.ref.startswith("refs/tags/") else None


@dataclass(frozen=True)
class PipelineDecl:
    """One YAML pipeline and every resource it uses."""

    name: str
    folder: str
    repository: str
    yaml_path: str
    default_branch: str
    repositories: tuple[RepositoryRef, ...]
    service_connections: tuple[str, ...]
    environments: tuple[EnvironmentDecl, ...]
    variable_groups: tuple[VariableGroupDecl, ...]


def declaration(target: RepoTarget) -> PipelineDecl | None:
    """The repository's pipeline declaration, if it has one."""
    found = next((f for f in target.files if f.path == DECLARATION_FILE), None)
    if found is None:
        return None
    try:
        return _parse(json.loads(found.data))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ShipspecError(
            f"{target.key}/{DECLARATION_FILE} cannot be read: {error}", hint="run shipspec compile"
        ) from None


def _parse(document: dict[str, Any]) -> PipelineDecl:
    pipeline = document["pipeline"]
    return PipelineDecl(
        name=str(pipeline["name"]),
        folder=str(pipeline["folder"]),
        repository=str(pipeline["repository"]),
        yaml_path=str(pipeline["yamlPath"]),
        default_branch=str(pipeline["defaultBranch"]),
        repositories=tuple(_repository(r) for r in document.get("repositories") or ()),
        service_connections=tuple(str(s) for s in document.get("serviceConnections") or ()),
        environments=tuple(_environment(e) for e in document.get("environments") or ()),
        variable_groups=tuple(_group(g) for g in document.get("variableGroups") or ()),
    )


def _repository(entry: dict[str, Any]) -> RepositoryRef:
    project, _, name = str(entry["name"]).rpartition("/")
    return RepositoryRef(str(entry["alias"]), project, name, str(entry["ref"]))


def _environment(entry: dict[str, Any]) -> EnvironmentDecl:
    approvals = entry.get("approvals")
    return EnvironmentDecl(
        name=str(entry["name"]),
        approvals=Approvals(tuple(approvals["approvers"]), int(approvals["required"]))
        if approvals
        else None,
        exclusive_lock=bool((entry.get("checks") or {}).get("exclusiveLock")),
    )


def _group(entry: dict[str, Any]) -> VariableGroupDecl:
    return VariableGroupDecl(
        name=str(entry["name"]),
        key_vault=str(entry["keyVault"]),
        service_connection=str(entry["serviceConnection"] or ""),
        secrets=tuple(str(s) for s in entry.get("secrets") or ()),
    )
