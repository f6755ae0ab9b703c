"""The infrastructure plan of one project: names, tiers, stacks and outputs, ready to print.

The names, tiers and stack outputs come from the resolved estate (where their
rules are checked); this module arranges them for the Pulumi templates: the stack
config of every environment, one ComponentResource per module, which identity
gets which role on which store.
"""

from __future__ import annotations

from typing import Any

from compiler.plan.naming import pascal, sdk_version
from compiler.resolve.access import cluster_pulls, environment_checklist
from compiler.resolve.checks import output_entries, stacked_modules
from compiler.resolve.identifiers import SECRET_OUTPUTS, camel, csharp_identifier
from compiler.resolve.model import Environment, Module, Network, Project, Store, StoreSpec
from compiler.resolve.network import PRIVATE_LINKS
from compiler.targets.pulumi.model import (
    Home,
    InfraPlan,
    Lifecycle,
    ModulePlan,
    NetworkRow,
    PrivateLink,
    Role,
    SecretNeed,
    StackOutput,
    StackPlan,
    StorePlan,
)
from compiler.targets.pulumi.sizing import sizing_context, sizing_summary

PULUMI_VERSION = "3.101.2"
AZURE_NATIVE_VERSION = "3.28.0"
RANDOM_VERSION = "4.21.2"
"""Pinned NuGet versions of the program's packages (bumped deliberately, with the goldens)."""
PACKAGES = {
    "Pulumi": PULUMI_VERSION,
    "Pulumi.AzureNative": AZURE_NATIVE_VERSION,
    "Pulumi.Random": RANDOM_VERSION,
}

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


def infra_plan(project: Project) -> InfraPlan:
    """Everything the Pulumi templates print for one project."""
    modules = stacked_modules(project)
    return InfraPlan(
        tenant=project.tenant,
        project=project.name,
        pulumi_project=project.name,
        csharp_namespace=f"{pascal(project.tenant)}.{pascal(project.name)}.Infra",
        dotnet_version=project.dotnet_version,
        sdk_version=sdk_version(project.dotnet_version),
        packages=PACKAGES,
        spec_file=project.source.file,
        azure_connection=project.azure_connection,
        preview_connection=project.preview_connection,
        stacks=tuple(_stack_plan(project, env) for env in project.environments),
        modules=tuple(_module_plan(project, m) for m in modules),
        outputs=_outputs(project),
        roles=tuple(Role(key, display, role_id) for key, (display, role_id) in ROLES.items()),
        homes=tuple(_home(env) for env in project.environments),
        checklist=_checklist(project),
        networks=tuple(_network_row(env) for env in project.environments),
        private_links=_private_links(project),
        pulls=cluster_pulls(project),
        sizing=sizing_context(),
        sizing_summary=sizing_summary(),
    )


def _outputs(project: Project) -> tuple[StackOutput, ...]:
    return tuple(
        StackOutput(name, owner, any(name.endswith(s) for s in SECRET_OUTPUTS))
        for name, owner, _ in output_entries(project)
    )


def _home(env: Environment) -> Home:
    return Home(env.name, env.resource_group, env.key_vault, env.region, env.variable_group)


def _private_links(project: Project) -> tuple[PrivateLink, ...]:
    """The private link of every store kind the project has, by kind."""
    kinds = {store.kind for store in project.stores}
    return tuple(_private_link(kind) for kind in sorted(PRIVATE_LINKS) if kind in kinds)


def _private_link(kind: str) -> PrivateLink:
    group, zone = PRIVATE_LINKS[kind]
    return PrivateLink(kind, group, zone)


def _network_row(env: Environment) -> NetworkRow:
    network = env.network
    if network is None:
        return NetworkRow(env.name, "public, Microsoft Entra only", "")
    zones = (
        f"zones of {network.private_dns_zones}"
        if network.private_dns_zones
        else "zones created in the stack"
    )
    where = f"{network.resource_group}/{network.vnet}/{network.subnet}; {zones}"
    return NetworkRow(env.name, "private endpoints only", where)


