"""Sizing tiers: what `small`, `standard` and `production` mean for each kind of resource.

An environment's tier is the spec's `tier`, else `production` for the last
environment of the path and `small` for the others; a store's `tiers: {env: ...}`
overrides it for that store.  The resolved tier of every store is written into the
stack's config (`Pulumi.<env>.yaml`), where an operator can still change it; the
program's `Sizing.cs` turns a tier into SKUs with the table below, the one place
these documented defaults live.

>>> environment_tiers(("dev", "test", "prod"), (None, None, None))
{'dev': 'small', 'test': 'small', 'prod': 'production'}
>>> environment_tiers(("dev", "prod"), ("standard", None))
{'dev': 'standard', 'prod': 'production'}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from compiler.render import csharp_string
from compiler.targets.pulumi.model import SizingField, SizingRecord, SizingRow, SizingSummary

TIERS = ("small", "standard", "production")


def environment_tiers(names: Sequence[str], tiers: Sequence[str | None]) -> dict[str, str]:
    """The tier of every environment: its own, else production for the last, small before."""
    last = len(names) - 1
    return {
        name: tier or ("production" if index == last else "small")
        for index, (name, tier) in enumerate(zip(names, tiers, strict=True))
    }


def store_tier(overrides: dict[str, str], environment: str, default: str) -> str:
    """A store's tier in one environment: its override there, else the environment's."""
    return overrides.get(environment, default)


@dataclass(frozen=True)
class Member:
    """A C# enum member or other expression from this table, printed as it is."""

    expression: str


@dataclass(frozen=True)
class Sizing:
    """One kind's sizing record: C# fields and a row of values per tier."""

    method: str
    record: str
    fields: tuple[tuple[str, str], ...]
    rows: dict[str, tuple[Any, ...]]
    summary: dict[str, str]
    """What each tier means, for the infra repository's README."""


def _sb(name: str) -> Member:
    return Member(f"AzureNative.ServiceBus.SkuName.{name}")


def _sb_tier(name: str) -> Member:
    return Member(f"AzureNative.ServiceBus.SkuTier.{name}")


def _kv(name: str) -> Member:
    return Member(f"AzureNative.KeyVault.SkuName.{name}")


