"""The data stores a module owns, one model per kind, discriminated by `kind`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from compiler.spec.models.base import SpecModel
from compiler.spec.types import LIST, Slug


class StoreBase(SpecModel):
    name: Slug
    tiers: dict[Slug, Literal["small", "standard", "production"]] = Field(
        default_factory=dict, description="per-environment sizing overrides: {prod: standard}"
    )


class AzureSqlStore(StoreBase):
    kind: Literal["azure-sql"]


class PostgresqlStore(StoreBase):
    kind: Literal["postgresql"]


class RedisStore(StoreBase):
    kind: Literal["redis"]


class ServiceBusStore(StoreBase):
    kind: Literal["service-bus"]
    topics: Annotated[tuple[Slug, ...], LIST] = ()
    queues: Annotated[tuple[Slug, ...], LIST] = ()


class KeyVaultStore(StoreBase):
    kind: Literal["key-vault"]


class BlobLifecycle(SpecModel):
    coolAfterDays: int | None = Field(None, ge=1, le=99999)
    archiveAfterDays: int | None = Field(None, ge=1, le=99999)
    deleteAfterDays: int | None = Field(None, ge=1, le=99999)


class BlobStore(StoreBase):
    kind: Literal["blob"]
    lifecycle: BlobLifecycle | None = None


class CosmosStore(StoreBase):
    kind: Literal["cosmos"]


Store = Annotated[
    AzureSqlStore
    | PostgresqlStore
    | RedisStore
    | ServiceBusStore
    | KeyVaultStore
    | BlobStore
    | CosmosStore,
    Field(discriminator="kind"),
]