def _checklist(project: Project) -> tuple[SecretNeed, ...]:
    """Every secret a human sets, per environment and vault (nothing here is created by the stack)."""
    return tuple(
        SecretNeed(env.name, need.vault, need.secret, ", ".join(need.readers), need.how)
        for env in project.environments
        for need in environment_checklist(project, env)
    )


# --- stack configs ---------------------------------------------------------------------------------


def _stack_plan(project: Project, env: Environment) -> StackPlan:
    protect = env.tier == "production"
    config = _stack_config(project, env, protect)
    return StackPlan(env.name, env.region, env.tier, protect, config, env.key_path)


def _stack_config(project: Project, env: Environment, protect: bool) -> dict[str, Any]:
    """One environment's `Pulumi.<env>.yaml` as data: where it deploys, its names and tiers.

    Keys are namespaced by the Pulumi project (`<project>:<key>`), stores and their
    names sorted; `network` is left out when the stores are public.
    """
    settings: dict[str, Any] = {
        "environment": env.name,
        "tier": env.tier,
        "protect": protect,
        "tenant": project.tenant,
        "resourceGroup": env.resource_group,
        "keyVault": env.key_vault,
        "logAnalytics": env.log_analytics,
    }
    if env.network is not None:
        settings["network"] = _network(env.network)
    settings["modules"] = {m.name: _module_names(m, env) for m in stacked_modules(project)}
    settings["stores"] = {
        store.name: dict(sorted({"tier": store.tiers[env.name], **store.names[env.name]}.items()))
        for store in sorted(project.stores, key=lambda store: store.name)
    }
    config = {"azure-native:location": env.region}
    config.update({f"{project.name}:{key}": value for key, value in settings.items()})
    return {"config": config}


def _network(network: Network) -> dict[str, str]:
    """Where the stack's private endpoints go."""
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


def _module_plan(project: Project, module: Module) -> ModulePlan:
    return ModulePlan(
        name=module.name,
        type=module.type,
        key_path=module.key_path,
        class_name=csharp_identifier(pascal(module.name) + "Stack"),
        variable=_stack_variable(module),
        app_insights=module.runs_container,
        reads_project_vault=_reads_project_vault(project, module),
        stores=tuple(_store_plan(store) for store in module.stores_owned),
        consumers=_consumers(project, module),
        outputs=dict(module.outputs),
    )


def _stack_variable(module: Module) -> str:
    return csharp_identifier(camel(module.name) + "Stack")


def _consumers(project: Project, module: Module) -> tuple[str, ...]:
    """The stacks an infrastructure module grants its stores to: the modules depending on it."""
    if module.type != "infrastructure":
        return ()
    return tuple(
        _stack_variable(m) for m in stacked_modules(project) if module.name in m.depends_on
    )


def _reads_project_vault(project: Project, module: Module) -> bool:
    vault = project.key_vault or None
    return any(s.vault in (None, vault) for s in module.secrets)


def _store_plan(store: Store) -> StorePlan:
    spec = store.spec
    return StorePlan(
        name=store.name,
        kind=store.kind,
        topics=tuple(getattr(spec, "topics", ())),
        queues=tuple(getattr(spec, "queues", ())),
        lifecycle=_lifecycle(spec),
        outputs=dict(store.outputs),
        private_link=_private_link(store.kind),
        resources=STORE_RESOURCES[store.kind],
        grants=STORE_GRANTS[store.kind],
    )


def _lifecycle(spec: StoreSpec) -> Lifecycle | None:
    lifecycle = getattr(spec, "lifecycle", None)
    if lifecycle is None:
        return None
    return Lifecycle(lifecycle.coolAfterDays, lifecycle.archiveAfterDays, lifecycle.deleteAfterDays)
