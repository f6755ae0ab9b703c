"""The resolved estate: every fact the targets print, derived once, each with its spec location.

Targets read only these frozen dataclasses.  A value derived from the spec
(a namespace, a vault name, a store's Azure names, a replica count) is computed
in :mod:`compiler.resolve.build` and nowhere else, so two outputs that share a
name (a wire) cannot disagree.  `where()` gives the key path a value came from,
for lineage and for located errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from compiler.errors import Diagnostic
from compiler.ir import Lineage, OutputFile, Ownership
from compiler.plan import naming
from compiler.spec.locate import Path_, format_path
from compiler.spec.models.modules import Secret
from compiler.spec.source import ProjectSource
from compiler.spec.tenant import TenantHome, default_home

ModuleSpec = Any
"""The module's own validated settings (a frozen pydantic model of its type)."""
StoreSpec = Any


@dataclass(frozen=True)
class Located:
    """A node of the resolved estate and the spec path it came from."""

    path: tuple[str | int, ...]
    origins: Mapping[str, tuple[str | int, ...]] = field(default_factory=dict, kw_only=True)
    """Where derived fields came from, when not from `path` itself (field -> spec path)."""

    @property
    def key_path(self) -> str:
        return format_path(self.path)

    def where(self, name: str) -> str:
        """The spec key a field of this node was derived from."""
        return format_path(self.origins.get(name, self.path))


@dataclass(frozen=True)
class Approvals:
    required: int
    approvers: tuple[str, ...]


@dataclass(frozen=True)
class Network:
    """The subnet an environment's private endpoints go in, and where its DNS zones are."""

    resource_group: str
    vnet: str
    subnet: str
    private_dns_zones: str
    """Resource group of existing privatelink zones ("" = the stack creates and links them)."""


@dataclass(frozen=True)
class Environment(Located):
    """One environment of the promotion path."""

    index: int
    name: str
    is_last: bool
    tier: str
    region: str
    cluster: str
    cluster_resource_group: str
    """`clusterResourceGroup`: where the cluster is ("" = looked up by its name)."""
    strategy: str
    canary_steps: tuple[int, ...]
    approvals: Approvals | None
    identifier: str
    """The environment as a stage or job name allows it (letters, digits, underscores)."""
    namespace: str
    azure_devops_environment: str
    variable_group: str
    key_vault: str
    resource_group: str
    log_analytics: str
    digest: str
    """The short hash of tenant/project/environment that globally unique Azure names end in."""
    network: Network | None = None
    """Where its stores get private endpoints (None: public access, Entra authentication)."""


@dataclass(frozen=True)
class Store(Located):
    """A data store, with its Azure names and tier in every environment."""

    name: str
    kind: str
    owner: str
    spec: StoreSpec
    names: Mapping[str, Mapping[str, str]]
    """environment -> {role of the name (server, database, account, ...) -> Azure name}"""
    tiers: Mapping[str, str]
    outputs: Mapping[str, str]
    """output suffix (Host, Database, ...) -> the stack output name"""
    endpoints: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """environment -> {Host, Database, FullyQualifiedNamespace, ...}: how a client finds it"""

    @property
    def setting_prefix(self) -> str:
        """The configuration section a module reads the store from: `Stores__<PascalName>__`."""
        return f"Stores__{naming.pascal(self.name)}__"


