"""What the page knows of the specs: each project's path, approvers and module locations,
taken from the resolved estate (the same facts compile uses).

Read once when the service starts (the specs are the platform repository's, mounted
or baked into the image); the ledger is read on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from compiler.kubernetes.values import application_name
from compiler.resolve import Project
from compiler.resolve.policy import project_policy
from compiler.state.policy import ProjectPolicy

DEPLOYABLE = ("microservice", "worker")


@dataclass(frozen=True)
class ProjectView:
    policy: ProjectPolicy
    spec_file: str
    module_spans: dict[str, str]
    """`file:line:column` of each module's entry in its spec."""
    deployables: tuple[str, ...]
    """Modules that run in the environments (microservices and workers), in spec order."""
    applications: dict[tuple[str, str], str]
    """The Argo CD / Flux application of each (module, environment), as compile names it."""

    @property
    def key(self) -> tuple[str, str]:
        return self.policy.tenant, self.policy.project


@dataclass(frozen=True)
class WebEstate:
    projects: tuple[ProjectView, ...]

    def find(self, tenant: str, project: str) -> ProjectView | None:
        return next((p for p in self.projects if p.key == (tenant, project)), None)

    def visible_to(self, may_see: Callable[[str], bool]) -> list[ProjectView]:
        """The projects of the tenants a viewer may see."""
        return [p for p in self.projects if may_see(p.policy.tenant)]


def load_estate(specs: Path) -> WebEstate:
    """Every project of the specs under `specs`, as the resolve stage sees it (spec files
    named from the folder that holds `specs`, as manifests name them)."""
    from compiler.pipeline import resolve_specs

    estate = resolve_specs([specs], base=specs.resolve().parent)
    return WebEstate(tuple(sorted((_view(p) for p in estate.projects), key=lambda v: v.key)))


def _view(project: Project) -> ProjectView:
    policy = project_policy(project)
    spans = {m.name: str(project.source.span(m.path, at_key=True)) for m in project.modules}
    deployables = tuple(m.name for m in project.modules if m.type in DEPLOYABLE)
    applications = {
        (module, env.name): application_name(project, env.name, module)
        for module in deployables
        for env in project.environments
    }
    return ProjectView(policy, project.source.file, spans, deployables, applications)
