"""What `compile --check` reports: each difference between the output folder and the specs.

Nothing is written: each project folder's rendered files and the manifest they
would produce are compared with what is on disk, and every difference is given as
a unified diff (files to create, update or remove, the manifest included).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.emit import (
    MANIFEST,
    ProjectOutput,
    Selection,
    everything,
    manifest_bytes,
    manifest_document,
    read_manifest,
    scoped,
)


@dataclass(frozen=True)
class Drift:
    """One difference between the output folder and what the specs produce."""

    path: str
    change: str  # "create", "update" or "remove"
    diff: str


def check(
    outputs: list[ProjectOutput], output_root: Path, selection: Selection | None = None
) -> list[Drift]:
    """Every difference between the output folder and the rendered outputs; writes nothing."""
    drifts: list[Drift] = []
    for output in outputs:
        old = read_manifest(output_root / output.plan.tenant / output.plan.folder)
        drifts += folder_drifts(output, output_root, selection or everything, old)
    return drifts


def folder_drifts(
    output: ProjectOutput, output_root: Path, selection: Selection, old: dict[str, Any] | None
) -> list[Drift]:
    """The differences of one project folder (`old`: its manifest, None when it has none)."""
    project_dir = output_root / output.plan.tenant / output.plan.folder
    chosen, kept = scoped(output, selection, old or {"files": {}})
    prefix = f"{output.plan.root}/"
    drifts: list[Drift] = []
    for rendered in chosen.files:
        drifts += _file_drift(prefix + rendered.path, project_dir / rendered.path, rendered.data)
    planned = {f.path for f in chosen.files}
    for path in sorted(
        p for p in (old or {"files": {}})["files"] if p not in kept and p not in planned
    ):
        if (project_dir / path).exists():
            drifts.append(Drift(prefix + path, "remove", f"--- a/{prefix}{path}\n+++ /dev/null\n"))
    if not chosen.files and not kept:
        gone = f"--- a/{prefix}{MANIFEST}\n+++ /dev/null\n"
        return [*drifts, Drift(prefix + MANIFEST, "remove", gone)]
    manifest = manifest_bytes(manifest_document(chosen, kept))
    return drifts + _file_drift(prefix + MANIFEST, project_dir / MANIFEST, manifest)


def _file_drift(shown: str, path: Path, expected: bytes) -> list[Drift]:
    try:
        actual = path.read_bytes()
    except FileNotFoundError:
        return [Drift(shown, "create", _unified(shown, b"", expected, new=True))]
    if actual == expected:
        return []
    return [Drift(shown, "update", _unified(shown, actual, expected))]


def _unified(shown: str, before: bytes, after: bytes, new: bool = False) -> str:
    old_lines = before.decode("utf-8", "replace").splitlines(keepends=True)
    new_lines = after.decode("utf-8", "replace").splitlines(keepends=True)
    source = "/dev/null" if new else f"a/{shown}"
    lines = difflib.unified_diff(old_lines, new_lines, source, f"b/{shown}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
