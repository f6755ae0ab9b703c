"""The outbox of domain events and the idempotency-key ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from compiler.state.models.base import (
    ID_LENGTH,
    NAME_LENGTH,
    TENANT_LENGTH,
    Base,
    TenantScoped,
    new_id,
    utcnow,
)

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
SEQUENCE_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class Event(TenantScoped, Base):
    """One domain event in the standard envelope; ``sequence`` orders the outbox."""

    __tablename__ = "events"
    __table_args__ = (
        Index(None, "tenant_id", "sequence"),
        Index(None, "tenant_id", "occurred_at"),
    )

    sequence: Mapped[int] = mapped_column(SEQUENCE_TYPE, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True, default=new_id)
    type: Mapped[str] = mapped_column(String(NAME_LENGTH))
    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    correlation_id: Mapped[str] = mapped_column(String(NAME_LENGTH))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any]]


class IdempotencyRecord(TenantScoped, Base):
    """Which record a write with this key produced, and a hash of the request."""

    __tablename__ = "idempotency_keys"

    tenant_id: Mapped[str] = mapped_column(String(TENANT_LENGTH), primary_key=True)
    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(NAME_LENGTH))
    record_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
