"""The spec language as pydantic models: frozen, closed (`extra="forbid"`), typed.

These models are the single source of the JSON Schema (`shipspec schema`), which
validates raw documents first; the models then give later stages typed values.
Rules that span fields or documents live in :mod:`compiler.spec.rules`.
Each constrained string type carries a description, which editors show on hover
and which the validator turns into the hint of a format error.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from compiler.spec.types import (
    LIST,
    AzureDevOpsOrganization,
    AzureDevOpsProject,
    AzureRegion,
    BranchName,
    ClusterName,
    CpuQuantity,
    DisplayName,
    DotnetVersion,
    EnvValue,
    EnvVarName,
    FeedName,
    GitRef,
    Hostname,
    HttpPath,
    Identity,
    KeyVaultName,
    KeyVaultSecretName,
    MemoryQuantity,
    NetworkName,
    PackageId,
    ResourceGroupName,
    Slug,
)

API_VERSION = "shipspec/v1"


class SpecModel(BaseModel):
    """Base for every spec model: immutable, closed to unknown keys, and never null.

    `ingress:` with nothing after it reads as null; it is refused (as the schema
    does) rather than silently meaning "use the default".
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            empty = sorted(key for key, value in data.items() if value is None)
            if empty:
                raise ValueError(f"`{empty[0]}` has no value; give it one or remove the key")
        return data


# --- project-wide settings -------------------------------------------------------------------


class ServiceConnections(SpecModel):
    azure: DisplayName | None = Field(
        None,
        description="ARM service connection used by Pulumi stages (needed when modules own stores)",
    )
    registry: DisplayName | None = Field(
        None,
        description="Docker registry service connection (needed for microservices and workers)",
    )
    preview: DisplayName | None = Field(
        None,
        description="read-only ARM service connection for pull-request previews of the "
        "non-production stacks; default `<azure>-preview`; never the `azure` one",
    )


class AzureDevOps(SpecModel):
    organization: AzureDevOpsOrganization = Field(
        description="https://dev.azure.com/<organization>"
    )
    project: AzureDevOpsProject = Field(
        description="the Azure DevOps project that holds the repositories"
    )
    serviceConnections: ServiceConnections = ServiceConnections()


class BranchPolicies(SpecModel):
    minimumReviewers: int = Field(2, ge=0, le=10)
    buildValidation: bool = True
    commentResolution: bool = True


class Repositories(SpecModel):
    defaultBranch: BranchName = "main"
    policies: BranchPolicies = BranchPolicies()


class Tracking(SpecModel):
    url: str = Field(
        pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$",
        max_length=300,
        description="https URL of `shipspec serve`; compile then generates the Argo CD / Flux "
        "notification objects that report to it",
    )


class GitOps(SpecModel):
    engine: Literal["argocd", "flux"] = "argocd"
    manifests: Literal["helm", "kustomize"] = "helm"
    tracking: Tracking | None = None


ToolVersion = Annotated[
    str,
    Field(pattern=r"^[0-9]+(\.[0-9]+)*([a-z]+[0-9]*)?(\.(post|dev)[0-9]+)?$", max_length=40),
]
LockLine = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+"
        r"( --hash=sha256:[0-9a-f]{64})+$",
        max_length=2000,
        description="`name==version --hash=sha256:...` (pip-compile --generate-hashes, one line)",
    ),
]


class Tool(SpecModel):
    """The shipspec that generated pipelines install (the deploy stages run its CLI)."""

    version: ToolVersion | None = Field(
        None, description="shipspec version to install; default: the version that compiles"
    )
    feed: FeedName | None = Field(
        None, description="Azure Artifacts feed to install from (PipAuthenticate@1)"
    )
    lock: Annotated[tuple[LockLine, ...], LIST] = Field(
        (),
        description="hash-pinned requirements of shipspec and all its dependencies; "
        "installed with --require-hashes",
    )

    @model_validator(mode="after")
    def _lock_pins_shipspec(self) -> Tool:
        names = [line.split("==", 1)[0].split("[", 1)[0].lower() for line in self.lock]
        if self.lock and "shipspec" not in names:
            raise ValueError("`lock` must pin shipspec itself (`shipspec==<version> --hash=...`)")
        pinned = [
            line.split("==", 1)[1].split()[0]
            for name, line in zip(names, self.lock, strict=True)
            if name == "shipspec"
        ]
        if self.version and pinned and pinned[0] != self.version:
            raise ValueError(f"`lock` pins shipspec {pinned[0]} but `version` is {self.version}")
        return self