@dataclass(frozen=True)
class Module(Located):
    """A module: its repository, build and what it runs with."""

    index: int
    name: str
    type: str
    spec: ModuleSpec
    repository: str
    git_url: str
    dotnet_name: str
    dotnet_version: str
    replicas: Mapping[str, int]
    """environment -> replica count (services and workers only)"""
    stores_owned: tuple[Store, ...]
    stores_used: tuple[Store, ...]
    """Owned stores, then those of the infrastructure modules it depends on."""
    depends_on: tuple[str, ...]
    secrets: tuple[Secret, ...]
    identity: str
    """The user-assigned managed identity the module's pods and stores use."""
    app_insights: str
    """Its Application Insights component (services and workers; empty otherwise)."""
    service_account: str
    """The Kubernetes ServiceAccount its pods run as (the chart's release name; empty if none)."""
    subjects: Mapping[str, str]
    """environment -> the workload identity subject `system:serviceaccount:<namespace>:<sa>`"""
    image_repository: str
    image: str
    outputs: Mapping[str, str]
    """output suffix (IdentityClientId, ...) -> the stack output name"""
    tls_secrets: Mapping[str, str] = field(default_factory=dict)
    """environment -> the Secret holding its ingress certificate (production tiers; else empty)"""
    egress_ports: tuple[int, ...] = ()
    """TCP ports its pods reach Azure on: Entra ID and the stores it uses"""

    def store_settings(self, environment: str) -> dict[str, str]:
        """The connection information of every store it uses, as configuration (never a key)."""
        return {
            f"{store.setting_prefix}{key}": value
            for store in self.stores_used
            for key, value in store.endpoints[environment].items()
        }

    @property
    def is_dotnet(self) -> bool:
        return self.type != "infrastructure"

    @property
    def runs_container(self) -> bool:
        return self.type in ("microservice", "worker")


@dataclass(frozen=True)
class Project(Located):
    """A project and everything its targets print, resolved."""

    source: ProjectSource
    tenant: str
    name: str
    organization: str
    devops_project: str
    azure_connection: str
    preview_connection: str
    """The read-only ARM connection pull-request previews use (`<azure>-preview` by default)."""
    registry_connection: str
    registry: str
    feed: str
    key_vault: str
    """`spec.keyVault` as written (empty when absent); each environment has its own vault name."""
    default_branch: str
    policies: Mapping[str, Any]
    engine: str
    manifests: str
    pipelines_mode: str
    templates_ref: str
    environments: tuple[Environment, ...]
    modules: tuple[Module, ...]
    gitops_repository: str
    infra_repository: str
    dotnet_version: str
    """The newest .NET channel the project's modules use (the infra program targets it)."""
    tool_requirements: str = ""
    """What the deploy stages `pip install`: the spec's lock lines, else one pin of shipspec."""
    tool_feed: str = ""
    """The feed that install reads (`pipelines.tool.feed`; empty: the public index)."""
    tracking_url: str | None = None
    """`spec.gitops.tracking.url`: where `shipspec serve` listens, when the project is tracked."""

    @property
    def stores(self) -> tuple[Store, ...]:
        return tuple(store for module in self.modules for store in module.stores_owned)

    @property
    def has_infrastructure(self) -> bool:
        """Whether the project gets an infra repository.

        Stores need their resources, and every workload needs its identity and the
        federated credential its service account signs in with, stores or not.
        """
        return bool(self.stores or self.workloads)

    @property
    def last(self) -> Environment:
        return self.environments[-1]

    @property
    def workloads(self) -> tuple[Module, ...]:
        return tuple(module for module in self.modules if module.runs_container)

    @property
    def home(self) -> TenantHome:
        """The tenant's home in Azure DevOps (where pipeline-templates lives)."""
        return self.source.home or default_home([self.source])

    def git_url(self, repository: str) -> str:
        return naming.git_url(self.organization, self.devops_project, repository)

    def problem(self, path: Path_, message: str, hint: str = "") -> Diagnostic:
        return self.source.problem(path, message, hint)

    def file(
        self,
        path: str,
        template: str,
        context: Mapping[str, Any],
        key_path: str,
        ownership: Ownership = Ownership.MANAGED,
    ) -> OutputFile:
        lineage = Lineage(self.source.lineage_file(key_path), key_path, template)
        return OutputFile(path, template, context, ownership, lineage)


@dataclass(frozen=True)
class Estate:
    """Every resolved project, in the order of the validated spec."""

    projects: tuple[Project, ...]
    files: tuple[str, ...]

    @property
    def tenants(self) -> tuple[str, ...]:
        return tuple(sorted({p.tenant for p in self.projects}))

    def find(self, tenant: str, name: str) -> Project | None:
        return next((p for p in self.projects if (p.tenant, p.name) == (tenant, name)), None)
