"""Declarative base, column types and mixins shared by every state table.

Every tenant-scoped table carries ``tenant_id`` first, and every index and unique
constraint on it leads with ``tenant_id``; :mod:`compiler.state.session` adds the
tenant filter to every ORM query through :class:`TenantScoped`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TENANT_LENGTH = 100
NAME_LENGTH = 200
SHA_LENGTH = 100
ID_LENGTH = 36

TERMINAL_RUN_STATES = ("Succeeded", "Failed", "Canceled")
RUN_STATES = ("Started", "InProgress", *TERMINAL_RUN_STATES)


def new_id() -> str:
    """A random identifier: ids carry no order and reveal nothing about other tenants."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always read back timezone-aware, on every back end."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL text for a CHECK constraint: ``column IN ('a', 'b')``."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def finished_iff_terminal(status: str = "status", finished: str = "finished_at") -> str:
    """CHECK text: the finish time is set exactly when the status is terminal."""
    terminal = in_list(status, TERMINAL_RUN_STATES)
    return f"({terminal} AND {finished} IS NOT NULL) OR (NOT ({terminal}) AND {finished} IS NULL)"


class Base(DeclarativeBase):
    """The declarative base; its metadata is what the migrations must match."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }

    def to_record(self) -> dict[str, Any]:
        """The row as its JSON record (the keys `compiler.state.records` lists), for
        reports and events."""
        from compiler.state.records import COLUMN_OF, RECORD_KEYS

        table = self.__tablename__  # type: ignore[attr-defined]
        record: dict[str, Any] = {}
        for key in RECORD_KEYS[table]:
            value = getattr(self, COLUMN_OF.get((table, key), snake(key)))
            if isinstance(value, datetime):
                value = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
            record[key] = value
        return record


def camel(name: str) -> str:
    """``finished_at`` -> ``finishedAt``.

    >>> camel("tenant_id")
    'tenantId'
    """
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def snake(name: str) -> str:
    """``finishedAt`` -> ``finished_at``.

    >>> snake("tenantId")
    'tenant_id'
    """
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


class TenantScoped:
    """Mixin for every tenant-owned table: the session filters on ``tenant_id``."""

    tenant_id: Mapped[str] = mapped_column(String(TENANT_LENGTH))


class Identified(TenantScoped):
    """Mixin for tenant-owned rows identified by a random string id."""

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
