"""What each stage's preflight job checks before the stage changes anything.

The facts come from :mod:`compiler.resolve.access`; this module only shapes them as
the parameters the `steps/preflight.yml` template (and the inline macro) read: a
space-separated `vault/secret` list and the cluster whose registry pull is checked.
Names of vaults, secrets, clusters and resource groups hold no spaces or slashes, so
the list splits back unambiguously.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compiler.resolve.access import (
    BOOTSTRAP_SECRETS,
    module_secrets,
    pipeline_secrets,
    registry_name,
)
from compiler.resolve.model import Environment, Module, Project

PULUMI_SECRETS = tuple(BOOTSTRAP_SECRETS)
"""Key Vault secrets the Pulumi stages read through the environment's variable group
(`cluster-oidc-issuer`: not secret, but the vault is where the team sets per-environment values)."""


def secret_list(pairs: Iterable[tuple[str, str]]) -> str:
    """`vault/secret` entries, space-separated, in a stable order.

    >>> secret_list([("kv-b", "s2"), ("kv-a", "s1")])
    'kv-a/s1 kv-b/s2'
    """
    return " ".join(f"{vault}/{secret}" for vault, secret in sorted(pairs))


def deploy_preflight(project: Project, environment: Environment, module: Module) -> dict[str, Any]:
    """A deploy stage checks the module's secrets and that the cluster can pull its image."""
    return {
        "requiredSecrets": secret_list(module_secrets(project, environment, module)),
        "cluster": environment.cluster,
        "clusterResourceGroup": environment.cluster_resource_group,
    }


def up_preflight(project: Project, environment: Environment) -> dict[str, Any]:
    """An up stage checks the stack's bootstrap secrets and, when the project runs
    containers, that the environment's cluster can pull from the registry."""
    runs = bool(project.workloads)
    return {
        "requiredSecrets": secret_list(pipeline_secrets(project, environment)),
        "cluster": environment.cluster if runs else "",
        "clusterResourceGroup": environment.cluster_resource_group if runs else "",
    }


def registry_parameters(project: Project) -> dict[str, str]:
    return {"registry": project.registry, "registryName": registry_name(project.registry)}
