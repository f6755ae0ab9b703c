"""Pipeline definitions, made what `.shipspec/pipeline.json` declares.

A definition is found by name and folder; one that is missing is created (once its
repository exists), one whose folder, repository, default branch or YAML path
differs is updated, and a dry run says what it would do.
"""

from __future__ import annotations

from typing import Any

from azure.devops.v7_1.build.build_client import BuildClient
from azure.devops.v7_1.build.models import BuildDefinition, BuildRepository

from compiler.publish.declared import PipelineDecl
from compiler.publish.providers.azure_project import ProjectPart

BUILD = "Build (Read & execute) — the identity needs Edit build pipeline in the project"


class PipelineDefinitions(ProjectPart):
    """The pipeline definitions of one project."""

    def ensure(self, decl: PipelineDecl, repo_id: str | None) -> tuple[int | None, list[str]]:
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
        return int(current.id), self._update(build, decl, current, repo_id)

    def _update(
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
