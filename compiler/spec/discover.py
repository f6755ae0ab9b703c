"""Find the spec files under the paths a command is given.

Files are named by their path relative to the working folder (that name is
written into everything they produce), and listed sorted by it, so the result
does not depend on the order of the arguments.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from compiler.errors import UsageError

SPEC_SUFFIXES = (".yaml", ".yml")


def discover(paths: Sequence[Path], cwd: Path | None = None) -> list[tuple[Path, str]]:
    """Every spec file under `paths` as (path, display name), sorted by display name.

    Sorting all files globally makes the result independent of argument order.
    """
    base = (cwd or Path.cwd()).resolve()
    found: dict[str, Path] = {}
    for path in paths:
        for file in _expand(path):
            found.setdefault(display_name(file, base), file)
    return [(found[name], name) for name in sorted(found)]


def _expand(path: Path) -> Iterator[Path]:
    if path.is_dir():
        candidates = (
            p
            for p in path.rglob("*")
            if p.suffix.lower() in SPEC_SUFFIXES and (p.is_file() or is_broken_link(p))
        )
        visible = [p for p in candidates if not _is_hidden(p.relative_to(path))]
        if not visible:
            raise UsageError(
                f"no *.yaml or *.yml files under {path.as_posix()}",
                hint="pass the folder that holds your specs, e.g. specs/",
            )
        yield from visible
    elif path.exists():
        yield path
    else:
        raise UsageError(f"no such file or directory: {path.as_posix()}")


def is_broken_link(path: Path) -> bool:
    """A symlink that leads nowhere (or loops): listed, so that loading reports it."""
    return path.is_symlink() and not path.exists()


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def display_name(file: Path, base: Path) -> str:
    resolved = file.absolute() if is_broken_link(file) else file.resolve()
    if resolved.is_relative_to(base):
        return resolved.relative_to(base).as_posix()
    return resolved.as_posix()
