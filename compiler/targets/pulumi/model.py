"""The typed contexts of the Pulumi templates: what the infra program, its README and its
stack configs print, as frozen dataclasses read by attribute.

:func:`compiler.targets.pulumi.plan.infra_plan` builds one :class:`InfraPlan` per
project from the resolved estate; it is the context of every project-wide file.  A
module's ComponentResource gets a :class:`ModuleStackContext`, a stack config a
:class:`StackConfig` (the serializer's lines of its document).

The C# namespace is `csharp_namespace`, never `namespace`: that name is a Jinja
global, which a context without it would print instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.contexts import TemplateContext
from compiler.resolve.access import ClusterPull
from compiler.serialize import Line


@dataclass(frozen=True)
class Lifecycle:
    """A blob store's management policy: days after the last change (None: never)."""

    cool: int | None
    archive: int | None
    delete: int | None


@dataclass(frozen=True)
class PrivateLink:
    """The private endpoint sub-resource (`group`) and privatelink DNS zone of a store kind."""

    kind: str
    group: str
    zone: str


@dataclass(frozen=True)
class StorePlan:
    """One store of a module's ComponentResource."""

    name: str
    kind: str
    topics: tuple[str, ...]
    queues: tuple[str, ...]
    lifecycle: Lifecycle | None
    outputs: Mapping[str, str]
    """output suffix (Host, Database, ...) -> the stack output name"""
    private_link: PrivateLink
    resources: tuple[str, ...]
    """The azure-native resource types it becomes (namespace.Type)."""
    grants: tuple[str, ...]
    """What the owning identity is given on it."""


@dataclass(frozen=True)
class ModulePlan:
    """One module's ComponentResource (`Modules/<Module>Stack.cs`)."""

    name: str
    type: str
    key_path: str
    class_name: str
    variable: str
    """The C# local `Program.cs` holds the module's stack in."""
    app_insights: bool
    reads_project_vault: bool
    stores: tuple[StorePlan, ...]
    consumers: tuple[str, ...]
    """Variables of the stacks whose identities this (infrastructure) module grants its stores."""
    outputs: Mapping[str, str]


@dataclass(frozen=True)
class StackPlan:
    """One environment's stack and its config file (`Pulumi.<env>.yaml`)."""

    name: str
    location: str
    tier: str
    protect: bool
    config: Mapping[str, Any]
    """The whole stack config document as data: `config:` with project-namespaced keys."""
    key_path: str


@dataclass(frozen=True)
class StackOutput:
    name: str
    source: str
    """The project, module or store the output belongs to."""
    secret: bool


@dataclass(frozen=True)
class Role:
    """A built-in role definition: its `Roles.cs` constant, display name and id."""

    constant: str
    name: str
    id: str


@dataclass(frozen=True)
class Home:
    """Where an environment's stack state and bootstrap secrets live (made by hand, once)."""

    environment: str
    resource_group: str
    key_vault: str
    region: str
    variable_group: str


@dataclass(frozen=True)
class SecretNeed:
    """A secret a human sets before an environment's stages run."""

    environment: str
    vault: str
    secret: str
    readers: str
    how: str


@dataclass(frozen=True)
class NetworkRow:
    """How an environment's stores are reached, for the README."""

    environment: str
    access: str
    where: str


@dataclass(frozen=True)
class SizingField:
    type: str
    name: str


@dataclass(frozen=True)
class SizingRow:
    tier: str
    values: tuple[str, ...]
    """The record's C# literals for the tier."""


@dataclass(frozen=True)
class SizingRecord:
    """One record of `Sizing.cs`: its fields and one row of literals per tier."""

    method: str
    record: str
    fields: tuple[SizingField, ...]
    rows: tuple[SizingRow, ...]


@dataclass(frozen=True)
class SizingSummary:
    """One row of the README's tier table."""

    kind: str
    tiers: tuple[str, ...]


@dataclass(frozen=True)
class InfraPlan(TemplateContext):
    """Everything the Pulumi templates print for one project."""

    tenant: str
    project: str
    pulumi_project: str
    csharp_namespace: str
    """The program's root namespace (`<Tenant>.<Project>.Infra`)."""
    dotnet_version: str
    sdk_version: str
    packages: Mapping[str, str]
    """NuGet package -> pinned version"""
    spec_file: str
    azure_connection: str
    preview_connection: str
    stacks: tuple[StackPlan, ...]
    modules: tuple[ModulePlan, ...]
    outputs: tuple[StackOutput, ...]
    roles: tuple[Role, ...]
    homes: tuple[Home, ...]
    checklist: tuple[SecretNeed, ...]
    networks: tuple[NetworkRow, ...]
    private_links: tuple[PrivateLink, ...]
    pulls: tuple[ClusterPull, ...]
    sizing: tuple[SizingRecord, ...]
    sizing_summary: tuple[SizingSummary, ...]


@dataclass(frozen=True)
class ModuleStackContext(TemplateContext):
    """What `Modules/<Module>Stack.cs` prints: one module's ComponentResource."""

    csharp_namespace: str
    federation_audience: str
    """The audience of the workload identity's federated credential."""
    module: ModulePlan


@dataclass(frozen=True)
class StackConfig(TemplateContext):
    """A stack's `Pulumi.<env>.yaml`: its document as the serializer's lines."""

    lines: list[Line]
