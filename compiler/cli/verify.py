"""`shipspec verify`: the real validators over a generated tree."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from compiler.cli.common import format_option, handle_errors
from compiler.errors import ExitCode, UsageError
from compiler.report import Outcome

if TYPE_CHECKING:
    from compiler.verify.run import VerifyResult


@click.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--only",
    multiple=True,
    metavar="TENANT[/PROJECT]",
    help="Verify only these folders of the tree (repeatable).",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Verify every folder, not only those changed since their last clean pass.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: CPU count].",
)
@format_option
@handle_errors()
def verify_command(
    paths: tuple[Path, ...],
    only: tuple[str, ...],
    everything: bool,
    jobs: int | None,
    output_format: str,
) -> Outcome:
    """Lint and render charts, build overlays, validate pipelines, objects and programs."""
    from compiler.verify.run import VerifyOptions, verify_tree

    results = []
    for path in paths or (Path("generated"),):
        if not path.is_dir():
            raise UsageError(f"{path.as_posix()} is not a folder", hint="pass a generated/ folder")
        options = VerifyOptions(path, only, everything, jobs or os.cpu_count() or 1)
        results.append(verify_tree(options))
    findings = [f for result in results for f in result.findings]
    summary = _summary(len(findings), results)
    code = ExitCode.INVALID if findings else ExitCode.OK
    data = [f.__dict__ for f in findings]
    if output_format == "json":  # the list of findings is the JSON contract; counts on stderr
        return Outcome(data=data, exit_code=code, notes=(summary,))
    return Outcome((*(str(f) for f in findings), summary), data, code)


def _summary(problems: int, results: list[VerifyResult]) -> str:
    verified = sum(len(r.verified) for r in results)
    unchanged = sum(len(r.unchanged) for r in results)
    head = f"{problems} problem(s) found" if problems else "verified: no problems found"
    tail = f" in {verified} folder(s)"
    if unchanged:
        tail += f"; {unchanged} unchanged since their last clean pass skipped (--all checks them)"
    return head + tail
