"""Commands that produce or inspect generated output: compile (and --check), explain."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from compiler.cli.common import format_option, handle_errors
from compiler.errors import ExitCode
from compiler.explain import explain_file
from compiler.layout import TEMPLATES_REPOSITORY, TENANT_FOLDER
from compiler.outlock import output_lock
from compiler.pipeline import CompileOptions, CompileResult, compile_specs
from compiler.pipeline import Progress as ProgressCallback
from compiler.report import Outcome
from compiler.settings import load_settings


@click.command("compile")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Output folder (default: generated)."
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 with a diff if the output differs."
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: CPUs).")
@click.option(
    "--only", multiple=True, metavar="TENANT/PROJECT[/MODULE]", help="Limit to these (repeatable)."
)
@format_option
@handle_errors()
def compile_command(
    paths: tuple[Path, ...],
    output: Path | None,
    jobs: int | None,
    check: bool,
    only: tuple[str, ...],
    output_format: str,
) -> Outcome:
    """Compile specs into generated/, or check that generated/ is up to date."""
    settings = load_settings(output=str(output) if output else None, jobs=jobs)
    options = CompileOptions(
        paths=paths or (Path(settings.specs),), output=Path(settings.output), check=check, only=only
    )
    command = "compile --check" if check else "compile"
    with output_lock(options.output, command, optional=check), _progress(output_format) as advance:
        result = compile_specs(options, settings, advance)
    outcome = _check_outcome(result) if check else _compile_outcome(result)
    return replace(outcome, notes=_unchanged_tag_warnings(result, check))


def _unchanged_tag_warnings(result: CompileResult, check: bool) -> tuple[str, ...]:
    written = result.summary.written if result.summary else []
    changed = [d.path for d in result.drifts] if check else list(written)
    if not any(f"/{TENANT_FOLDER}/{TEMPLATES_REPOSITORY}/" in path for path in changed):
        return ()  # nothing to say, and the publish package is slow to import
    from compiler.publish.tag import unchanged_tag_warnings

    return tuple(f"warning: {warning}" for warning in unchanged_tag_warnings(changed))


def _compile_outcome(result: CompileResult) -> Outcome:
    summary = result.summary
    assert summary is not None
    line = (
        f"compiled {result.projects} project(s): {len(summary.written)} written, "
        f"{len(summary.unchanged)} unchanged, {len(summary.removed)} removed; "
        f"{result.skipped} project(s) up to date, skipped"
    )
    data = {
        "skipped": result.skipped,
        "written": summary.written,
        "unchanged": len(summary.unchanged),
        "removed": summary.removed,
    }
    return Outcome((line,), data)


def _check_outcome(result: CompileResult) -> Outcome:
    drifts = result.drifts
    data = {"upToDate": not drifts, "files": [{"path": d.path, "change": d.change} for d in drifts]}
    if not drifts:
        skipped = f"; {result.skipped} project(s) unchanged since the last compile"
        shown = skipped if result.skipped else ""
        line = f"up to date: {result.files} file(s) in {result.projects} project(s){shown}"
        return Outcome((line,), data)
    diffs = "".join(drift.diff for drift in drifts)
    count = f"{len(drifts)} file(s) differ from what the specs produce; run: shipspec compile"
    return Outcome((diffs, count) if diffs else (count,), data, ExitCode.INVALID)


@contextmanager
def _progress(output_format: str) -> Iterator[ProgressCallback | None]:
    """A rich progress bar on an interactive terminal; silent otherwise."""
    if output_format != "text" or not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn("rendering"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True, console=None) as bar:
        task = bar.add_task("render", total=None)
        yield lambda count: bar.advance(task, count)


@click.command("explain")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@format_option
@handle_errors()
def explain_command(file: Path, output_format: str) -> Outcome:
    """Show where a generated file comes from: spec file and line, key path, template."""
    lineage = explain_file(file)
    return Outcome(tuple(f"{key:>10}: {value}" for key, value in lineage.items()), lineage)
