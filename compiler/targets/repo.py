"""Repository layout target: the files that make each module's repository a .NET repository.

Managed files (README, ignore files, build props, NuGet.config, Dockerfile,
CODEOWNERS, the branch-policy declaration) are regenerated on every compile;
the solution and starter projects are scaffold, written once into the target
repository and then owned by the team.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from compiler.ir import OutputFile, Ownership
from compiler.plan.context import ModuleContext, ProjectContext
from compiler.plan.naming import (
    feed_key,
    feed_url,
    git_url,
    image_repository,
    sdk_version,
    stable_guid,
)
from compiler.spec.models import Microservice, Worker

FAMILY = "repo"

DOCKER_IMAGES = {
    "microservice": ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/aspnet"),
    "worker": ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/runtime"),
}
APP_UID = 1654
"""The non-root `app` user that the official .NET 8+ images define."""


class RepositoryLayout:
    name = "repo"

    def files(self, project: ProjectContext) -> Iterator[OutputFile]:
        for module in project.modules:
            yield from module_files(project, module)

    def tenant_files(self, tenant: str, projects: Sequence[ProjectContext]) -> Iterator[OutputFile]:
        return iter(())


def module_files(project: ProjectContext, module: ModuleContext) -> Iterator[OutputFile]:
    context = module_context(project, module)
    root, key = module.repository, module.key_path

    def managed(path: str, template: str, key_path: str = key) -> OutputFile:
        return project.file(f"{root}/{path}", f"{FAMILY}/{template}", context, key_path)

    def scaffold(path: str, template: str) -> OutputFile:
        return project.file(
            f"{root}/{path}", f"{FAMILY}/{template}", context, key, Ownership.SCAFFOLD
        )

    yield managed("README.md", "README.md.j2")
    yield managed(".gitignore", "gitignore.j2", f"{key}.type")
    yield managed(".editorconfig", "editorconfig.j2", f"{key}.type")
    yield managed("CODEOWNERS", "CODEOWNERS.j2", f"{key}.owners")
    yield managed(".shipspec/repository.json", "repository.json.j2", "spec.repositories")
    if module.is_dotnet:
        yield managed("Directory.Build.props", "Directory.Build.props.j2", f"{key}.dotnet")
        yield managed("global.json", "global.json.j2", f"{key}.dotnet")
        yield managed("NuGet.config", "NuGet.config.j2", "spec.feed")
        yield from dotnet_scaffold(module, scaffold)
    if module.runs_container:
        yield managed("Dockerfile", "Dockerfile.j2", f"{key}.container")
        yield managed(".dockerignore", "dockerignore.j2", f"{key}.container")


def dotnet_scaffold(module: ModuleContext, scaffold: Any) -> Iterator[OutputFile]:
    name = module.dotnet_name
    kind = {"microservice": "web", "worker": "worker", "library": "library"}[module.type]
    yield scaffold(f"{name}.sln", "scaffold/solution.sln.j2")
    yield scaffold(f"src/{name}/{name}.csproj", f"scaffold/{kind}.csproj.j2")
    yield scaffold(
        f"src/{name}/Program.cs" if kind != "library" else f"src/{name}/Greeter.cs",
        f"scaffold/{kind}.cs.j2",
    )
    if kind == "worker":
        yield scaffold(f"src/{name}/Worker.cs", "scaffold/Worker.cs.j2")
    yield scaffold(f"tests/{name}.Tests/{name}.Tests.csproj", "scaffold/tests.csproj.j2")
    yield scaffold(f"tests/{name}.Tests/SmokeTests.cs", f"scaffold/{kind}.tests.cs.j2")


# --- contexts --------------------------------------------------------------------------------------


def module_context(project: ProjectContext, module: ModuleContext) -> dict[str, Any]:
    """Every value the repository templates use, ready to print."""
    spec = project.model.spec
    return {
        "tenant": project.tenant,
        "project": project.name,
        "module": _module_values(project, module),
        "azure_devops": {
            "organization": spec.azureDevOps.organization,
            "project": spec.azureDevOps.project,
        },
        "environments": [_environment_values(project, module, e) for e in spec.environments],
        "repository": _repository_values(project, module),
        "feed": _feed_values(project),
        "owners": _owners(project, module),
        "container": _container_values(project, module),
        "solution": _solution_values(module),
    }


def _module_values(project: ProjectContext, module: ModuleContext) -> dict[str, Any]:
    model = module.model
    dotnet = getattr(model, "dotnet", None)
    return {
        "name": module.name,
        "type": module.type,
        "repository": module.repository,
        "dotnet_name": module.dotnet_name,
        "dotnet_version": dotnet.version if dotnet else "",
        "sdk_version": sdk_version(dotnet.version) if dotnet else "",
        "package_id": model.package.id if module.type == "library" else "",
        "depends_on": list(model.dependencies),
        "stores": [{"name": s.name, "kind": s.kind} for s in model.owned_stores],
        "secrets": [{"env": s.env, "secret": s.secret} for s in model.secret_refs],
        "is_dotnet": module.is_dotnet,
        "git_url": git_url(
            project.model.spec.azureDevOps.organization,
            project.model.spec.azureDevOps.project,
            module.repository,
        ),
        "spec_file": project.source.file,
    }


def _environment_values(
    project: ProjectContext, module: ModuleContext, environment: Any
) -> dict[str, Any]:
    model = module.model
    replicas = (
        model.deploy.replicas.for_environment(environment.name) if module.runs_container else None
    )
    approvals = environment.approvals
    return {
        "name": environment.name,
        "cluster": environment.cluster or "",
        "region": environment.region or "",
        "strategy": environment.strategy,
        "replicas": replicas,
        "approvals": list(approvals.approvers) if approvals else [],
        "required": approvals.required if approvals else 0,
    }


def _repository_values(project: ProjectContext, module: ModuleContext) -> dict[str, Any]:
    repositories = project.model.spec.repositories
    policies = repositories.policies
    return {
        "apiVersion": "shipspec/v1",
        "organization": project.model.spec.azureDevOps.organization,
        "project": project.model.spec.azureDevOps.project,
        "name": module.repository,
        "module": module.name,
        "defaultBranch": repositories.defaultBranch,
        "policies": {
            "minimumReviewers": policies.minimumReviewers,
            "buildValidation": policies.buildValidation,
            "commentResolution": policies.commentResolution,
        },
    }


def _feed_values(project: ProjectContext) -> dict[str, str]:
    feed = project.model.spec.feed
    if feed is None:
        return {"key": "", "url": ""}
    return {
        "key": feed_key(feed),
        "url": feed_url(project.model.spec.azureDevOps.organization, feed),
    }


def _owners(project: ProjectContext, module: ModuleContext) -> list[str]:
    if module.model.owners:
        return [_codeowner(owner) for owner in module.model.owners]
    last = project.model.spec.environments[-1].approvals
    return [_codeowner(owner) for owner in last.approvers] if last else []


def _codeowner(owner: str) -> str:
    """CODEOWNERS separates owners by spaces; spaces inside a name are escaped."""
    return owner.replace("\\", "\\\\").replace(" ", "\\ ")


def _container_values(project: ProjectContext, module: ModuleContext) -> dict[str, Any]:
    model = module.model
    if not isinstance(model, Microservice | Worker):
        return {}
    sdk, runtime = DOCKER_IMAGES[module.type]
    port = model.container.port
    return {
        "sdk_image": f"{sdk}:{model.dotnet.version}",
        "runtime_image": f"{runtime}:{model.dotnet.version}",
        "port": port,
        "liveness": model.container.health.liveness,
        "readiness": model.container.health.readiness,
        "user": APP_UID,
        "image": f"{project.model.spec.registry}/{image_repository(project.name, module.name)}",
    }


def _solution_values(module: ModuleContext) -> dict[str, str]:
    name = module.dotnet_name
    return {
        "src_guid": stable_guid(module.repository, "src", name),
        "tests_guid": stable_guid(module.repository, "tests", name),
        "folder_src_guid": stable_guid(module.repository, "folder", "src"),
        "folder_tests_guid": stable_guid(module.repository, "folder", "tests"),
    }
