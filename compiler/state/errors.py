"""Finer state-store errors; all are :class:`~compiler.errors.StateError` (exit 1)
except database failures, which are :class:`~compiler.errors.ExternalError` (exit 3)."""

from __future__ import annotations

from compiler.errors import StateError


class NotFoundError(StateError):
    """A referenced record does not exist (for this tenant)."""


class InvariantError(StateError):
    """A domain rule would be broken by the requested change."""


class TransitionError(InvariantError):
    """A status change that the lifecycle does not allow."""


class IdempotencyConflictError(StateError):
    """An idempotency key was reused for a different request."""


class ReportError(StateError):
    """A test or coverage report could not be read; nothing was written."""
