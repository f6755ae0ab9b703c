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
from compiler.resolve.model import Module, Project
from compiler.targets.repo.context import DeclarationContext, module_context

FAMILY = "repo"


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
        DeclarationContext(declaration),
        "spec.repositories",
    )
