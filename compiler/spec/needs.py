"""Project-wide settings that become required once a module needs them.

A registry is optional until a module builds an image; a feed until a library
publishes a package; and so on.  The error names the modules that need it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.errors import Diagnostic
from compiler.spec.hints import modules_phrase
from compiler.spec.models.documents import Project
from compiler.spec.models.modules import Infrastructure, Library, Microservice, Worker
from compiler.spec.source import ProjectSource


@dataclass(frozen=True)
class _Need:
    path: tuple[str, ...]
    verbs: tuple[str, str]
    why: str
    hint: str


def required_settings(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        for need, modules in _needs(source.model).items():
            if modules and _setting(source.model, need.path) is None:
                yield source.problem(
                    ["spec", *need.path],
                    f"missing `spec.{'.'.join(need.path)}`: {modules_phrase(modules, *need.verbs)} {need.why}",
                    need.hint,
                )


_REGISTRY = _Need(
    ("registry",), ("builds", "build"), "container images", "add `registry: <name>.azurecr.io`"
)
_REGISTRY_CONNECTION = _Need(
    ("azureDevOps", "serviceConnections", "registry"),
    ("pushes", "push"),
    "images through it",
    "add the Docker registry service connection name",
)
_FEED = _Need(("feed",), ("publishes", "publish"), "NuGet packages", "add `feed: <project>/<feed>`")
_KEY_VAULT = _Need(
    ("keyVault",), ("reads", "read"), "secrets from it", "add `keyVault: <vault-name>`"
)
_AZURE_CONNECTION = _Need(
    ("azureDevOps", "serviceConnections", "azure"),
    ("uses", "use"),
    "Azure through it (stacks, and the preflight that checks secrets and registry access)",
    "add the Azure Resource Manager service connection name",
)


def _needs(project: Project) -> dict[_Need, list[str]]:
    modules = project.spec.modules
    containers = [m.name for m in modules if isinstance(m, Microservice | Worker)]
    return {
        _REGISTRY: containers,
        _REGISTRY_CONNECTION: containers,
        _FEED: [m.name for m in modules if isinstance(m, Library)],
        _KEY_VAULT: [m.name for m in modules if any(s.vault is None for s in m.secret_refs)],
        _AZURE_CONNECTION: [
            m.name
            for m in modules
            if isinstance(m, Infrastructure | Microservice | Worker) or m.owned_stores
        ],
    }


def _setting(project: Project, path: tuple[str, ...]) -> Any:
    value: Any = project.spec
    for part in path:
        value = getattr(value, part)
    return value
