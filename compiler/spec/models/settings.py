"""Project-wide settings: the Azure DevOps home, repositories, GitOps and the pipelines' tool."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from compiler.spec.models.base import SpecModel
from compiler.spec.types import (
    LIST,
    AzureDevOpsOrganization,
    AzureDevOpsProject,
    BranchName,
    DisplayName,
    FeedName,
    GitRef,
)


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
