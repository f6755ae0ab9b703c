"""Modules: microservices, workers, libraries and infrastructure, discriminated by `type`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from compiler.spec.models.base import SpecModel
from compiler.spec.models.stores import Store
from compiler.spec.types import (
    LIST,
    CpuQuantity,
    DisplayName,
    DotnetVersion,
    EnvValue,
    EnvVarName,
    Hostname,
    HttpPath,
    KeyVaultName,
    KeyVaultSecretName,
    MemoryQuantity,
    PackageId,
    Slug,
)


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