class Pipelines(SpecModel):
    mode: Literal["templates", "inline"] = Field(
        "templates",
        description="`templates`: extend the tenant's pipeline-templates repository; "
        "`inline`: self-contained pipelines",
    )
    templatesRef: GitRef | None = Field(
        None, description="tag of the pipeline-templates repository; default: the shipspec version"
    )
    tool: Tool = Tool()


class Approvals(SpecModel):
    required: int = Field(ge=1, description="how many approvers must approve a promotion")
    approvers: Annotated[tuple[DisplayName, ...], LIST] = Field(
        min_length=1, description="users or groups"
    )


class Canary(SpecModel):
    steps: Annotated[tuple[Annotated[int, Field(ge=1, le=99)], ...], LIST] = Field(
        min_length=1, description="traffic percentages, strictly increasing, 1-99"
    )


DEFAULT_CANARY_STEPS = (25, 50, 75)


class Network(SpecModel):
    """Where the environment's stores get private endpoints (a subnet the cluster reaches)."""

    resourceGroup: ResourceGroupName = Field(description="the virtual network's resource group")
    vnet: NetworkName = Field(description="the virtual network (the cluster's, or peered with it)")
    subnet: NetworkName = Field(description="the subnet the private endpoints are placed in")
    privateDnsZones: ResourceGroupName | None = Field(
        None,
        description="resource group of existing privatelink DNS zones (a hub's); default: the "
        "stack creates the zones in the environment's resource group and links them to `vnet`",
    )


class Environment(SpecModel):
    name: Slug
    cluster: ClusterName | None = Field(
        None, description="AKS cluster; required where modules deploy"
    )
    clusterResourceGroup: ResourceGroupName | None = Field(
        None,
        description="the AKS cluster's resource group (the preflight and checklist name it; "
        "default: found by the cluster's name)",
    )
    region: AzureRegion | None = Field(
        None, description="Azure region; required where modules deploy"
    )
    strategy: Literal["rollingUpdate", "blueGreen", "canary"] = "rollingUpdate"
    tier: Literal["small", "standard", "production"] | None = Field(
        None,
        description="infrastructure sizing: default `production` for the last environment, "
        "`small` for the others",
    )
    canary: Canary | None = None
    approvals: Approvals | None = None
    network: Network | None = Field(
        None,
        description="private endpoints for the stores; required where a store runs at tier "
        "`production` (no public access there)",
    )

    @property
    def canary_steps(self) -> tuple[int, ...]:
        """The canary traffic steps in force: the spec's, or the documented default."""
        if self.strategy != "canary":
            return ()
        return self.canary.steps if self.canary else DEFAULT_CANARY_STEPS


# --- modules -----------------------------------------------------------------------------------


class Dotnet(SpecModel):
    version: DotnetVersion = "8.0"


class Health(SpecModel):
    liveness: HttpPath = "/health/live"
    readiness: HttpPath = "/health/ready"


class ServiceContainer(SpecModel):
    port: int = Field(ge=1, le=65535)
    health: Health = Health()


class WorkerContainer(SpecModel):
    port: int | None = Field(
        None, ge=1, le=65535, description="port serving the health endpoints, if any"
    )
    health: Health = Health()


class Replicas(SpecModel):
    """`default` plus one optional override per environment name."""

    model_config = ConfigDict(frozen=True, extra="allow", strict=True)
    __pydantic_extra__: dict[str, Annotated[int, Field(ge=0, le=1000)]]  # type: ignore[assignment]

    default: int = Field(1, ge=0, le=1000)

    def overrides(self) -> dict[str, int]:
        return dict(self.__pydantic_extra__ or {})

    def for_environment(self, environment: str) -> int:
        return self.overrides().get(environment, self.default)


class ResourceAmounts(SpecModel):
    cpu: CpuQuantity
    memory: MemoryQuantity


class Resources(SpecModel):
    requests: ResourceAmounts = ResourceAmounts(cpu="100m", memory="128Mi")
    limits: ResourceAmounts = ResourceAmounts(cpu="500m", memory="256Mi")


