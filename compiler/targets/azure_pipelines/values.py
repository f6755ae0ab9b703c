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

from compiler.resolve.model import Environment, Module, Project
from compiler.targets.azure_pipelines.preflight import (
    deploy_preflight,
    registry_parameters,
    up_preflight,
)
from compiler.version import __version__

VM_IMAGE = "ubuntu-latest"
SHIPSPEC_PACKAGE = f"shipspec=={__version__}"
TEMPLATES_ALIAS = "templates"

SERVICE_TEMPLATE = "pipelines/dotnet-service.yml"
LIBRARY_TEMPLATE = "pipelines/dotnet-library.yml"
INFRA_TEMPLATE = "pipelines/pulumi-infra.yml"

PREVIEW_FIELDS = ("name", "stack", "previewStage", "variableGroup", "requiredSecrets")
"""What a pull-request preview stage reads of its environment."""


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


def pipeline_for(project: Project, module: Module) -> PipelineSpec:
    builders = {
        "microservice": service_pipeline,
        "worker": service_pipeline,
        "library": library_pipeline,
        "infrastructure": module_infra_pipeline,
    }
    return builders[module.type](project, module)


def _common(project: Project, module: Module) -> dict[str, Any]:
    return {
        "dotnetVersion": module.dotnet_version,
        "coverageThreshold": module.spec.tests.coverageThreshold,
        "defaultBranch": project.default_branch,
        "vmImage": VM_IMAGE,
    }


def library_pipeline(project: Project, module: Module) -> PipelineSpec:
    parameters = {
        **_common(project, module),
        "packageFeed": project.feed,
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


def service_pipeline(project: Project, module: Module) -> PipelineSpec:
    environments = deploy_environments(project, module)
    parameters = {
        "module": module.name,
        **_common(project, module),
        **registry_parameters(project),
        "registryServiceConnection": project.registry_connection,
        "azureServiceConnection": project.azure_connection,
        "imageRepository": module.image_repository,
        "dockerfile": "Dockerfile",
        "gitopsBranch": project.default_branch,
        "shipspecPackage": project.tool_requirements,
        "shipspecFeed": project.tool_feed,
        "environments": environments,
    }
    stages = [Stage("build", (), job="ci"), Stage("image", ("build",), job="container")]
    stages += [
        Stage(e["stage"], tuple(e["dependsOn"]), e["name"], "promote", e["strategy"])
        for e in environments
    ]
    gitops = _repository(project, Values.gitops_alias, project.gitops_repository)
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


def deploy_environments(project: Project, module: Module) -> list[dict[str, Any]]:
    """One entry per environment in path order; each stage waits for the one before."""
    out: list[dict[str, Any]] = []
    previous = "image"
    for environment in project.environments:
        stage = f"deploy_{environment.identifier}"
        out.append(
            {
                "name": environment.name,
                "stage": stage,
                "dependsOn": [previous],
                "displayName": f"Deploy to {environment.name}",
                "jobDisplayName": _promote_title(module.name, environment),
                "azureDevOpsEnvironment": environment.azure_devops_environment,
                "variableGroup": environment.variable_group,
                "strategy": environment.strategy,
                **deploy_preflight(project, environment, module),
            }
        )
        previous = stage
    return out


def _promote_title(module: str, environment: Environment) -> str:
    """Display names carry no spec detail that changes alone (steps, approval counts):
    a reviewer of a one-value edit should not see every pipeline rewritten."""
    return f"Promote {module} to {environment.name}"


# --- infrastructure -------------------------------------------------------------------------------


def module_infra_pipeline(project: Project, module: Module) -> PipelineSpec:
    return infra_pipeline(project, module.repository, module.name, module.key_path)


def project_infra_pipeline(project: Project) -> PipelineSpec:
    return infra_pipeline(project, project.infra_repository, "", "spec.environments")


def infra_pipeline(project: Project, repository: str, module: str, key_path: str) -> PipelineSpec:
    environments = infra_environments(project)
    previews = [  # the production stack previews nowhere a pull request runs
        {key: e[key] for key in PREVIEW_FIELDS} for e in environments[:-1]
    ]
    parameters = {
        "dotnetVersion": project.dotnet_version,
        "defaultBranch": project.default_branch,
        "azureServiceConnection": project.azure_connection or None,
        "previewServiceConnection": project.preview_connection or None,
        **registry_parameters(project),
        "workingDirectory": ".",
        "pulumiVersion": "latest",
        "vmImage": VM_IMAGE,
        "previewEnvironments": previews,
        **_outputs_parameters(project),
        "environments": environments,
    }
    stages = [Stage(e["previewStage"], (), e["name"], "preview") for e in previews]
    stages += [Stage(e["stage"], tuple(e["dependsOn"]), e["name"], "apply") for e in environments]
    gitops = _repository(project, Values.gitops_alias, project.gitops_repository)
    return PipelineSpec(
        repository,
        f"{repository}-ci",
        module,
        "infrastructure",
        key_path,
        INFRA_TEMPLATE,
        parameters,
        tuple(stages),
        (gitops,) if project.workloads else (),
    )


def _outputs_parameters(project: Project) -> dict[str, Any]:
    """Projects with workloads: the up stages write identity ids into the GitOps repository."""
    if not project.workloads:
        return {}
    return {
        "gitopsBranch": project.default_branch,
        "shipspecPackage": project.tool_requirements,
        "shipspecFeed": project.tool_feed,
    }


def infra_environments(project: Project) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    previous: list[str] = []
    for environment in project.environments:
        name = environment.identifier
        out.append(
            {
                "name": environment.name,
                "stack": environment.name,
                "previewStage": f"preview_{name}",
                "stage": f"up_{name}",
                "dependsOn": previous,
                "displayName": f"Pulumi up {environment.name}",
                "azureDevOpsEnvironment": environment.azure_devops_environment,
                "variableGroup": environment.variable_group,
                **up_preflight(project, environment),
            }
        )
        previous = [f"up_{name}"]
    return out


def _repository(project: Project, alias: str, name: str) -> dict[str, str]:
    return {
        "repository": alias,
        "name": f"{project.devops_project}/{name}",
        "ref": f"refs/heads/{project.default_branch}",
    }


def templates_resource(project: Project, repository: str) -> dict[str, str]:
    """The pipeline-templates repository, pinned to the tag the spec chooses."""
    tag = project.templates_ref or f"v{__version__}"
    return {
        "repository": TEMPLATES_ALIAS,
        "name": f"{project.home.project}/{repository}",
        "ref": f"refs/tags/{tag}",
    }
