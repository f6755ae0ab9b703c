"""What a module repository's templates print, derived from the resolved model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.contexts import TemplateContext
from compiler.kubernetes.values import APP_UID
from compiler.plan.naming import feed_key, feed_url, sdk_version, stable_guid
from compiler.resolve.model import Environment, Module, Project

DOCKER_IMAGES = {
    "microservice": ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/aspnet"),
    "worker": ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/runtime"),
}


@dataclass(frozen=True)
class StoreFacts:
    name: str
    kind: str


@dataclass(frozen=True)
class SecretFacts:
    env: str
    secret: str


@dataclass(frozen=True)
class ModuleFacts:
    name: str
    type: str
    repository: str
    dotnet_name: str
    dotnet_version: str
    sdk_version: str
    package_id: str
    """The NuGet package id of a library ("" otherwise)."""
    depends_on: tuple[str, ...]
    stores: tuple[StoreFacts, ...]
    secrets: tuple[SecretFacts, ...]
    is_dotnet: bool
    git_url: str
    spec_file: str


@dataclass(frozen=True)
class EnvironmentFacts:
    name: str
    cluster: str
    region: str
    strategy: str
    replicas: int | None
    approvals: tuple[str, ...]
    required: int


@dataclass(frozen=True)
class FeedFacts:
    key: str
    url: str
    """Both empty when the project has no feed (packages restore from nuget.org)."""


@dataclass(frozen=True)
class ContainerFacts:
    sdk_image: str
    runtime_image: str
    port: int | None
    liveness: str
    readiness: str
    user: int
    image: str


@dataclass(frozen=True)
class SolutionGuids:
    src_guid: str
    tests_guid: str
    folder_src_guid: str
    folder_tests_guid: str


@dataclass(frozen=True)
class RepositoryContext(TemplateContext):
    """Every value the repository templates use, ready to print."""

    tenant: str
    project: str
    module: ModuleFacts
    environments: tuple[EnvironmentFacts, ...]
    repository: Mapping[str, Any]
    """`.shipspec/repository.json` as data (the template prints it as JSON)."""
    feed: FeedFacts
    owners: tuple[str, ...]
    container: ContainerFacts | None
    """None for a module that runs no container (a library, infrastructure)."""
    solution: SolutionGuids


def module_context(project: Project, module: Module) -> RepositoryContext:
    return RepositoryContext(
        tenant=project.tenant,
        project=project.name,
        module=_module_facts(project, module),
        environments=tuple(_environment_facts(module, e) for e in project.environments),
        repository=_repository_declaration(project, module),
        feed=_feed_facts(project),
        owners=_owners(project, module),
        container=_container_facts(module),
        solution=_solution_guids(module),
    )


def _module_facts(project: Project, module: Module) -> ModuleFacts:
    version = module.dotnet_version
    return ModuleFacts(
        name=module.name,
        type=module.type,
        repository=module.repository,
        dotnet_name=module.dotnet_name,
        dotnet_version=version,
        sdk_version=sdk_version(version) if version else "",
        package_id=module.spec.package.id if module.type == "library" else "",
        depends_on=tuple(module.depends_on),
        stores=tuple(StoreFacts(s.name, s.kind) for s in module.stores_owned),
        secrets=tuple(SecretFacts(s.env, s.secret) for s in module.secrets),
        is_dotnet=module.is_dotnet,
        git_url=module.git_url,
        spec_file=project.source.file,
    )


def _environment_facts(module: Module, environment: Environment) -> EnvironmentFacts:
    approvals = environment.approvals
    return EnvironmentFacts(
        name=environment.name,
        cluster=environment.cluster,
        region=environment.region,
        strategy=environment.strategy,
        replicas=module.replicas.get(environment.name),
        approvals=tuple(approvals.approvers) if approvals else (),
        required=approvals.required if approvals else 0,
    )


def _repository_declaration(project: Project, module: Module) -> dict[str, Any]:
    """An infrastructure module's repository has no pipeline (its stores are stacked in
    `<project>-infra`), so nothing could run its build validation."""
    policies = dict(project.policies)
    policies["buildValidation"] = bool(policies["buildValidation"]) and module.is_dotnet
    return {
        "apiVersion": "shipspec/v1",
        "organization": project.organization,
        "project": project.devops_project,
        "name": module.repository,
        "module": module.name,
        "defaultBranch": project.default_branch,
        "policies": policies,
    }


def _feed_facts(project: Project) -> FeedFacts:
    if not project.feed:
        return FeedFacts("", "")
    return FeedFacts(feed_key(project.feed), feed_url(project.organization, project.feed))


def _owners(project: Project, module: Module) -> tuple[str, ...]:
    if module.spec.owners:
        return tuple(_codeowner(owner) for owner in module.spec.owners)
    last = project.last.approvals
    return tuple(_codeowner(owner) for owner in last.approvers) if last else ()


def _codeowner(owner: str) -> str:
    """CODEOWNERS separates owners by spaces; spaces inside a name are escaped."""
    return owner.replace("\\", "\\\\").replace(" ", "\\ ")


def _container_facts(module: Module) -> ContainerFacts | None:
    if not module.runs_container:
        return None
    sdk, runtime = DOCKER_IMAGES[module.type]
    container = module.spec.container
    return ContainerFacts(
        sdk_image=f"{sdk}:{module.dotnet_version}",
        runtime_image=f"{runtime}:{module.dotnet_version}",
        port=container.port,
        liveness=container.health.liveness,
        readiness=container.health.readiness,
        user=APP_UID,
        image=module.image,
    )


def _solution_guids(module: Module) -> SolutionGuids:
    name, repository = module.dotnet_name, module.repository
    return SolutionGuids(
        src_guid=stable_guid(repository, "src", name),
        tests_guid=stable_guid(repository, "tests", name),
        folder_src_guid=stable_guid(repository, "folder", "src"),
        folder_tests_guid=stable_guid(repository, "folder", "tests"),
    )


@dataclass(frozen=True)
class DeclarationContext(TemplateContext):
    """`.shipspec/repository.json` of a project-wide repository."""

    repository: Mapping[str, Any]
