"""Spec -> resolved estate: apply the defaults and derive every shared name once.

Derived-name rules (Azure name lengths and characters, collisions after hyphens
are dropped, stack outputs and C# class names that clash) are checked here, so
`shipspec validate` and `shipspec compile` report the same problems, all at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler import layout
from compiler.errors import Diagnostic
from compiler.plan import naming
from compiler.resolve import azure_names as names
from compiler.resolve import checks
from compiler.resolve.identifiers import MODULE_OUTPUTS, STORE_OUTPUTS, stack_output
from compiler.resolve.model import (
    Approvals,
    Environment,
    Estate,
    Module,
    Network,
    Project,
    Store,
)
from compiler.resolve.network import network_problems
from compiler.spec.models.modules import Library
from compiler.spec.models.settings import Tool
from compiler.spec.source import ProjectSource
from compiler.spec.validate import Spec
from compiler.version import __version__

DEFAULT_DOTNET = "8.0"


def resolve(spec: Spec) -> tuple[Estate, list[Diagnostic]]:
    """The resolved estate and every derived-name problem found in it."""
    projects = [resolve_project(source) for source in spec.projects]
    problems = [d for project in projects for d in checks.derived_name_problems(project)]
    problems += [d for project in projects for d in network_problems(project)]
    return Estate(tuple(projects), spec.files), problems


def resolve_project(source: ProjectSource) -> Project:
    spec = source.model.spec
    environments = _environments(source)
    modules = _modules(source, environments)
    connections = spec.azureDevOps.serviceConnections
    return Project(
        ("metadata", "name"),
        source=source,
        tenant=source.tenant,
        name=source.name,
        organization=spec.azureDevOps.organization,
        devops_project=spec.azureDevOps.project,
        azure_connection=connections.azure or "",
        preview_connection=connections.preview or naming.preview_connection(connections.azure),
        registry_connection=connections.registry or "",
        registry=spec.registry or "",
        feed=spec.feed or "",
        key_vault=spec.keyVault or "",
        default_branch=spec.repositories.defaultBranch,
        policies=spec.repositories.policies.model_dump(),
        engine=spec.gitops.engine,
        manifests=spec.gitops.manifests,
        pipelines_mode=spec.pipelines.mode,
        templates_ref=spec.pipelines.templatesRef or "",
        environments=environments,
        modules=modules,
        gitops_repository=layout.gitops_repository(source.name),
        infra_repository=layout.infra_repository(source.name),
        dotnet_version=_newest_dotnet(modules),
        tool_requirements=_tool_requirements(spec.pipelines.tool),
        tool_feed=spec.pipelines.tool.feed or "",
        tracking_url=spec.gitops.tracking.url if spec.gitops.tracking else None,
    )


def _environments(source: ProjectSource) -> tuple[Environment, ...]:
    environments = source.model.spec.environments
    tiers = _tiers(environments)
    return tuple(
        _environment(source, index, environment, tiers[index])
        for index, environment in enumerate(environments)
    )


def _modules(source: ProjectSource, environments: Sequence[Environment]) -> tuple[Module, ...]:
    modules = source.model.spec.modules
    owned = {
        module.name: _stores(source, index, module, environments)
        for index, module in enumerate(modules)
    }
    return tuple(
        _module(source, index, module, environments, owned) for index, module in enumerate(modules)
    )


def _tool_requirements(tool: Tool) -> str:
    """The spec's lock when it has one, else one pin (the spec's version, or this shipspec's)."""
    if tool.lock:
        return "\n".join(tool.lock)
    return f"shipspec=={tool.version or __version__}"


def _tiers(environments: Sequence[object]) -> list[str]:
    last = len(environments) - 1
    return [
        getattr(env, "tier", None) or ("production" if index == last else "small")
        for index, env in enumerate(environments)
    ]


def _environment(source: ProjectSource, index: int, env: object, tier: str) -> Environment:
    model = source.model
    last = index == len(model.spec.environments) - 1
    project, tenant = source.name, source.tenant
    path = ("spec", "environments", index)
    key_vault = names.project_vault_name(model.spec.keyVault, tenant, project, env.name, last=last)
    approvals = env.approvals
    return Environment(
        path,
        origins={
            "key_vault": ("spec", "keyVault") if model.spec.keyVault else ("metadata", "name"),
            "tier": (*path, "tier") if env.tier else path,
            "namespace": (*path, "name"),
        },
        index=index,
        name=env.name,
        is_last=last,
        tier=tier,
        region=env.region or "",
        cluster=env.cluster or "",
        cluster_resource_group=env.clusterResourceGroup or "",
        strategy=env.strategy,
        canary_steps=tuple(env.canary_steps),
        approvals=Approvals(approvals.required, tuple(approvals.approvers)) if approvals else None,
        identifier=env.name.replace("-", "_"),
        namespace=naming.environment_namespace(project, env.name),
        azure_devops_environment=naming.azure_devops_environment(project, env.name),
        variable_group=naming.variable_group(project, env.name),
        key_vault=key_vault,
        resource_group=names.resource_group_name(project, env.name),
        log_analytics=names.log_analytics_name(project, env.name),
        digest=names.short_hash(tenant, project, env.name),
        network=_network(env.network),
    )


