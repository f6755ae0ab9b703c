"""The release policy of a project: its environment path, who approves each step, what runs.

The state store decides with a :class:`~compiler.state.policy.ProjectPolicy`.  It is
derived here and nowhere else: :func:`project_policy` from a resolved project (the
state commands and the release page), :func:`release_policy` from the same facts as
the compiled contracts carry them (the tracker reads `.shipspec/pipeline.json`, which
compile wrote from the resolved project), so every reader judges approvals alike.

>>> policy = release_policy("acme", "shop", [("dev", None), ("prod", Approvals(1, ("ops",)))])
>>> policy.path, policy.environment("prod").required_approvals, policy.environment("dev").approvers
(('dev', 'prod'), 1, ())
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from compiler.layout import pipeline_name
from compiler.resolve.model import Approvals, Project
from compiler.spec.models.documents import ApproverGroup
from compiler.state.identity import normalise
from compiler.state.policy import EnvironmentPolicy, ProjectPolicy

Declared = Mapping[str, frozenset[str]]
"""Approver group -> its members as the Tenant document declares them (both normalised)."""


def project_policy(project: Project) -> ProjectPolicy:
    """The release policy of a resolved project."""
    modules = tuple(module.name for module in project.modules)
    return release_policy(
        project.tenant,
        project.name,
        [(env.name, env.approvals) for env in project.environments],
        modules=modules,
        pipelines=tuple(pipeline_name(name) for name in (*modules, project.infra_repository)),
        organization=project.organization,
        declared=declared_members(project.source.approver_groups),
    )


def release_policy(
    tenant: str,
    project: str,
    path: Iterable[tuple[str, Approvals | None]],
    *,
    modules: tuple[str, ...] = (),
    pipelines: tuple[str, ...] = (),
    organization: str = "",
    declared: Declared | None = None,
) -> ProjectPolicy:
    """A policy from its facts: the environments in path order with their approvals."""
    environments = tuple(
        environment_policy(name, approvals, declared or {}) for name, approvals in path
    )
    return ProjectPolicy(tenant, project, environments, modules, pipelines, organization)


def environment_policy(
    name: str, approvals: Approvals | None, declared: Declared
) -> EnvironmentPolicy:
    """One step of the path: no approvals, or `required` of the named approvers."""
    if approvals is None:
        return EnvironmentPolicy(name=name, declared=declared)
    return EnvironmentPolicy(
        name=name,
        required_approvals=approvals.required,
        approvers=tuple(approvals.approvers),
        declared=declared,
    )


def declared_members(groups: Sequence[ApproverGroup]) -> Declared:
    """The Tenant document's approver groups, normalised as identities are compared."""
    return {
        normalise(group.name): frozenset(normalise(member) for member in group.members)
        for group in groups
    }
