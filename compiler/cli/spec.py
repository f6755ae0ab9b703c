"""Commands about the spec itself: validate, schema, init."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from compiler.cli.common import format_option, handle_errors
from compiler.errors import UsageError
from compiler.pipeline import resolve_specs
from compiler.report import Outcome
from compiler.settings import Settings, load_settings
from compiler.spec.schema import schema_json
from compiler.spec.starter import write_starter

paths_argument = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


@dataclass(frozen=True)
class ValidateOptions:
    paths: tuple[Path, ...]
    settings: Settings
    output_format: str


@click.command("validate")
@paths_argument
@format_option
@click.option("--max-errors", type=click.IntRange(min=0), help="Show at most this many (0: all).")
@handle_errors()
def validate_command(
    paths: tuple[Path, ...], output_format: str, max_errors: int | None
) -> Outcome:
    """Validate spec files (default: the specs folder) and report every problem."""
    settings = load_settings(max_errors=max_errors)
    options = ValidateOptions(paths or (Path(settings.specs),), settings, output_format)
    spec = resolve_specs(options.paths, options.settings)
    modules = sum(len(p.modules) for p in spec.projects)
    summary = (
        f"{len(spec.files)} file(s) valid: {len(spec.projects)} project(s), "
        f"{modules} module(s), {len(spec.tenants)} tenant(s)"
    )
    return Outcome((summary,), [])


@click.command("schema")
@handle_errors()
def schema_command() -> Outcome:
    """Print the JSON Schema (draft 2020-12) of spec documents, for editors and CI."""
    return Outcome((schema_json(),))


@click.command("init")
@click.argument("name", metavar="TENANT/PROJECT | DIR", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Where to write the spec (default: <specs>/<tenant>/<project>.yaml).",
)
@click.option(
    "--platform",
    is_flag=True,
    help="Scaffold a platform repository in DIR (default: .): specs, pipeline, settings.",
)
@click.option(
    "--name",
    "platform_name",
    metavar="TENANT/PROJECT",
    help="With --platform: the starter project (default: <folder name>/starter).",
)
@click.option("--feed", metavar="PROJECT/FEED", help="With --platform: install shipspec from it.")
@handle_errors()
def init_command(
    name: str | None,
    output: Path | None,
    platform: bool,
    platform_name: str | None,
    feed: str | None,
) -> Outcome:
    """Write a starter spec for TENANT/PROJECT, or with --platform a platform repository in DIR.

    Never overwrites a file.
    """
    if platform:
        return _init_platform(Path(name or "."), platform_name, feed)
    tenant, project = _tenant_project(name or "")
    settings = load_settings()
    target = output or Path(settings.specs) / tenant / f"{project}.yaml"
    write_starter(tenant, project, target)
    where = target.as_posix()
    return Outcome((f"wrote {where}; edit it, then run: shipspec validate {where}",))


def _tenant_project(name: str) -> tuple[str, str]:
    tenant, _, project = name.partition("/")
    if not tenant or not project:
        raise UsageError(
            f"expected TENANT/PROJECT, got {name!r}", hint="e.g. shipspec init contoso/payments"
        )
    return tenant, project


def _init_platform(root: Path, name: str | None, feed: str | None) -> Outcome:
    from compiler.scaffold import PlatformOptions, default_tenant, write_platform

    tenant, project = _tenant_project(name) if name else (default_tenant(root), "starter")
    written = write_platform(PlatformOptions(root, tenant, project, feed))
    where = "" if root == Path() else f"cd {root.as_posix()} && "
    return Outcome(
        (
            *(f"wrote {(root / path).as_posix()}" for path in written),
            f"next: {where}shipspec validate && shipspec compile && shipspec verify --all",
        )
    )
