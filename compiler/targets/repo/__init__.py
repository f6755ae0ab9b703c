"""Repository layout target: the files that make each module's repository a .NET repository.

Managed files (README, ignore files, build props, NuGet.config, Dockerfile,
CODEOWNERS, the branch-policy declaration) are regenerated on every compile;
the solution and starter projects are scaffold, written once into the target
repository and then owned by the team.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.ir import OutputFile, Ownership
from compiler.plan.naming import feed_key, feed_url, sdk_version, stable_guid
from compiler.resolve.model import Environment, Module, Project

FAMILY = "repo"

DOCKER_IMAGES = {
    "microservice": ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/aspnet"),
    "worker": ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/runtime"),
}
APP_UID = 1654
"""The non-root `app` user that the official .NET 8+ images define."""


class RepositoryLayout:
    name = "repo"

    def files(self, project: Project) -> Iterator[OutputFile]:
        for module in project.modules:
            yield from module_files(project, module)


def module_files(project: Project, module: Module) -> Iterator[OutputFile]:
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


def dotnet_scaffold(module: Module, scaffold: Any) -> Iterator[OutputFile]:
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


def module_context(project: Project, module: Module) -> dict[str, Any]:
    """Every value the repository templates use, ready to print."""
    return {
        "tenant": project.tenant,
        "project": project.name,
        "module": _module_values(project, module),
        "azure_devops": {"organization": project.organization, "project": project.devops_project},
        "environments": [_environment_values(module, e) for e in project.environments],
        "repository": _repository_values(project, module),
        "feed": _feed_values(project),
        "owners": _owners(project, module),
        "container": _container_values(module),
        "solution": _solution_values(module),
    }


def _module_values(project: Project, module: Module) -> dict[str, Any]:
    version = module.dotnet_version
    return {
        "name": module.name,
        "type": module.type,
        "repository": module.repository,
        "dotnet_name": module.dotnet_name,
        "dotnet_version": version,
        "sdk_version": sdk_version(version) if version else "",
        "package_id": module.spec.package.id if module.type == "library" else "",
        "depends_on": list(module.depends_on),
        "stores": [{"name": s.name, "kind": s.kind} for s in module.stores_owned],
        "secrets": [{"env": s.env, "secret": s.secret} for s in module.secrets],
        "is_dotnet": module.is_dotnet,
        "git_url": module.git_url,
        "spec_file": project.source.file,
    }


def _environment_values(module: Module, environment: Environment) -> dict[str, Any]:
    approvals = environment.approvals
    return {
        "name": environment.name,
        "cluster": environment.cluster,
        "region": environment.region,
        "strategy": environment.strategy,
        "replicas": module.replicas.get(environment.name),
        "approvals": list(approvals.approvers) if approvals else [],
        "required": approvals.required if approvals else 0,
    }


def _repository_values(project: Project, module: Module) -> dict[str, Any]:
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


def declaration_file(project: Project, repository: str, *, pushes: bool) -> OutputFile:
    """`.shipspec/repository.json` of a project-wide repository (`<project>-gitops`/`-infra`).

    GitOps and infra changes are production changes, so the spec's reviewers apply;
    the deploy pipeline's identity may push to the default branch of the GitOps
    repository (``pushes``) without a pull request, and nowhere else.  Nothing
    builds the GitOps repository, so it gets no build validation.
    """
    policies = dict(project.policies)
    policies["buildValidation"] = bool(policies["buildValidation"]) and not pushes
    identity = project.home.build_service(project.organization, project.devops_project)
    pusher = {"identity": identity, "branch": project.default_branch, "withoutPullRequest": True}
    declaration = {
        "apiVersion": "shipspec/v1",
        "organization": project.organization,
        "project": project.devops_project,
        "name": repository,
        "defaultBranch": project.default_branch,
        "policies": policies,
        "pushers": [pusher] if pushes else [],
    }
    return project.file(
        f"{repository}/.shipspec/repository.json",
        f"{FAMILY}/repository.json.j2",
        {"repository": declaration},
        "spec.repositories",
    )


def _feed_values(project: Project) -> dict[str, str]:
    if not project.feed:
        return {"key": "", "url": ""}
    return {"key": feed_key(project.feed), "url": feed_url(project.organization, project.feed)}


def _owners(project: Project, module: Module) -> list[str]:
    if module.spec.owners:
        return [_codeowner(owner) for owner in module.spec.owners]
    last = project.last.approvals
    return [_codeowner(owner) for owner in last.approvers] if last else []


def _codeowner(owner: str) -> str:
    """CODEOWNERS separates owners by spaces; spaces inside a name are escaped."""
    return owner.replace("\\", "\\\\").replace(" ", "\\ ")


def _container_values(module: Module) -> dict[str, Any]:
    if not module.runs_container:
        return {}
    sdk, runtime = DOCKER_IMAGES[module.type]
    container = module.spec.container
    return {
        "sdk_image": f"{sdk}:{module.dotnet_version}",
        "runtime_image": f"{runtime}:{module.dotnet_version}",
        "port": container.port,
        "liveness": container.health.liveness,
        "readiness": container.health.readiness,
        "user": APP_UID,
        "image": module.image,
    }


def _solution_values(module: Module) -> dict[str, str]:
    name = module.dotnet_name
    return {
        "src_guid": stable_guid(module.repository, "src", name),
        "tests_guid": stable_guid(module.repository, "tests", name),
        "folder_src_guid": stable_guid(module.repository, "folder", "src"),
        "folder_tests_guid": stable_guid(module.repository, "folder", "tests"),
    }