class Autoscaling(SpecModel):
    min: int = Field(ge=1, le=1000)
    max: int = Field(ge=1, le=1000)
    targetCpu: int = Field(80, ge=1, le=100, description="target average CPU utilisation, percent")


class Ingress(SpecModel):
    host: Hostname
    path: HttpPath = "/"


class Deploy(SpecModel):
    replicas: Replicas = Replicas()
    resources: Resources = Resources()
    autoscaling: Autoscaling | None = None
    ingress: Ingress | None = None
    env: dict[EnvVarName, EnvValue] = Field(default_factory=dict)


class Secret(SpecModel):
    """A Key Vault reference exposed to the module as an environment variable."""

    env: EnvVarName
    secret: KeyVaultSecretName
    vault: KeyVaultName | None = Field(None, description="defaults to the project's keyVault")


class Package(SpecModel):
    id: PackageId


# --- stores --------------------------------------------------------------------------------------


class StoreBase(SpecModel):
    name: Slug
    tiers: dict[Slug, Literal["small", "standard", "production"]] = Field(
        default_factory=dict, description="per-environment sizing overrides: {prod: standard}"
    )


class AzureSqlStore(StoreBase):
    kind: Literal["azure-sql"]


class PostgresqlStore(StoreBase):
    kind: Literal["postgresql"]


class RedisStore(StoreBase):
    kind: Literal["redis"]


class ServiceBusStore(StoreBase):
    kind: Literal["service-bus"]
    topics: Annotated[tuple[Slug, ...], LIST] = ()
    queues: Annotated[tuple[Slug, ...], LIST] = ()


class KeyVaultStore(StoreBase):
    kind: Literal["key-vault"]


class BlobLifecycle(SpecModel):
    coolAfterDays: int | None = Field(None, ge=1, le=99999)
    archiveAfterDays: int | None = Field(None, ge=1, le=99999)
    deleteAfterDays: int | None = Field(None, ge=1, le=99999)


class BlobStore(StoreBase):
    kind: Literal["blob"]
    lifecycle: BlobLifecycle | None = None


class CosmosStore(StoreBase):
    kind: Literal["cosmos"]


Store = Annotated[
    AzureSqlStore
    | PostgresqlStore
    | RedisStore
    | ServiceBusStore
    | KeyVaultStore
    | BlobStore
    | CosmosStore,
    Field(discriminator="kind"),
]


class ModuleBase(SpecModel):
    name: Slug
    repository: Slug | None = Field(
        None, description="repository name; defaults to the module name"
    )
    owners: Annotated[tuple[DisplayName, ...], LIST] = Field(
        (), description="CODEOWNERS entries; default: the approvers of the last environment"
    )

    @property
    def owned_stores(self) -> tuple[Store, ...]:
        """The stores this module owns (none for types that cannot own any)."""
        return getattr(self, "stores", ())

    @property
    def dependencies(self) -> tuple[str, ...]:
        return getattr(self, "dependsOn", ())

    @property
    def secret_refs(self) -> tuple[Secret, ...]:
        return getattr(self, "secrets", ())

    @property
    def runs_container(self) -> bool:
        return getattr(self, "type", "") in ("microservice", "worker")

    @property
    def repository_name(self) -> str:
        return self.repository or self.name


class Tests(SpecModel):
    coverageThreshold: int = Field(70, ge=0, le=100, description="line coverage gate, percent")


class Microservice(ModuleBase):
    type: Literal["microservice"]
    dotnet: Dotnet
    tests: Tests = Tests()
    container: ServiceContainer
    deploy: Deploy = Deploy()
    stores: Annotated[tuple[Store, ...], LIST] = ()
    secrets: Annotated[tuple[Secret, ...], LIST] = ()
    dependsOn: Annotated[tuple[Slug, ...], LIST] = ()


class Worker(ModuleBase):
    type: Literal["worker"]
    dotnet: Dotnet
    tests: Tests = Tests()
    container: WorkerContainer = WorkerContainer()
    deploy: Deploy = Deploy()
    stores: Annotated[tuple[Store, ...], LIST] = ()
    secrets: Annotated[tuple[Secret, ...], LIST] = ()
    dependsOn: Annotated[tuple[Slug, ...], LIST] = ()


