"""The promotion path: each environment, its approvals, rollout strategy and network."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from compiler.spec.models.base import SpecModel
from compiler.spec.types import (
    LIST,
    AzureRegion,
    ClusterName,
    DisplayName,
    NetworkName,
    ResourceGroupName,
    Slug,
)


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
