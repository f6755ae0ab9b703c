"""What every target sees of a project: the validated model plus names resolved once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.ir import Lineage, OutputFile, Ownership
from compiler.plan.naming import dotnet_project_name
from compiler.spec.models import Library, Microservice, Project, Worker
from compiler.spec.source import ProjectSource

ModuleModel = Microservice | Worker | Library | Any


@dataclass(frozen=True)
class ModuleContext:
    index: int
    model: ModuleModel
    repository: str
    dotnet_name: str

    @property
    def key_path(self) -> str:
        return f"spec.modules[{self.index}]"

    @property
    def name(self) -> str:
        return str(self.model.name)

    @property
    def type(self) -> str:
        return str(self.model.type)

    @property
    def is_dotnet(self) -> bool:
        return self.type != "infrastructure"

    @property
    def runs_container(self) -> bool:
        return self.type in ("microservice", "worker")


@dataclass(frozen=True)
class ProjectContext:
    source: ProjectSource
    modules: tuple[ModuleContext, ...]

    @classmethod
    def of(cls, source: ProjectSource) -> ProjectContext:
        project = source.model
        modules = tuple(
            ModuleContext(
                index=index,
                model=module,
                repository=module.repository_name,
                dotnet_name=_dotnet_name(project, module),
            )
            for index, module in enumerate(project.spec.modules)
        )
        return cls(source, modules)

    @property
    def model(self) -> Project:
        return self.source.model

    @property
    def tenant(self) -> str:
        return self.source.tenant

    @property
    def name(self) -> str:
        return self.source.name

    def file(
        self,
        path: str,
        template: str,
        context: Mapping[str, Any],
        key_path: str,
        ownership: Ownership = Ownership.MANAGED,
    ) -> OutputFile:
        lineage = Lineage(self.source.file, key_path, template)
        return OutputFile(path, template, context, ownership, lineage)


def _dotnet_name(project: Project, module: ModuleModel) -> str:
    if isinstance(module, Library):
        return module.package.id
    return dotnet_project_name(project.metadata.tenant, project.metadata.name, module.name)
