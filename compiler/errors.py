"""The one exception tree of shipspec, and the located diagnostics users see.

Everything a user can cause derives from :class:`ShipspecError` and carries an
exit code; anything else that escapes is a bug in shipspec.  Spec problems are
collected as :class:`Diagnostic` values and raised together in one
:class:`SpecError`, so a user sees every problem in one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, the contract CI scripts rely on."""

    OK = 0
    INVALID = 1
    USAGE = 2
    EXTERNAL = 3


@dataclass(frozen=True, order=True)
class SourceSpan:
    """A position in a spec file; line and column count from 1."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One located problem: where, which key, what is wrong, and how to fix it."""

    span: SourceSpan
    path: str
    message: str
    hint: str = ""

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column, self.path, self.message)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        where = f"{self.span}: {self.path}: " if self.path else f"{self.span}: "
        return where + self.message


class ShipspecError(Exception):
    """Base of every error a user can cause; carries the exit code to use."""

    exit_code: ExitCode = ExitCode.INVALID

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.stage: str | None = None

    def __reduce__(self) -> tuple[object, ...]:
        """Cross a process boundary whole (hint, stage, diagnostics), whatever the subclass's
        constructor takes: errors raised in compile's workers are reported by the parent."""
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(
    cls: type[ShipspecError], args: tuple[object, ...], state: dict[str, object]
) -> object:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class UsageError(ShipspecError):
    """The command line itself is wrong (missing path, bad flag value)."""

    exit_code = ExitCode.USAGE


class SpecError(ShipspecError):
    """One or more spec documents are invalid; holds every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        ordered = sorted(diagnostics, key=lambda d: d.sort_key)
        count = len(ordered)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the specs")
        self.diagnostics = ordered


class PlanError(SpecError):
    """The specs are valid on their own but cannot be compiled (e.g. an impossible Azure name).

    Carries located diagnostics like SpecError, so users see file, line, column and key.
    """


class ExternalError(ShipspecError):
    """An external system (Git, Azure DevOps, a database) failed or refused."""

    exit_code = ExitCode.EXTERNAL


class VerifyError(ShipspecError):
    """`shipspec verify` was pointed at a folder with nothing it can check (exit 1)."""


class StateError(ShipspecError):
    """A state-store rule was broken (an invariant, a transition, a lookup)."""


class BugReport(Exception):
    """An internal inconsistency: shipspec itself is wrong, not the user's input."""

    def __init__(self, message: str, details: dict[str, str] | None = None) -> None:
        super().__init__(message, details or {})
        self.message = message
        self.details = details or {}

    def __str__(self) -> str:
        return self.message
