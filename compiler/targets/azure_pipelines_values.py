"""What each module pipeline is made of, computed once and handed to the templates ready.

A module pipeline is described by one `PipelineSpec`: the extends template it uses,
the parameters it passes (the same values an inline pipeline prints), and the stage
graph those parameters produce.  Both modes read it, so a `templates` pipeline and an
`inline` one have the same stages, jobs and steps by construction.

`Values` is what step and stage macros read: in an inline pipeline it returns the
concrete parameter, in a template file the `${{ parameters.x }}` expression for it;
derived strings (conditions, display names) are built here, never in a template.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from compiler.plan.context import ModuleContext, ProjectContext
from compiler.plan.naming import (
    azure_devops_environment,
    gitops_repository,
    image_repository,
    infra_repository,
    variable_group,
)
from compiler.spec.models import Environment
from compiler.version import __version__

VM_IMAGE = "ubuntu-latest"
SHIPSPEC_PACKAGE = f"shipspec=={__version__}"
TEMPLATES_ALIAS = "templates"

SERVICE_TEMPLATE = "pipelines/dotnet-service.yml"
LIBRARY_TEMPLATE = "pipelines/dotnet-library.yml"
INFRA_TEMPLATE = "pipelines/pulumi-infra.yml"

PULUMI_SECRETS = ("pulumi-backend-url", "pulumi-config-passphrase")
"""Key Vault secrets the Pulumi stages read through the environment's variable group."""


@dataclass(frozen=True)
class Stage:
    """One stage of the expanded pipeline, as Azure DevOps will see it at queue time."""

    name: str
    depends_on: tuple[str, ...]
    environment: str = ""
    job: str = ""
    strategy: str = ""


@dataclass(frozen=True)
class PipelineSpec:
    """One `azure-pipelines.yml`: where it lives, what it extends and what it expands to."""

    repository: str
    name: str
    module: str
    kind: str
    key_path: str
    template: str
    parameters: Mapping[str, Any]
    stages: tuple[Stage, ...]
    resources: tuple[Mapping[str, str], ...] = field(default_factory=tuple)


# --- values read by macros ---------------------------------------------------------------------


