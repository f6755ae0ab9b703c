"""`shipspec verify`: the real validators over a generated tree."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from compiler.cli.common import format_option, handle_errors
from compiler.errors import ExitCode, UsageError
from compiler.report import reporter_for
from compiler.verify import verify


@click.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option
@handle_errors()
def verify_command(paths: tuple[Path, ...], output_format: str) -> None:
    """Lint and render charts, build overlays, validate pipelines, objects and programs."""
    findings = []
    for path in paths or (Path("generated"),):
        if not path.is_dir():
            raise UsageError(f"{path.as_posix()} is not a folder", hint="pass a generated/ folder")
        findings.extend(verify(path))
    if output_format == "json":
        reporter_for("json").success("", [f.__dict__ for f in findings])
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(
            f"{len(findings)} problem(s) found" if findings else "verified: no problems found"
        )
    if findings:
        sys.exit(ExitCode.INVALID)
