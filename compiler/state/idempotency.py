"""Idempotency keys: a repeated write returns the first record and emits no event.

The default key is derived from the command's natural key (plus the parameters that
change its outcome); an explicit ``--idempotency-key`` may replace it.  A key reused
with a different request is refused rather than silently replayed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from compiler.errors import BugReport
from compiler.state.errors import IdempotencyConflictError, StateError
from compiler.state.models import IdempotencyRecord, Identified
from compiler.state.session import UnitOfWork

M = TypeVar("M", bound=Identified)


@dataclass(frozen=True)
class Outcome:
    """What a write produced: the record, and whether it was a replay of an earlier write."""

    record: dict[str, Any]
    replayed: bool = False


def derive_key(command: str, *parts: object) -> str:
    """A readable default key from the command and its natural key.

    >>> derive_key("runs.start", "payments", "ci", 42)
    'runs.start:payments:ci:42'
    """
    return ":".join([command, *(str(part) for part in parts)])


def request_hash(request: Mapping[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def once(
    uow: UnitOfWork,
    key: str,
    request: Mapping[str, Any],
    model: type[M],
    write: Callable[[], M],
) -> tuple[M, bool]:
    """Run ``write`` unless ``key`` was used before; returns the record and ``replayed``."""
    digest = request_hash(request)
    seen = _seen(uow, key)
    if seen is not None:
        return _replay(uow, seen, digest, model), True
    try:
        with uow.session.begin_nested():
            row = write()
            uow.add(
                IdempotencyRecord(
                    key=key, request_hash=digest, record_type=model.__tablename__, record_id=row.id
                )
            )
    except (StateError, IntegrityError):
        seen = _seen(uow, key)
        if seen is None:
            raise
        return _replay(uow, seen, digest, model), True
    return row, False


def _seen(uow: UnitOfWork, key: str) -> IdempotencyRecord | None:
    """The record of an earlier request with this key.

    Asked again after a write failed: an identical request that held the row lock we
    waited for has committed meanwhile, and (PostgreSQL reads committed data per
    statement) its record is visible now, so this request is its replay, not an error.
    """
    return uow.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))


def _replay(uow: UnitOfWork, seen: IdempotencyRecord, digest: str, model: type[M]) -> M:
    if seen.request_hash != digest or seen.record_type != model.__tablename__:
        raise IdempotencyConflictError(
            f"idempotency key {seen.key!r} was already used for a different request",
            hint="use a new --idempotency-key, or repeat the original request exactly",
        )
    row = uow.scalar(select(model).where(model.id == seen.record_id))
    if row is None:
        raise BugReport("an idempotency key points at a missing record", {"key": seen.key})
    return row
