"""The infrastructure plan of one project: names, tiers, stacks and outputs, ready to print.

Everything the Pulumi templates show is computed here: the Azure name of every
resource in every environment (checked against :mod:`compiler.targets.azure_names`),
the tier of every store, which identity gets which role on which store, and the
stack outputs other targets read.  Problems are collected and raised together as
one :class:`~compiler.errors.PlanError`, each located at the spec key to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from compiler.errors import Diagnostic, PlanError
from compiler.plan.context import ModuleContext, ProjectContext
from compiler.plan.naming import pascal
from compiler.spec.locate import Path_
from compiler.targets import azure_names as names
from compiler.targets.pulumi_sizing import environment_tiers, store_tier

PULUMI_VERSION = "3.101.2"
AZURE_NATIVE_VERSION = "3.28.0"
RANDOM_VERSION = "4.21.2"
"""Pinned NuGet versions of the program's packages (bumped deliberately, with the goldens)."""

DEFAULT_DOTNET = "8.0"

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
        "Random.RandomPassword",
        "KeyVault.Secret",
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

STORE_OUTPUTS: dict[str, tuple[str, ...]] = {
    "azure-sql": ("Host", "Database"),
    "postgresql": ("Host", "Database", "AdminLogin", "AdminPasswordSecretUri", "AdminPassword"),
    "redis": ("Host", "SslPort"),
    "service-bus": ("Host", "Namespace"),
    "key-vault": ("VaultName", "VaultUri"),
    "blob": ("AccountName", "BlobEndpoint", "Container"),
    "cosmos": ("Endpoint", "Database"),
}
SECRET_OUTPUTS = {"AdminPassword", "AppInsightsConnectionString"}
MODULE_OUTPUTS = ("IdentityClientId", "IdentityPrincipalId", "IdentityResourceId")
PROJECT_OUTPUTS = (
    "resourceGroupName",
    "location",
    "keyVaultName",
    "keyVaultUri",
    "logAnalyticsWorkspaceId",
)
POSTGRES_ADMIN_LOGIN = "shipspecadmin"


def camel(slug: str) -> str:
    """camelCase of a slug, for stack output names.

    >>> camel("payments-db"), camel("b2b-edge")
    ('paymentsDb', 'b2bEdge')
    """
    text = pascal(slug)
    return text[:1].lower() + text[1:]


def stack_output(name: str, suffix: str) -> str:
    """The stack output other targets read, e.g. `paymentsApiIdentityClientId`.

    >>> stack_output("payments-api", "IdentityClientId")
    'paymentsApiIdentityClientId'
    """
    return camel(name) + suffix


CSHARP_KEYWORDS = frozenset(
    [
        "abstract",
        "as",
        "base",
        "bool",
        "break",
        "byte",
        "case",
        "catch",
        "char",
        "checked",
        "class",
        "const",
        "continue",
        "decimal",
        "default",
        "delegate",
        "do",
        "double",
        "else",
        "enum",
        "event",
        "explicit",
        "extern",
        "false",
        "finally",
        "fixed",
        "float",
        "for",
        "foreach",
        "goto",
        "if",
        "implicit",
        "in",
        "int",
        "interface",
        "internal",
        "is",
        "lock",
        "long",
        "namespace",
        "new",
        "null",
        "object",
        "operator",
        "out",
        "override",
        "params",
        "private",
        "protected",
        "public",
        "readonly",
        "ref",
        "return",
        "sbyte",
        "sealed",
        "short",
        "sizeof",
        "stackalloc",
        "static",
        "string",
        "struct",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "uint",
        "ulong",
        "unchecked",
        "unsafe",
        "ushort",
        "using",
        "virtual",
        "void",
        "volatile",
        "while",
    ]
)


def csharp_identifier(text: str) -> str:
    """`text` as a C# identifier: checked, and escaped with `@` when it is a keyword.

    >>> csharp_identifier("PaymentsApiStack"), csharp_identifier("event")
    ('PaymentsApiStack', '@event')
    """
    if not (text.isascii() and text.isidentifier()):
        raise ValueError(f"{text!r} is not a C# identifier")
    return f"@{text}" if text in CSHARP_KEYWORDS else text


# --- the plan --------------------------------------------------------------------------------------


@dataclass
class _Problems:
    """Diagnostics collected while planning, at most one per spec key."""

    project: ProjectContext
    found: dict[str, Diagnostic] = field(default_factory=dict)

    def add(self, path: Path_, message: str, hint: str = "") -> None:
        diagnostic = self.project.source.problem(path, message, hint)
        self.found.setdefault(diagnostic.path, diagnostic)

    def raise_if_any(self) -> None:
        if self.found:
            raise PlanError(list(self.found.values()))


def has_infrastructure(project: ProjectContext) -> bool:
    """Whether the project gets an infra repository: some module owns stores."""
    return any(getattr(m.model, "stores", ()) for m in project.modules)