SIZINGS: tuple[Sizing, ...] = (
    Sizing(
        "Sql",
        "SqlSizing",
        (
            ("string", "SkuName"),
            ("string", "SkuTier"),
            ("string?", "SkuFamily"),
            ("int", "Capacity"),
            ("bool", "ZoneRedundant"),
            ("string", "BackupRedundancy"),
        ),
        {
            "small": ("Basic", "Basic", None, 5, False, "Local"),
            "standard": ("S1", "Standard", None, 20, False, "Zone"),
            "production": ("GP_Gen5", "GeneralPurpose", "Gen5", 2, True, "Geo"),
        },
        {
            "small": "Basic (5 DTU), locally redundant backups",
            "standard": "Standard S1 (20 DTU), zone-redundant backups",
            "production": "General Purpose Gen5 2 vCores, zone redundant, geo-redundant backups",
        },
    ),
    Sizing(
        "Postgresql",
        "PostgresqlSizing",
        (
            ("string", "SkuName"),
            ("string", "SkuTier"),
            ("int", "StorageSizeGb"),
            ("int", "BackupRetentionDays"),
            ("string", "GeoRedundantBackup"),
            ("string", "HighAvailability"),
        ),
        {
            "small": ("Standard_B1ms", "Burstable", 32, 7, "Disabled", "Disabled"),
            "standard": ("Standard_D2ds_v5", "GeneralPurpose", 64, 14, "Disabled", "Disabled"),
            "production": (
                "Standard_D4ds_v5",
                "GeneralPurpose",
                128,
                35,
                "Enabled",
                "ZoneRedundant",
            ),
        },
        {
            "small": "Burstable B1ms, 32 GB, 7-day backups",
            "standard": "General Purpose D2ds v5, 64 GB, 14-day backups",
            "production": "General Purpose D4ds v5, 128 GB, zone-redundant high availability, "
            "35-day geo-redundant backups",
        },
    ),
    Sizing(
        "Redis",
        "RedisSizing",
        (("string", "SkuName"), ("string", "Family"), ("int", "Capacity"), ("string[]", "Zones")),
        {
            "small": ("Basic", "C", 0, ()),
            "standard": ("Standard", "C", 1, ()),
            "production": ("Premium", "P", 1, ("1", "2")),
        },
        {
            "small": "Basic C0 (no replica)",
            "standard": "Standard C1 (primary and replica)",
            "production": "Premium P1 across availability zones 1 and 2",
        },
    ),
    Sizing(
        "ServiceBus",
        "ServiceBusSizing",
        (
            ("AzureNative.ServiceBus.SkuName", "SkuName"),
            ("AzureNative.ServiceBus.SkuTier", "SkuTier"),
            ("int", "Capacity"),
            ("bool", "ZoneRedundant"),
        ),
        {
            "small": (_sb("Standard"), _sb_tier("Standard"), 0, False),
            "standard": (_sb("Standard"), _sb_tier("Standard"), 0, False),
            "production": (_sb("Premium"), _sb_tier("Premium"), 1, True),
        },
        {
            "small": "Standard (Basic has no topics)",
            "standard": "Standard",
            "production": "Premium, 1 messaging unit, zone redundant",
        },
    ),
    Sizing(
        "KeyVault",
        "KeyVaultSizing",
        (
            ("AzureNative.KeyVault.SkuName", "SkuName"),
            ("int", "SoftDeleteRetentionDays"),
            ("bool", "PurgeProtection"),
        ),
        {
            "small": (_kv("Standard"), 7, False),
            "standard": (_kv("Standard"), 30, True),
            "production": (_kv("Premium"), 90, True),
        },
        {
            "small": "standard, 7-day soft delete",
            "standard": "standard, 30-day soft delete, purge protection",
            "production": "premium (HSM-backed keys), 90-day soft delete, purge protection",
        },
    ),
    Sizing(
        "Blob",
        "BlobSizing",
        (("string", "SkuName"),),
        {
            "small": ("Standard_LRS",),
            "standard": ("Standard_ZRS",),
            "production": ("Standard_GZRS",),
        },
        {
            "small": "Standard_LRS (locally redundant)",
            "standard": "Standard_ZRS (zone redundant)",
            "production": "Standard_GZRS (geo-zone redundant)",
        },
    ),
    Sizing(
        "Cosmos",
        "CosmosSizing",
        (
            ("bool", "Serverless"),
            ("int", "MaxThroughput"),
            ("bool", "ZoneRedundant"),
            ("string", "BackupTier"),
            ("bool", "AutomaticFailover"),
        ),
        {
            "small": (True, 0, False, "Continuous7Days", False),
            "standard": (False, 1000, False, "Continuous7Days", False),
            "production": (False, 4000, True, "Continuous30Days", True),
        },
        {
            "small": "serverless, 7-day continuous backup",
            "standard": "autoscale up to 1,000 RU/s, 7-day continuous backup",
            "production": "autoscale up to 4,000 RU/s, zone redundant, automatic failover, "
            "30-day continuous backup",
        },
    ),
    Sizing(
        "Monitoring",
        "MonitoringSizing",
        (("int", "RetentionDays"),),
        {"small": (30,), "standard": (30,), "production": (90,)},
        {
            "small": "30-day log retention",
            "standard": "30-day log retention",
            "production": "90-day log retention",
        },
    ),
)

KIND_SIZING = {
    "azure-sql": "Sql",
    "postgresql": "Postgresql",
    "redis": "Redis",
    "service-bus": "ServiceBus",
    "key-vault": "KeyVault",
    "blob": "Blob",
    "cosmos": "Cosmos",
}


def csharp_literal(value: Any) -> str:
    """A value of the sizing table as a C# expression.

    >>> csharp_literal("Basic"), csharp_literal(True), csharp_literal(None), csharp_literal(("1", "2"))
    ('"Basic"', 'true', 'null', 'new[] { "1", "2" }')
    >>> csharp_literal(())
    'System.Array.Empty<string>()'
    """
    if isinstance(value, Member):
        return value.expression
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        if not value:
            return "System.Array.Empty<string>()"
        return "new[] { " + ", ".join(csharp_literal(item) for item in value) + " }"
    return csharp_string(value)


def sizing_context() -> tuple[SizingRecord, ...]:
    """What `Sizing.cs` prints: each record, its fields and one row of literals per tier."""
    return tuple(
        SizingRecord(
            sizing.method,
            sizing.record,
            tuple(SizingField(type_, name) for type_, name in sizing.fields),
            tuple(
                SizingRow(tier, tuple(csharp_literal(v) for v in sizing.rows[tier]))
                for tier in TIERS
            ),
        )
        for sizing in SIZINGS
    )


def sizing_summary() -> tuple[SizingSummary, ...]:
    """The tier table of the README: one row per kind of resource."""
    labels = {
        "Sql": "azure-sql",
        "Postgresql": "postgresql",
        "Redis": "redis",
        "ServiceBus": "service-bus",
        "KeyVault": "key-vault (and the project vault)",
        "Blob": "blob",
        "Cosmos": "cosmos",
        "Monitoring": "Log Analytics / Application Insights",
    }
    return tuple(
        SizingSummary(labels[s.method], tuple(s.summary[tier] for tier in TIERS)) for s in SIZINGS
    )
