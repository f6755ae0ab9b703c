"""What the page knows of the specs: each project's path, approvers and module locations.

Read once when the service starts (the specs are the platform repository's, mounted
or baked into the image); the ledger is read on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from compiler.state.policy import EnvironmentPolicy, ProjectPolicy

DEPLOYABLE = ("microservice", "worker")


@dataclass(frozen=True)
class ProjectView:
    policy: ProjectPolicy
    spec_file: str
    module_spans: dict[str, str]
    """`file:line:column` of each module's entry in its spec."""
    deployables: tuple[str, ...]
    """Modules that run in the environments (microservices and workers), in spec order."""

    @property
    def key(self) -> tuple[str, str]:
        return self.policy.tenant, self.policy.project


@dataclass(frozen=True)
class WebEstate:
    projects: tuple[ProjectView, ...]

    def find(self, tenant: str, project: str) -> ProjectView | None:
        return next((p for p in self.projects if p.key == (tenant, project)), None)

    def tenants(self) -> tuple[str, ...]:
        return tuple(sorted({p.policy.tenant for p in self.projects}))

    def of_tenants(self, tenants: Iterable[str]) -> list[ProjectView]:
        allowed = set(tenants)
        return [p for p in self.projects if p.policy.tenant in allowed]


def load_estate(specs: Path) -> WebEstate:
    """Every project of the specs under `specs` (validated as `shipspec validate` does)."""
    from compiler.pipeline import load_spec

    spec = load_spec([specs])
    views = []
    for source in spec.projects:
        model = source.model.spec
        environments = tuple(
            EnvironmentPolicy(
                name=env.name,
                required_approvals=env.approvals.required if env.approvals else 0,
                approvers=tuple(env.approvals.approvers) if env.approvals else (),
            )
            for env in model.environments
        )
        modules = tuple(m.name for m in model.modules)
        policy = ProjectPolicy(source.tenant, source.name, environments, modules)
        spans = {
            m.name: str(source.span(("spec", "modules", i), at_key=True))
            for i, m in enumerate(model.modules)
        }
        deployables = tuple(m.name for m in model.modules if m.type in DEPLOYABLE)
        views.append(ProjectView(policy, source.file, spans, deployables))
    return WebEstate(tuple(sorted(views, key=lambda v: v.key)))