class Library(ModuleBase):
    type: Literal["library"]
    dotnet: Dotnet = Dotnet()
    tests: Tests = Tests()
    package: Package
    dependsOn: Annotated[tuple[Slug, ...], LIST] = ()


class Infrastructure(ModuleBase):
    type: Literal["infrastructure"]
    stores: Annotated[tuple[Store, ...], LIST] = Field(min_length=1)


Module = Annotated[Microservice | Worker | Library | Infrastructure, Field(discriminator="type")]
MODULE_TYPES: dict[str, type[ModuleBase]] = {
    "microservice": Microservice,
    "worker": Worker,
    "library": Library,
    "infrastructure": Infrastructure,
}


# --- the document ------------------------------------------------------------------------------


class Metadata(SpecModel):
    tenant: Slug = Field(description="isolation root; prefixes every store record")
    name: Slug = Field(description="the project name, unique per tenant")


class ProjectSpec(SpecModel):
    azureDevOps: AzureDevOps
    registry: Hostname | None = Field(None, description="Azure Container Registry login server")
    feed: FeedName | None = Field(None, description="Azure Artifacts NuGet feed (project/feed)")
    keyVault: KeyVaultName | None = Field(None, description="the project's Key Vault")
    repositories: Repositories = Repositories()
    gitops: GitOps = GitOps()
    pipelines: Pipelines = Pipelines()
    environments: Annotated[tuple[Environment, ...], LIST] = Field(
        (),
        min_length=1,
        description="the promotion path; required unless the tenant's Tenant document sets it",
    )
    modules: Annotated[tuple[Module, ...], LIST] = Field(min_length=1)


class Project(SpecModel):
    apiVersion: Literal["shipspec/v1"]
    kind: Literal["Project"]
    metadata: Metadata
    spec: ProjectSpec


# --- the tenant's document -------------------------------------------------------------------


class TenantAzureDevOps(SpecModel):
    organization: AzureDevOpsOrganization = Field(
        description="the organization of the tenant's own repositories"
    )
    project: DisplayName = Field(
        description="the Azure DevOps project that holds the tenant's pipeline-templates repository"
    )


class TenantPipelines(SpecModel):
    tool: Tool = Field(
        description="the shipspec every project's generated pipelines install, unless the "
        "project sets `pipelines.tool`"
    )


class ApproverGroup(SpecModel):
    """Who is in an approver group, declared instead of read from Azure DevOps."""

    name: DisplayName = Field(
        description="the group as environments' `approvals.approvers` name it, e.g. "
        "[Payments]\\Release Managers"
    )
    members: Annotated[tuple[Identity, ...], LIST] = Field(
        min_length=1, description="the people in it, as Azure DevOps signs them in"
    )


class TenantSpec(SpecModel):
    """The tenant's home, and defaults its projects inherit unless they set them."""

    azureDevOps: TenantAzureDevOps
    registry: Hostname | None = Field(None, description="default Azure Container Registry")
    feed: FeedName | None = Field(None, description="default Azure Artifacts NuGet feed")
    repositories: Repositories | None = Field(
        None, description="default branch and policies of every repository of the tenant"
    )
    environments: Annotated[tuple[Environment, ...], LIST] | None = Field(
        None, min_length=1, description="default promotion path (clusters, regions, approvals)"
    )
    pipelines: TenantPipelines | None = Field(
        None, description="default tool (version, feed, hash lock) of the generated pipelines"
    )
    approverGroups: Annotated[tuple[ApproverGroup, ...], LIST] | None = Field(
        None,
        min_length=1,
        description="membership of approver groups, used instead of reading it from Azure "
        "DevOps when `shipspec release approve` checks who may decide",
    )


class TenantMetadata(SpecModel):
    name: Slug = Field(description="the tenant (metadata.tenant of its projects)")


class Tenant(SpecModel):
    apiVersion: Literal["shipspec/v1"]
    kind: Literal["Tenant"]
    metadata: TenantMetadata
    spec: TenantSpec


KINDS: dict[str, type[SpecModel]] = {"Project": Project, "Tenant": Tenant}
INHERITED = ("registry", "feed", "repositories", "environments")
"""The `spec` keys a project inherits from its Tenant document when it does not set them."""
INHERITED_TOOL = "pipelines.tool"
"""Inherited too, one level down: `spec.pipelines.tool` when the project does not set it."""
