"""The release policy of one project, as the state store needs it from the spec.

The domain layer does not import the spec model: :mod:`compiler.resolve.policy`
derives a :class:`ProjectPolicy` from the resolved project (or from the compiled
contracts, for the tracker) and callers pass it in; tests build one directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from compiler.state.errors import InvariantError


@dataclass(frozen=True)
class EnvironmentPolicy:
    """One step of the environment path and the approvals it requires.

    ``approvers`` are the users and groups the spec names; ``declared`` the membership the
    Tenant document declares for some of them (normalised group -> normalised members),
    used instead of the groups read from Azure DevOps; ``eligible`` optionally lists
    individual identities that the store itself enforces.  ``health_gates`` names gates
    that must all pass; when empty, a promotion needs at least one passing gate.
    """

    name: str
    required_approvals: int = 0
    approvers: tuple[str, ...] = ()
    eligible: tuple[str, ...] = ()
    health_gates: tuple[str, ...] = ()
    declared: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectPolicy:
    """A project's environment path, in order, and its modules."""

    tenant: str
    project: str
    environments: tuple[EnvironmentPolicy, ...]
    modules: tuple[str, ...] = ()
    pipelines: tuple[str, ...] = ()
    organization: str = ""

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(environment.name for environment in self.environments)

    def environment(self, name: str) -> EnvironmentPolicy:
        for environment in self.environments:
            if environment.name == name:
                return environment
        raise InvariantError(
            f"environment {name!r} is not on the path of {self.tenant}/{self.project}",
            hint=f"the path is {' -> '.join(self.path)}",
        )

    def index(self, name: str) -> int:
        return self.path.index(self.environment(name).name)

    def previous(self, name: str) -> str | None:
        """The environment before ``name`` on the path, or None for the first one."""
        position = self.index(name)
        return self.path[position - 1] if position > 0 else None

    def check_run(self, pipeline: str, module: str | None) -> None:
        """A run is recorded only for a pipeline (and module) the specs declare."""
        if module is not None:
            self.check_module(module)
        if self.pipelines and pipeline not in self.pipelines:
            raise InvariantError(
                f"pipeline {pipeline!r} is not generated for {self.tenant}/{self.project}",
                hint=f"its pipelines: {', '.join(sorted(self.pipelines))}",
            )

    def check_module(self, module: str) -> None:
        if self.modules and module not in self.modules:
            raise InvariantError(
                f"module {module!r} is not declared in {self.tenant}/{self.project}",
                hint=f"declared modules: {', '.join(sorted(self.modules))}",
            )