def stacked_modules(project: ProjectContext) -> list[ModuleContext]:
    """Modules with a ComponentResource: services and workers first, then infrastructure.

    Infrastructure modules come last because they grant their stores to the
    identities of the modules that depend on them.
    """
    runs = [m for m in project.modules if m.runs_container]
    infrastructure = [m for m in project.modules if m.type == "infrastructure"]
    return runs + infrastructure


def infra_plan(project: ProjectContext) -> dict[str, Any]:
    """Everything the Pulumi templates print for one project; raises PlanError on bad names."""
    problems = _Problems(project)
    spec = project.model.spec
    env_names = [e.name for e in spec.environments]
    tiers = environment_tiers(env_names, [e.tier for e in spec.environments])
    modules = stacked_modules(project)
    _check_identifiers(project, modules, problems)
    stacks = [
        {"name": env.name, "config": _stack_config(project, env, index, tiers[env.name], problems)}
        for index, env in enumerate(spec.environments)
    ]
    module_plans = [_module_plan(project, m) for m in modules]
    outputs = _outputs(project, modules, problems)
    problems.raise_if_any()
    return {
        "tenant": project.tenant,
        "project": project.name,
        "pulumi_project": project.name,
        "namespace": f"{pascal(project.tenant)}.{pascal(project.name)}.Infra",
        "dotnet_version": _dotnet_version(project),
        "packages": {
            "Pulumi": PULUMI_VERSION,
            "Pulumi.AzureNative": AZURE_NATIVE_VERSION,
            "Pulumi.Random": RANDOM_VERSION,
        },
        "environments": [
            {"name": e.name, "region": e.region or "", "tier": tiers[e.name]}
            for e in spec.environments
        ],
        "stacks": stacks,
        "modules": module_plans,
        "outputs": outputs,
        "roles": [
            {"constant": key, "name": display, "id": role_id}
            for key, (display, role_id) in ROLES.items()
        ],
        "spec_file": project.source.file,
        "azure_connection": spec.azureDevOps.serviceConnections.azure or "",
    }


def _dotnet_version(project: ProjectContext) -> str:
    versions = [m.model.dotnet.version for m in project.modules if getattr(m.model, "dotnet", None)]
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")), default=DEFAULT_DOTNET)


def _check_identifiers(
    project: ProjectContext, modules: list[ModuleContext], problems: _Problems
) -> None:
    """Module class names must be distinct C# identifiers (`a-b` and `a--b` are not)."""
    seen: dict[str, str] = {}
    for module in modules:
        identifier = csharp_identifier(pascal(module.name) + "Stack")
        if identifier in seen:
            problems.add(
                ["spec", "modules", module.index, "name"],
                f"module `{module.name}` gives the same C# class `{identifier}` as module "
                f"`{seen[identifier]}`",
                "module names that differ only in hyphens collide in the Pulumi program; rename one",
            )
        seen.setdefault(identifier, module.name)


# --- stack config (names and tiers per environment) -----------------------------------------------


def _stack_config(
    project: ProjectContext, env: Any, index: int, tier: str, problems: _Problems
) -> dict[str, Any]:
    spec = project.model.spec
    last = index == len(spec.environments) - 1
    vault = names.project_vault_name(
        spec.keyVault, project.tenant, project.name, env.name, last=last
    )
    _check(
        problems,
        ["spec", "keyVault"] if spec.keyVault else ["metadata", "name"],
        "key-vault",
        vault,
    )
    workspace = names.log_analytics_name(project.name, env.name)
    stores: dict[str, dict[str, str]] = {}
    taken: dict[tuple[str, str], str] = {("key-vault", vault): "the project vault"}
    digest = names.short_hash(project.tenant, project.name, env.name)
    for module in project.modules:
        for s_index, store in enumerate(getattr(module.model, "stores", ())):
            path = ["spec", "modules", module.index, "stores", s_index]
            derived = names.store_names(store.kind, store.name, digest)
            values = {"tier": store_tier(dict(store.tiers), env.name, tier)}
            for key, derivation in derived.items():
                _check_store(problems, path, store, derivation, taken)
                values[key] = derivation.name
            _check_entities(problems, path, store)
            stores[store.name] = values
    return {
        "location": env.region or "",
        "environment": env.name,
        "tier": tier,
        "protect": tier == "production",
        "tenant": project.tenant,
        "resourceGroup": names.resource_group_name(project.name, env.name),
        "keyVault": vault,
        "logAnalytics": workspace,
        "modules": {m.name: _module_names(m) for m in stacked_modules(project)},
        "stores": stores,
    }


def _module_names(module: ModuleContext) -> dict[str, str]:
    values = {"identity": names.identity_name(module.name)}
    if module.runs_container:
        values["appInsights"] = names.app_insights_name(module.name)
    return values


def _check(problems: _Problems, path: Path_, rule_key: str, name: str) -> None:
    rule = names.RULES[rule_key]
    problem = rule.problem(name)
    if problem:
        problems.add(path, f"the {rule.resource} name `{name}` {problem}", rule.describe())