class Values:
    """Parameter values for step/stage macros: concrete (inline) or expressions (templates).

    >>> Values.expressions().defaultBranch
    '${{ parameters.defaultBranch }}'
    >>> Values.concrete({"defaultBranch": "main"}).on_default_branch
    "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))"
    """

    def __init__(self, get: Callable[[str], Any]) -> None:
        self._get = get

    @classmethod
    def concrete(cls, parameters: Mapping[str, Any]) -> Values:
        def get(name: str) -> Any:
            if name not in parameters:
                raise AttributeError(name)
            return parameters[name]

        return cls(get)

    @classmethod
    def expressions(cls, scope: str = "parameters") -> Values:
        return cls(lambda name: "${{ " + f"{scope}.{name}" + " }}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._get(name)

    @property
    def sdk(self) -> str:
        return f"{self._get('dotnetVersion')}.x"

    @property
    def default_branch_ref(self) -> str:
        return f"refs/heads/{self._get('defaultBranch')}"

    @property
    def on_default_branch(self) -> str:
        return f"and(succeeded(), eq(variables['Build.SourceBranch'], '{self.default_branch_ref}'))"

    pull_request = "eq(variables['Build.Reason'], 'PullRequest')"
    not_pull_request = "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))"
    gitops_alias = "gitops"

    @property
    def delivers(self) -> str:
        """Publish/promote only for default-branch builds that are not pull requests."""
        return (
            "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'), "
            f"eq(variables['Build.SourceBranch'], '{self.default_branch_ref}'))"
        )


# --- per module type ------------------------------------------------------------------------------


def pipeline_for(project: ProjectContext, module: ModuleContext) -> PipelineSpec:
    builders = {
        "microservice": service_pipeline,
        "worker": service_pipeline,
        "library": library_pipeline,
        "infrastructure": module_infra_pipeline,
    }
    return builders[module.type](project, module)


def _common(project: ProjectContext, module: ModuleContext) -> dict[str, Any]:
    spec = project.model.spec
    return {
        "dotnetVersion": module.model.dotnet.version,
        "coverageThreshold": module.model.tests.coverageThreshold,
        "defaultBranch": spec.repositories.defaultBranch,
        "vmImage": VM_IMAGE,
    }


def library_pipeline(project: ProjectContext, module: ModuleContext) -> PipelineSpec:
    parameters = {
        **_common(project, module),
        "packageFeed": project.model.spec.feed,
        "versionPrefix": "1.0",
    }
    stages = (Stage("build", (), job="ci"), Stage("publish", ("build",), job="pack"))
    return PipelineSpec(
        module.repository,
        f"{module.name}-ci",
        module.name,
        "library",
        module.key_path,
        LIBRARY_TEMPLATE,
        parameters,
        stages,
    )


def service_pipeline(project: ProjectContext, module: ModuleContext) -> PipelineSpec:
    spec = project.model.spec
    environments = deploy_environments(project, module)
    parameters = {
        "module": module.name,
        **_common(project, module),
        "registry": spec.registry,
        "registryServiceConnection": spec.azureDevOps.serviceConnections.registry,
        "imageRepository": image_repository(project.name, module.name),
        "dockerfile": "Dockerfile",
        "gitopsBranch": spec.repositories.defaultBranch,
        "shipspecPackage": SHIPSPEC_PACKAGE,
        "environments": environments,
    }
    stages = [Stage("build", (), job="ci"), Stage("image", ("build",), job="container")]
    stages += [
        Stage(e["stage"], tuple(e["dependsOn"]), e["name"], "promote", e["strategy"])
        for e in environments
    ]
    gitops = _repository(project, Values.gitops_alias, gitops_repository(project.name))
    return PipelineSpec(
        module.repository,
        f"{module.name}-ci",
        module.name,
        module.type,
        module.key_path,
        SERVICE_TEMPLATE,
        parameters,
        tuple(stages),
        (gitops,),
    )


def deploy_environments(project: ProjectContext, module: ModuleContext) -> list[dict[str, Any]]:
    """One entry per environment in path order; each stage waits for the one before."""
    out: list[dict[str, Any]] = []
    previous = "image"
    for environment in project.model.spec.environments:
        stage = f"deploy_{_identifier(environment.name)}"
        out.append(
            {
                "name": environment.name,
                "stage": stage,
                "dependsOn": [previous],
                "displayName": f"Deploy to {environment.name}",
                "jobDisplayName": _promote_title(module.name, environment),
                "azureDevOpsEnvironment": azure_devops_environment(project.name, environment.name),
                "variableGroup": variable_group(project.name, environment.name),
                "strategy": environment.strategy,
                "canarySteps": ",".join(str(step) for step in environment.canary_steps),
            }
        )
        previous = stage
    return out


def _promote_title(module: str, environment: Environment) -> str:
    how = environment.strategy
    if environment.canary_steps:
        how += " " + " → ".join(f"{step}%" for step in environment.canary_steps)
    approvals = environment.approvals
    gate = f", {approvals.required} approval(s)" if approvals else ""
    return f"Promote {module} to {environment.name} ({how}{gate})"


def _identifier(name: str) -> str:
    """Stage and job names allow letters, digits and underscores only."""
    return name.replace("-", "_")


# --- infrastructure -------------------------------------------------------------------------------


def module_infra_pipeline(project: ProjectContext, module: ModuleContext) -> PipelineSpec:
    return infra_pipeline(project, module.repository, module.name, module.key_path)


def project_infra_pipeline(project: ProjectContext) -> PipelineSpec:
    return infra_pipeline(project, infra_repository(project.name), "", "spec.environments")


def infra_pipeline(
    project: ProjectContext, repository: str, module: str, key_path: str
) -> PipelineSpec:
    spec = project.model.spec
    environments = infra_environments(project)
    parameters = {
        "dotnetVersion": _newest_dotnet(project),
        "defaultBranch": spec.repositories.defaultBranch,
        "azureServiceConnection": spec.azureDevOps.serviceConnections.azure,
        "workingDirectory": ".",
        "pulumiVersion": "latest",
        "vmImage": VM_IMAGE,
        "environments": environments,
    }
    stages = [Stage(e["previewStage"], (), e["name"], "preview") for e in environments]
    stages += [Stage(e["stage"], tuple(e["dependsOn"]), e["name"], "apply") for e in environments]
    return PipelineSpec(
        repository,
        f"{repository}-ci",
        module,
        "infrastructure",
        key_path,
        INFRA_TEMPLATE,
        parameters,
        tuple(stages),
    )


def _newest_dotnet(project: ProjectContext) -> str:
    """The Pulumi C# program targets the newest .NET channel the project's modules use."""
    versions = [m.model.dotnet.version for m in project.modules if hasattr(m.model, "dotnet")]
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")), default="8.0")


def infra_environments(project: ProjectContext) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    previous: list[str] = []
    for environment in project.model.spec.environments:
        name = _identifier(environment.name)
        approvals = environment.approvals
        gate = f", {approvals.required} approval(s)" if approvals else ""
        out.append(
            {
                "name": environment.name,
                "stack": environment.name,
                "previewStage": f"preview_{name}",
                "stage": f"up_{name}",
                "dependsOn": previous,
                "displayName": f"Pulumi up {environment.name}{gate}",
                "azureDevOpsEnvironment": azure_devops_environment(project.name, environment.name),
                "variableGroup": variable_group(project.name, environment.name),
            }
        )
        previous = [f"up_{name}"]
    return out


def _repository(project: ProjectContext, alias: str, name: str) -> dict[str, str]:
    spec = project.model.spec
    return {
        "repository": alias,
        "name": f"{spec.azureDevOps.project}/{name}",
        "ref": f"refs/heads/{spec.repositories.defaultBranch}",
    }


def templates_resource(project: ProjectContext, repository: str) -> dict[str, str]:
    """The pipeline-templates repository, pinned to the tag the spec chooses."""
    spec = project.model.spec
    tag = spec.pipelines.templatesRef or f"v{__version__}"
    return {
        "repository": TEMPLATES_ALIAS,
        "name": f"{spec.azureDevOps.project}/{repository}",
        "ref": f"refs/tags/{tag}",
    }
