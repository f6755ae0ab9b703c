"""`shipspec init --platform`: the scaffold of a platform repository.

A platform repository holds the specs and what shipspec compiles from them, and runs
shipspec in its own pipeline.  The scaffold is a handful of small files rendered
from package data (`compiler/scaffold/platform/`); it never replaces a file that
exists, and writes nothing at all when any of its files is already there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import jinja2

from compiler.errors import UsageError
from compiler.render import FILTERS
from compiler.spec.schema import schema_json
from compiler.spec.starter import starter_text
from compiler.version import __version__

PIPELINE = "azure-pipelines.yml"
INSTALL_TEMPLATE = ".azure-pipelines/install-shipspec.yml"

FILES: dict[str, str] = {
    "README.md": "README.md.j2",
    "pyproject.toml": "pyproject.toml.j2",
    ".gitignore": "gitignore.j2",
    ".pre-commit-config.yaml": "pre-commit-config.yaml.j2",
    "CODEOWNERS": "CODEOWNERS.j2",
    PIPELINE: "azure-pipelines.yml.j2",
    INSTALL_TEMPLATE: "install-shipspec.yml.j2",
}
"""Scaffold path -> template in compiler/scaffold/platform/."""


@dataclass(frozen=True)
class Hook:
    id: str
    name: str
    entry: str
    files: str


HOOKS = (
    Hook("shipspec-validate", "shipspec validate", "shipspec validate", r"^specs/.*\.ya?ml$"),
    Hook(
        "shipspec-check",
        "shipspec compile --check",
        "shipspec compile --check",
        r"^(specs|generated)/",
    ),
)
"""The project's pre-commit hooks (.pre-commit-hooks.yaml), run from the pinned install."""


@dataclass(frozen=True)
class PlatformOptions:
    root: Path
    tenant: str
    project: str
    feed: str | None = None
    version: str = __version__


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("compiler.scaffold", "platform"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def scaffold_files(options: PlatformOptions) -> dict[str, str]:
    """Every file of the scaffold, path -> text (pure: nothing is written)."""
    context = {
        "tenant": options.tenant,
        "project": options.project,
        "feed": options.feed,
        "version": options.version,
        "hooks": HOOKS,
    }
    files = {path: _environment().get_template(t).render(**context) for path, t in FILES.items()}
    spec = f"specs/{options.tenant}/{options.project}.yaml"
    files[spec] = starter_text(options.tenant, options.project, "../../schema/shipspec.schema.json")
    files["schema/shipspec.schema.json"] = schema_json()
    return dict(sorted(files.items()))


def write_platform(options: PlatformOptions) -> list[str]:
    """Write the scaffold under `options.root`; refuses (writing nothing) if a file exists."""
    files = scaffold_files(options)
    existing = [p for p in files if (options.root / p).exists()]
    if existing:
        raise UsageError(
            f"{options.root.as_posix()} already has {', '.join(existing)}; not overwriting",
            hint="run init --platform in an empty folder, or remove those files",
        )
    for path, text in files.items():
        _write(options.root / PurePosixPath(path), text)
    return list(files)


def _write(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as error:
        raise UsageError(f"cannot write {target.as_posix()}: {error.strerror or error}") from None


def default_tenant(root: Path) -> str:
    """A tenant name from the folder's name, when it makes a valid slug."""
    name = "".join(c if c.isalnum() else "-" for c in root.resolve().name.lower()).strip("-")
    name = name.removesuffix("-platform")[:40].rstrip("-")
    return name if name[:1].isalpha() else "platform"


__all__ = ["PIPELINE", "PlatformOptions", "scaffold_files", "write_platform"]
