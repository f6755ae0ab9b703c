"""`shipspec iac preview|up`: run a generated Pulumi program for one environment's stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from compiler.cli.common import format_option, handle_errors
from compiler.iac import IacOptions, run
from compiler.report import reporter_for
from compiler.state.engine import ENV_VAR


def _options(command: Any) -> Any:
    decorators = [
        click.option("--env", "environment", required=True, help="Environment = Pulumi stack."),
        click.option(
            "--tenant", envvar="SHIPSPEC_TENANT", help="Tenant slug [env SHIPSPEC_TENANT]."
        ),
        click.option(
            "--project", envvar="SHIPSPEC_PROJECT", help="Project slug [env SHIPSPEC_PROJECT]."
        ),
        click.option(
            "--specs",
            type=click.Path(path_type=Path),
            default=Path("specs"),
            show_default=True,
            help="Spec folder the project comes from.",
        ),
        click.option(
            "--generated",
            type=click.Path(path_type=Path),
            default=Path("generated"),
            show_default=True,
            help="The compiled tree holding <tenant>/<project>/<project>-infra.",
        ),
        click.option(
            "--state-url",
            envvar=ENV_VAR,
            help=f"State store URL [env {ENV_VAR}; default sqlite .shipspec/state.db].",
        ),
        click.option("--no-record", is_flag=True, help="Do not record the run in the state store."),
        format_option,
        handle_errors(),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def _run(operation: str, output_format: str, no_record: bool, **options: Any) -> None:
    iac_options = IacOptions(operation=operation, record=not no_record, **options)  # type: ignore[arg-type]
    echo = (lambda line: click.echo(line, nl=False)) if output_format == "text" else None
    result = run(iac_options, output=echo)
    changes = ", ".join(f"{k}={v}" for k, v in sorted(result.summary.get("changes", {}).items()))
    reporter_for(output_format).success(
        f"{operation} of {result.tenant}/{result.project} stack {result.stack}: "
        f"{'succeeded' if result.succeeded else 'failed'}" + (f" ({changes})" if changes else ""),
        result.to_record(),
    )


@click.group("iac")
def _iac() -> None:
    """Preview and apply the generated Pulumi programs (one apply per stack at a time)."""


@_iac.command("preview")
@_options
def iac_preview(output_format: str, no_record: bool, **options: Any) -> None:
    """Preview an environment's stack and record the preview."""
    _run("preview", output_format, no_record, **options)


@_iac.command("up")
@_options
def iac_up(output_format: str, no_record: bool, **options: Any) -> None:
    """Apply an environment's stack: needs a successful preview; holds the stack's lock."""
    _run("up", output_format, no_record, **options)


def iac_group() -> click.Group:
    """The `iac` command group the CLI registers."""
    return _iac
