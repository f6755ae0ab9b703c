"""Errors of the publish stage, all inside shipspec's one exception tree.

A refusal (a human pushed to the branch, a publish would delete too much) is a
decision the user must make, exit 1; a Git host that fails or refuses is exit 3.
"""

from __future__ import annotations

from compiler.errors import ExternalError, ShipspecError


class PublishRefused(ShipspecError):
    """Publishing this repository would destroy someone's work; a flag overrides it."""


class AuthError(ExternalError):
    """The Git host rejected our credentials (401) or their permissions (403)."""


class TransientError(ExternalError):
    """A network failure or a 5xx/429 answer: worth retrying, then exit 3."""

    def __init__(self, message: str, *, hint: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after