def _network(network: object | None) -> Network | None:
    if network is None:
        return None
    return Network(
        network.resourceGroup, network.vnet, network.subnet, network.privateDnsZones or ""
    )


def _stores(
    source: ProjectSource, index: int, module: object, environments: Sequence[Environment]
) -> tuple[Store, ...]:
    stores = []
    for s_index, store in enumerate(module.owned_stores):
        derived = {
            env.name: {
                role: d.name
                for role, d in names.store_names(store.kind, store.name, env.digest).items()
            }
            for env in environments
        }
        tiers = {env.name: dict(store.tiers).get(env.name, env.tier) for env in environments}
        outputs = {suffix: stack_output(store.name, suffix) for suffix in STORE_OUTPUTS[store.kind]}
        path = ("spec", "modules", index, "stores", s_index)
        stores.append(
            Store(
                path,
                origins={"names": (*path, "name"), "tiers": (*path, "tiers")},
                name=store.name,
                kind=store.kind,
                owner=module.name,
                spec=store,
                names=derived,
                tiers=tiers,
                outputs=outputs,
                endpoints={
                    env: names.store_endpoints(store.kind, dict(roles))
                    for env, roles in derived.items()
                },
            )
        )
    return tuple(stores)


def _module(
    source: ProjectSource,
    index: int,
    module: object,
    environments: Sequence[Environment],
    owned: dict[str, tuple[Store, ...]],
) -> Module:
    path = ("spec", "modules", index)
    runs = module.runs_container
    used = _stores_used(source, module, owned)
    image_repository = naming.image_repository(source.name, module.name) if runs else ""
    dotnet = getattr(module, "dotnet", None)
    return Module(
        path,
        origins={"replicas": (*path, "deploy", "replicas"), "image": ("spec", "registry")},
        index=index,
        name=module.name,
        type=module.type,
        spec=module,
        repository=module.repository_name,
        git_url=_git_url(source, module),
        dotnet_name=_dotnet_name(source, module),
        dotnet_version=dotnet.version if dotnet else "",
        replicas=_replicas(module, environments) if runs else {},
        stores_owned=owned[module.name],
        stores_used=used,
        depends_on=tuple(module.dependencies),
        secrets=tuple(module.secret_refs),
        identity=names.identity_name(module.name),
        app_insights=names.app_insights_name(module.name) if runs else "",
        service_account=module.name if runs else "",
        subjects=_subjects(module, environments) if runs else {},
        image_repository=image_repository,
        image=f"{source.model.spec.registry}/{image_repository}" if runs else "",
        outputs=_module_outputs(module),
        tls_secrets=_tls_secrets(module, environments) if runs else {},
        egress_ports=_egress_ports(used) if runs else (),
    )


def _stores_used(
    source: ProjectSource, module: object, owned: dict[str, tuple[Store, ...]]
) -> tuple[Store, ...]:
    """The module's own stores, then those of the infrastructure modules it depends on."""
    used = [*owned[module.name]]
    for name in module.dependencies:
        if _type_of(source, name) == "infrastructure":
            used += owned.get(name, ())
    return tuple(used)


def _git_url(source: ProjectSource, module: object) -> str:
    devops = source.model.spec.azureDevOps
    return naming.git_url(devops.organization, devops.project, module.repository_name)


def _replicas(module: object, environments: Sequence[Environment]) -> dict[str, int]:
    return {env.name: module.deploy.replicas.for_environment(env.name) for env in environments}


def _subjects(module: object, environments: Sequence[Environment]) -> dict[str, str]:
    """The workload identity federation subject of the module's service account, per environment."""
    return {
        env.name: f"system:serviceaccount:{env.namespace}:{module.name}" for env in environments
    }


def _module_outputs(module: object) -> dict[str, str]:
    app_insights = ("AppInsightsConnectionString",) if module.runs_container else ()
    return {
        suffix: stack_output(module.name, suffix) for suffix in (*MODULE_OUTPUTS, *app_insights)
    }


def _egress_ports(used: Sequence[Store]) -> tuple[int, ...]:
    """Entra ID (for workload identity tokens) and the ports of every store the module uses."""
    return tuple(sorted({names.ENTRA_PORT, *(p for s in used for p in names.STORE_PORTS[s.kind])}))


def _tls_secrets(module: object, environments: Sequence[Environment]) -> dict[str, str]:
    """Every production ingress serves TLS from `<module>-tls` (the platform issues it)."""
    ingress = getattr(module.deploy, "ingress", None)
    return {
        env.name: f"{module.name}-tls" if ingress and env.tier == "production" else ""
        for env in environments
    }


def _type_of(source: ProjectSource, name: str) -> str:
    return next((m.type for m in source.model.spec.modules if m.name == name), "")


def _dotnet_name(source: ProjectSource, module: object) -> str:
    if isinstance(module, Library):
        return module.package.id
    return naming.dotnet_project_name(source.tenant, source.name, module.name)


def _newest_dotnet(modules: Sequence[Module]) -> str:
    versions = [m.dotnet_version for m in modules if m.dotnet_version]
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")), default=DEFAULT_DOTNET)
