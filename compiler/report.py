"""Text and JSON reporters over one result shape: diagnostics, an error, or an outcome.

A command returns an :class:`Outcome` (its exit code, the lines people read, the
JSON document CI reads); the CLI reports it and exits — no command body prints its
own result or exits.  Text goes to people (stdout for results, stderr for notes
and failures); JSON goes to CI and is always exactly one document on stdout.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Protocol, TextIO

from compiler.errors import Diagnostic, ExitCode

DEFAULT_MAX_ERRORS = 100


@dataclass(frozen=True)
class Outcome:
    """What one command produced, for either reader."""

    lines: tuple[str, ...] = ()
    """The text report, one entry per line (an entry may itself hold several lines)."""
    data: object = None
    """The JSON report: exactly this document."""
    exit_code: ExitCode = ExitCode.OK
    notes: tuple[str, ...] = ()
    """Lines for people on stderr in either format (warnings, counts beside JSON)."""


def report_outcome(outcome: Outcome, output_format: str, err: TextIO | None = None) -> None:
    err = err or sys.stderr
    for note in outcome.notes:
        err.write(_line(note))
    if output_format == "json":
        JsonReporter().success("", outcome.data)
        return
    sys.stdout.write("".join(_line(line) for line in outcome.lines))


def _line(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


class Reporter(Protocol):
    def diagnostics(self, found: list[Diagnostic]) -> None: ...

    def error(
        self, message: str, *, hint: str = "", exit_code: ExitCode, stage: str | None = None
    ) -> None: ...

    def success(self, summary: str, data: object) -> None: ...


class TextReporter:
    """`FILE:LINE:COL: key.path: message` lines, a hint under each, then a count."""

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        max_errors: int = DEFAULT_MAX_ERRORS,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.max_errors = max_errors

    def diagnostics(self, found: list[Diagnostic]) -> None:
        shown = found[: self.max_errors] if self.max_errors > 0 else found
        for diagnostic in shown:
            self.out.write(f"{diagnostic}\n")
            if diagnostic.hint:
                self.out.write(f"    hint: {diagnostic.hint}\n")
        if len(found) > len(shown):
            self.out.write(f"... and {len(found) - len(shown)} more\n")
        files = len({d.span.file for d in found})
        self.out.write(f"{_plural(len(found), 'problem')} in {_plural(files, 'file')}\n")

    def error(
        self, message: str, *, hint: str = "", exit_code: ExitCode, stage: str | None = None
    ) -> None:
        self.err.write(f"error: {message}\n")
        if hint:
            self.err.write(f"    hint: {hint}\n")

    def success(self, summary: str, data: object) -> None:
        self.out.write(f"{summary}\n")


class JsonReporter:
    """One JSON document on stdout: a list for diagnostics, an object otherwise."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def diagnostics(self, found: list[Diagnostic]) -> None:
        self._write([d.to_dict() for d in found])

    def error(
        self, message: str, *, hint: str = "", exit_code: ExitCode, stage: str | None = None
    ) -> None:
        self._write({"error": message, "hint": hint, "exitCode": int(exit_code), "stage": stage})

    def success(self, summary: str, data: object) -> None:
        self._write(data)

    def _write(self, document: object) -> None:
        json.dump(document, self.out, indent=2, sort_keys=True, ensure_ascii=False)
        self.out.write("\n")


def reporter_for(output_format: str, max_errors: int = DEFAULT_MAX_ERRORS) -> Reporter:
    if output_format == "json":
        return JsonReporter()
    return TextReporter(max_errors=max_errors)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
