"""Is the generated output older than its specs?  Publish asks before it pushes anything.

A manifest records the sha256 of every spec file its project was compiled from and the
shipspec version that compiled it.  Output whose spec file changed (or is gone) since,
or that an older shipspec wrote, does not show what the specs say: publishing it would
push yesterday's estate under today's name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from compiler.errors import ShipspecError
from compiler.version import __version__

_BOM = b"\xef\xbb\xbf"


class StaleOutputError(ShipspecError):
    """The output folder is older than the specs it was compiled from."""


@dataclass(frozen=True)
class Stale:
    folder: str
    reason: str


def stale_reasons(base: Path, specs: Mapping[str, str], version: str) -> list[str]:
    """Why output compiled from `specs` (file -> sha256) by `version` is out of date."""
    reasons = []
    if version != __version__:
        reasons.append(f"it was compiled by shipspec {version or '?'}, this is {__version__}")
    for name, sha in sorted(specs.items()):
        path = base / name
        try:
            current = hashlib.sha256(path.read_bytes().removeprefix(_BOM)).hexdigest()
        except OSError:
            if path.parent.is_dir():  # else the specs are not beside this output at all
                reasons.append(f"{name} is gone")
            continue
        if current != sha:
            reasons.append(f"{name} changed since it was compiled")
    return reasons


def refuse_stale(found: Iterable[Stale]) -> None:
    stale = sorted(set(found), key=lambda s: (s.folder, s.reason))
    if not stale:
        return
    listed = "; ".join(f"{s.folder}: {s.reason}" for s in stale)
    raise StaleOutputError(
        f"the output is older than the specs ({listed})",
        hint="run `shipspec compile` first, or publish it as it is with --allow-stale",
    )
