"""The two documents a spec file holds: a tenant's `Project`s and its one `Tenant`.

A project inherits what it does not set from its tenant's document (:data:`INHERITED`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from compiler.spec.models.base import SpecModel
from compiler.spec.models.environments import Environment
from compiler.spec.models.modules import Module
from compiler.spec.models.settings import AzureDevOps, GitOps, Pipelines, Repositories, Tool
from compiler.spec.types import (
    LIST,
    AzureDevOpsOrganization,
    DisplayName,
    FeedName,
    Hostname,
    Identity,
    KeyVaultName,
    Slug,
)

API_VERSION = "shipspec/v1"


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