def _check_store(
    problems: _Problems,
    path: list[str | int],
    store: Any,
    derivation: names.Derivation,
    taken: dict[tuple[str, str], str],
) -> None:
    rule = names.RULES[derivation.rule]
    problem = rule.problem(derivation.name)
    if problem:
        problems.add(
            [*path, "name"],
            f"store `{store.name}` ({store.kind}) would need the {rule.resource} name "
            f"`{derivation.name}`, which {problem}",
            f"a {rule.resource} name has {rule.describe()}; keep the store name to at most "
            f"{derivation.budget} characters that suit it",
        )
        return
    scope = (derivation.rule, derivation.name.lower())
    if scope in taken and rule.unique != "server":
        problems.add(
            [*path, "name"],
            f"store `{store.name}` would get the {rule.resource} name `{derivation.name}`, "
            f"already used by {taken[scope]}",
            "derived names drop hyphens where Azure forbids them; rename one of the stores",
        )
    taken.setdefault(scope, f"store `{store.name}`")


def _check_entities(problems: _Problems, path: list[str | int], store: Any) -> None:
    for key in ("topics", "queues"):
        for index, entity in enumerate(getattr(store, key, ())):
            rule = names.RULES["service-bus-entity"]
            problem = rule.problem(entity)
            if problem:
                problems.add(
                    [*path, key, index],
                    f"`{entity}` is not a valid Service Bus name: it {problem}",
                    rule.describe(),
                )


# --- module stacks ---------------------------------------------------------------------------------


def _module_plan(project: ProjectContext, module: ModuleContext) -> dict[str, Any]:
    model = module.model
    stores = [_store_plan(store) for store in getattr(model, "stores", ())]
    return {
        "name": module.name,
        "type": module.type,
        "key_path": module.key_path,
        "class_name": csharp_identifier(pascal(module.name) + "Stack"),
        "variable": csharp_identifier(camel(module.name) + "Stack"),
        "app_insights": module.runs_container,
        "reads_project_vault": _reads_project_vault(project, module),
        "stores": stores,
        "consumers": [
            csharp_identifier(camel(m.name) + "Stack")
            for m in stacked_modules(project)
            if module.type == "infrastructure" and module.name in getattr(m.model, "dependsOn", ())
        ],
        "outputs": {
            suffix: stack_output(module.name, suffix)
            for suffix in (
                *MODULE_OUTPUTS,
                *(("AppInsightsConnectionString",) if module.runs_container else ()),
            )
        },
    }


def _reads_project_vault(project: ProjectContext, module: ModuleContext) -> bool:
    vault = project.model.spec.keyVault
    return any(s.vault in (None, vault) for s in getattr(module.model, "secrets", ()))


def _store_plan(store: Any) -> dict[str, Any]:
    lifecycle = getattr(store, "lifecycle", None)
    return {
        "name": store.name,
        "kind": store.kind,
        "topics": list(getattr(store, "topics", ())),
        "queues": list(getattr(store, "queues", ())),
        "lifecycle": {
            "cool": lifecycle.coolAfterDays,
            "archive": lifecycle.archiveAfterDays,
            "delete": lifecycle.deleteAfterDays,
        }
        if lifecycle
        else None,
        "admin_login": POSTGRES_ADMIN_LOGIN,
        "outputs": {
            suffix: stack_output(store.name, suffix) for suffix in STORE_OUTPUTS[store.kind]
        },
        "resources": list(STORE_RESOURCES[store.kind]),
        "grants": list(STORE_GRANTS[store.kind]),
    }


def _outputs(
    project: ProjectContext, modules: list[ModuleContext], problems: _Problems
) -> list[dict[str, Any]]:
    """Every stack output with its source, checked to be unique (`a-b` + `C` vs `a` + `BC`)."""
    entries = [(name, "project", ["metadata", "name"]) for name in PROJECT_OUTPUTS]
    for module in modules:
        entries += [
            (output, module.name, ["spec", "modules", module.index, "name"])
            for output in _module_plan(project, module)["outputs"].values()
        ]
        for s_index, store in enumerate(getattr(module.model, "stores", ())):
            path = ["spec", "modules", module.index, "stores", s_index, "name"]
            entries += [
                (stack_output(store.name, s), store.name, path) for s in STORE_OUTPUTS[store.kind]
            ]
    seen: dict[str, str] = {}
    for output, owner, path in entries:
        if output in seen and seen[output] != owner:
            problems.add(
                path,
                f"`{owner}` would export the stack output `{output}`, already exported for "
                f"`{seen[output]}`",
                "stack outputs are camelCase names plus a suffix; rename one of them",
            )
        seen.setdefault(output, owner)
    return [
        {"name": output, "source": owner, "secret": any(output.endswith(s) for s in SECRET_OUTPUTS)}
        for output, owner, _ in entries
    ]


def all_store_kinds(project: ProjectContext) -> Iterator[str]:
    for module in project.modules:
        for store in getattr(module.model, "stores", ()):
            yield store.kind
