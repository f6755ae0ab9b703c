"""What must exist in Azure before a stage runs: the secrets each stage and pod reads, per
environment and vault, and the registry pull each cluster needs.

Derived once here, the same facts feed the preflight steps of the generated pipelines
(which check them before anything changes) and the checklist of the infra repository's
README (which tells a human what to create).  Nothing here is created by the Pulumi
program: the environment's vault is the home that must exist before the first stack
(its variable group links it when publish runs), so its secrets are set by a human.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.resolve.model import Environment, Module, Project
from compiler.spec.models.modules import Secret

ACR_SUFFIX = ".azurecr.io"


@dataclass(frozen=True)
class SecretNeed:
    """One Key Vault secret something reads, and how a human sets it."""

    vault: str
    secret: str
    readers: tuple[str, ...]
    how: str


BOOTSTRAP_SECRETS: dict[str, str] = {
    "pulumi-backend-url": "the Pulumi state backend: azblob://pulumi-state?storage_account=<account> "
    "(see Bootstrap)",
    "pulumi-config-passphrase": "a new random passphrase for this stack's secrets "
    "(openssl rand -base64 32); one per environment, never reused",
    "cluster-oidc-issuer": "the cluster's OIDC issuer: az aks show --name {cluster} "
    "--resource-group {group} --query oidcIssuerProfile.issuerUrl --output tsv",
}
"""What the infra pipeline's stages read from the environment's vault (variable group)."""


def secret_vault(project: Project, environment: Environment, secret: Secret) -> str:
    """The Azure vault a module secret is read from in one environment: its own `vault`,
    else (or when that names `spec.keyVault`) the environment's project vault."""
    if secret.vault and secret.vault != project.key_vault:
        return secret.vault
    return environment.key_vault


def module_secrets(
    project: Project, environment: Environment, module: Module
) -> tuple[tuple[str, str], ...]:
    """(vault, secret) of every secret the module's pods read in the environment, sorted."""
    return tuple(
        sorted({(secret_vault(project, environment, s), s.secret) for s in module.secrets})
    )


def pipeline_secrets(project: Project, environment: Environment) -> tuple[tuple[str, str], ...]:
    """(vault, secret) the infra pipeline's stages of the environment read."""
    if not project.has_infrastructure:
        return ()
    return tuple((environment.key_vault, name) for name in BOOTSTRAP_SECRETS)


def environment_checklist(project: Project, environment: Environment) -> tuple[SecretNeed, ...]:
    """Every secret that must exist before the environment's stages run, by vault."""
    readers: dict[tuple[str, str], list[str]] = {}
    for key in pipeline_secrets(project, environment):
        readers.setdefault(key, []).append(f"{project.infra_repository} pipeline")
    for module in project.workloads:
        for key in module_secrets(project, environment, module):
            readers.setdefault(key, []).append(f"{module.name} (pods and deploy preflight)")
    return tuple(
        SecretNeed(vault, secret, tuple(who), _how(environment, secret, who))
        for (vault, secret), who in sorted(readers.items())
    )


def _how(environment: Environment, secret: str, readers: list[str]) -> str:
    if secret in BOOTSTRAP_SECRETS and len(readers) == 1:
        group = environment.cluster_resource_group or "<cluster's resource group>"
        return BOOTSTRAP_SECRETS[secret].format(cluster=environment.cluster, group=group)
    return "the application's value (the module reads it as configuration)"


def registry_name(registry: str) -> str:
    """The Azure Container Registry resource a login server names ("" if it is not an ACR).

    >>> registry_name("contosoacr.azurecr.io"), registry_name("ghcr.io")
    ('contosoacr', '')
    """
    if registry.endswith(ACR_SUFFIX) and registry.count(".") == 2:
        return registry.removesuffix(ACR_SUFFIX)
    return ""


@dataclass(frozen=True)
class ClusterPull:
    """A cluster that runs the project's images, and the registry its kubelet pulls from."""

    cluster: str
    resource_group: str
    """The cluster's resource group as the spec gives it ("" = found by name at check time)."""
    environments: tuple[str, ...]
    registry: str
    registry_name: str


def cluster_pulls(project: Project) -> tuple[ClusterPull, ...]:
    """One entry per distinct cluster (in path order) of a project that runs containers."""
    if not project.workloads or not project.registry:
        return ()
    seen: dict[tuple[str, str], list[str]] = {}
    for env in project.environments:
        seen.setdefault((env.cluster, env.cluster_resource_group), []).append(env.name)
    name = registry_name(project.registry)
    return tuple(
        ClusterPull(cluster, group, tuple(envs), project.registry, name)
        for (cluster, group), envs in seen.items()
    )
