"""The infrastructure plan of one project: names, tiers, stacks and outputs, ready to print.

The names, tiers and stack outputs come from the resolved estate (where their
rules are checked); this module arranges them for the Pulumi templates: the stack
config of every environment, one ComponentResource per module, which identity
gets which role on which store.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.plan.naming import pascal
from compiler.resolve.access import cluster_pulls, environment_checklist
from compiler.resolve.checks import output_entries, stacked_modules
from compiler.resolve.identifiers import SECRET_OUTPUTS, camel, csharp_identifier
from compiler.resolve.model import Environment, Module, Project, Store
from compiler.resolve.network import PRIVATE_LINKS

PULUMI_VERSION = "3.101.2"
AZURE_NATIVE_VERSION = "3.28.0"
RANDOM_VERSION = "4.21.2"
"""Pinned NuGet versions of the program's packages (bumped deliberately, with the goldens)."""

ROLES: dict[str, tuple[str, str]] = {
    "KeyVaultSecretsUser": ("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"),
    "ServiceBusDataSender": (
        "Azure Service Bus Data Sender",
        "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    ),
    "ServiceBusDataReceiver": (
        "Azure Service Bus Data Receiver",
        "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    ),
    "StorageBlobDataContributor": (
        "Storage Blob Data Contributor",
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    ),
    "MonitoringMetricsPublisher": (
        "Monitoring Metrics Publisher",
        "3913510d-42f4-4e42-8a64-420c390055eb",
    ),
    "CosmosDataContributor": (
        "Cosmos DB Built-in Data Contributor (data plane)",
        "00000000-0000-0000-0000-000000000002",
    ),
}
"""Built-in role definitions by the constant name `Roles.cs` gives them: (display name, id)."""

FEDERATION_AUDIENCE = "api://AzureADTokenExchange"
"""The audience Azure workload identity tokens carry (Entra's token exchange)."""

STORE_GRANTS: dict[str, tuple[str, ...]] = {
    "azure-sql": ("Microsoft Entra administrator of the server",),
    "postgresql": ("Microsoft Entra administrator of the server",),
    "redis": ("Redis access policy `Data Contributor`",),
    "service-bus": (ROLES["ServiceBusDataSender"][0], ROLES["ServiceBusDataReceiver"][0]),
    "key-vault": (ROLES["KeyVaultSecretsUser"][0],),
    "blob": (ROLES["StorageBlobDataContributor"][0],),
    "cosmos": (ROLES["CosmosDataContributor"][0],),
}

STORE_RESOURCES: dict[str, tuple[str, ...]] = {
    "azure-sql": ("Sql.Server", "Sql.Database"),
    "postgresql": (
        "DBforPostgreSQL.Server",
        "DBforPostgreSQL.Database",
        "DBforPostgreSQL.AdministratorsMicrosoftEntra",
    ),
    "redis": ("Redis.Redis", "Redis.AccessPolicyAssignment"),
    "service-bus": ("ServiceBus.Namespace", "ServiceBus.Topic", "ServiceBus.Queue"),
    "key-vault": ("KeyVault.Vault",),
    "blob": ("Storage.StorageAccount", "Storage.BlobContainer", "Storage.ManagementPolicy"),
    "cosmos": (
        "CosmosDB.DatabaseAccount",
        "CosmosDB.SqlResourceSqlDatabase",
        "CosmosDB.SqlResourceSqlRoleAssignment",
    ),
}
"""The azure-native resource types each store kind becomes (namespace.Type)."""

# --- the plan --------------------------------------------------------------------------------------


def infra_plan(project: Project) -> dict[str, Any]:
    """Everything the Pulumi templates print for one project."""
    modules = stacked_modules(project)
    return {
        "federation_audience": FEDERATION_AUDIENCE,
        "tenant": project.tenant,
        "project": project.name,
        "pulumi_project": project.name,
        "namespace": f"{pascal(project.tenant)}.{pascal(project.name)}.Infra",
        "dotnet_version": project.dotnet_version,
        "packages": {
            "Pulumi": PULUMI_VERSION,
            "Pulumi.AzureNative": AZURE_NATIVE_VERSION,
            "Pulumi.Random": RANDOM_VERSION,
        },
        "environments": [
            {"name": e.name, "region": e.region, "tier": e.tier} for e in project.environments
        ],
        "stacks": [
            {"name": env.name, "config": _stack_config(project, env)}
            for env in project.environments
        ],
        "modules": [_module_plan(project, m) for m in modules],
        "outputs": [
            {"name": name, "source": owner, "secret": any(name.endswith(s) for s in SECRET_OUTPUTS)}
            for name, owner, _ in output_entries(project)
        ],
        "roles": [
            {"constant": key, "name": display, "id": role_id}
            for key, (display, role_id) in ROLES.items()
        ],
        "spec_file": project.source.file,
        "azure_connection": project.azure_connection,
        "preview_connection": project.preview_connection,
        "homes": [
            {
                "environment": e.name,
                "resource_group": e.resource_group,
                "key_vault": e.key_vault,
                "region": e.region,
                "variable_group": e.variable_group,
            }
            for e in project.environments
        ],
        "checklist": _checklist(project),
        "networks": [_network_row(e) for e in project.environments],
        "private_links": [
            {"kind": kind, "group": group, "zone": zone}
            for kind, (group, zone) in sorted(PRIVATE_LINKS.items())
            if kind in {store.kind for store in project.stores}
        ],
        "pulls": [vars(pull) for pull in cluster_pulls(project)],
    }


def _network_row(env: Environment) -> dict[str, str]:
    network = env.network
    if network is None:
        return {"environment": env.name, "access": "public, Microsoft Entra only", "where": ""}
    zones = (
        f"zones of {network.private_dns_zones}"
        if network.private_dns_zones
        else "zones created in the stack"
    )
    return {
        "environment": env.name,
        "access": "private endpoints only",
        "where": f"{network.resource_group}/{network.vnet}/{network.subnet}; {zones}",
    }


def _checklist(project: Project) -> list[dict[str, Any]]:
    """Every secret a human sets, per environment and vault (nothing here is created by the stack)."""
    return [
        {"environment": env.name, "vault": need.vault, "secret": need.secret,
         "readers": ", ".join(need.readers), "how": need.how}
        for env in project.environments
        for need in environment_checklist(project, env)
    ]  # fmt: skip


def _stack_config(project: Project, env: Environment) -> dict[str, Any]:
    """One environment's names and tiers (the stack's `Pulumi.<env>.yaml`)."""
    return {
        "location": env.region,
        "environment": env.name,
        "tier": env.tier,
        "protect": env.tier == "production",
        "tenant": project.tenant,
        "resourceGroup": env.resource_group,
        "keyVault": env.key_vault,
        "logAnalytics": env.log_analytics,
        "clusterOidcIssuer": "",
        "network": _network(env),
        "modules": {m.name: _module_names(m, env) for m in stacked_modules(project)},
        "stores": {
            store.name: {"tier": store.tiers[env.name], **store.names[env.name]}
            for store in project.stores
        },
    }


def _network(env: Environment) -> dict[str, str]:
    """Where the stack's private endpoints go (empty: its stores are public, Entra-only)."""
    network = env.network
    if network is None:
        return {}
    values = {"resourceGroup": network.resource_group, "vnet": network.vnet}
    values["subnet"] = network.subnet
    if network.private_dns_zones:
        values["privateDnsZones"] = network.private_dns_zones
    return values


def _module_names(module: Module, env: Environment) -> dict[str, str]:
    values = {"identity": module.identity}
    if module.runs_container:
        values["appInsights"] = module.app_insights
        values["federatedSubject"] = module.subjects[env.name]
    return values


# --- module stacks ---------------------------------------------------------------------------------


def _module_plan(project: Project, module: Module) -> dict[str, Any]:
    return {
        "name": module.name,
        "type": module.type,
        "key_path": module.key_path,
        "class_name": csharp_identifier(pascal(module.name) + "Stack"),
        "variable": csharp_identifier(camel(module.name) + "Stack"),
        "app_insights": module.runs_container,
        "reads_project_vault": _reads_project_vault(project, module),
        "stores": [_store_plan(store) for store in module.stores_owned],
        "consumers": [
            csharp_identifier(camel(m.name) + "Stack")
            for m in stacked_modules(project)
            if module.type == "infrastructure" and module.name in m.depends_on
        ],
        "outputs": dict(module.outputs),
    }


def _reads_project_vault(project: Project, module: Module) -> bool:
    vault = project.key_vault or None
    return any(s.vault in (None, vault) for s in module.secrets)


def _store_plan(store: Store) -> dict[str, Any]:
    spec = store.spec
    lifecycle = getattr(spec, "lifecycle", None)
    return {
        "name": store.name,
        "kind": store.kind,
        "topics": list(getattr(spec, "topics", ())),
        "queues": list(getattr(spec, "queues", ())),
        "lifecycle": {
            "cool": lifecycle.coolAfterDays,
            "archive": lifecycle.archiveAfterDays,
            "delete": lifecycle.deleteAfterDays,
        }
        if lifecycle
        else None,
        "outputs": dict(store.outputs),
        "private_link": {
            "group": PRIVATE_LINKS[store.kind][0],
            "zone": PRIVATE_LINKS[store.kind][1],
        },
        "resources": list(STORE_RESOURCES[store.kind]),
        "grants": list(STORE_GRANTS[store.kind]),
    }


def all_store_kinds(project: Project) -> Iterator[str]:
    for store in project.stores:
        yield store.kind
