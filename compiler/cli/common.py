"""Shared CLI plumbing: the output-format option and the one error-to-exit-code mapping."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from compiler.errors import BugReport, ExitCode, ShipspecError, SpecError
from compiler.report import Outcome, Reporter, report_outcome, reporter_for
from compiler.settings import load_settings

P = ParamSpec("P")
R = TypeVar("R")

format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human-readable text, or JSON for CI.",
)


def handle_errors(
    output_format_param: str = "output_format",
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a command body; report the Outcome it returns, or the shipspec error it raises,
    and exit with the code either carries (the only place a command exits)."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(command)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            output_format = str(kwargs.get(output_format_param, "text"))
            reporter = reporter_for(output_format)
            try:
                reporter = reporter_for(output_format, _max_errors(kwargs))
                result = command(*args, **kwargs)
            except SpecError as error:
                reporter.diagnostics(error.diagnostics)
                sys.exit(error.exit_code)
            except ShipspecError as error:
                reporter.error(
                    error.message, hint=error.hint, exit_code=error.exit_code, stage=error.stage
                )
                sys.exit(error.exit_code)
            except BugReport as bug:
                _report_bug(reporter, bug)
                sys.exit(ExitCode.INVALID)
            if isinstance(result, Outcome):
                report_outcome(result, output_format)
                if result.exit_code != ExitCode.OK:
                    sys.exit(result.exit_code)
                return None  # type: ignore[return-value]
            return result

        return wrapper

    return decorate


def _max_errors(options: dict[str, object]) -> int:
    """The --max-errors flag if the command has one, else the configured setting."""
    flag = options.get("max_errors")
    return flag if isinstance(flag, int) else load_settings().max_errors


def _report_bug(reporter: Reporter, bug: BugReport) -> None:
    details = "; ".join(f"{key}={value}" for key, value in sorted(bug.details.items()))
    reporter.error(
        f"internal error (a bug in shipspec): {bug.message}" + (f" [{details}]" if details else ""),
        hint="please report it with the spec that triggered it",
        exit_code=ExitCode.INVALID,
    )
