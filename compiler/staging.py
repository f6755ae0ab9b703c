"""Stage one project folder: decide which files changed and write their new bytes beside them.

This is the first half of emit's transaction (compiler.emit), and it runs where the
folder was rendered — in a compile worker, so staging tens of thousands of files is
spread over the cores.  It makes nothing visible: the result is a `Pending` (staging
files, deletions, the journal's bytes) that the parent journals and commits with every
other folder's, or discards.  A failure here removes what this folder staged.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.emit import (
    MANIFEST,
    EmitSummary,
    OutputError,
    Pending,
    ProjectOutput,
    RenderedFile,
    Selection,
    check_root,
    checked_path,
    commit,
    everything,
    guard_os_errors,
    manifest_bytes,
    manifest_document,
    read_manifest,
    recover,
    scoped,
    stage_file,
)
from compiler.intact import StatRecord, stat_entry


@dataclass
class Staged:
    """One folder, staged: what to commit, what to report, and the stats to record after."""

    pending: Pending | None
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    record: StatRecord | None = None


def stage_folder(
    output: ProjectOutput,
    root: Path,
    selection: Selection = everything,
    old: dict[str, Any] | None = None,
    tag: int | None = None,
) -> Staged:
    """Stage the folder's new and changed files (`old`: its manifest as read at the start of
    the run, else read here; `tag`: the run's staging-file tag, default this process)."""
    project_dir = root / output.plan.tenant / output.plan.folder
    check_root(project_dir, root)
    if old is None:
        guard_os_errors(project_dir, lambda: recover(project_dir))
        old = read_manifest(project_dir)
    chosen, kept = scoped(output, selection, old or {"files": {}})
    previous = (old or {"files": {}})["files"]
    stale = sorted(p for p in previous if p not in kept and p not in {f.path for f in chosen.files})
    folder = str(project_dir)
    checked: set[str] = set()
    targets = {f.path: checked_path(folder, f.path, checked) for f in chosen.files}
    record = StatRecord(root, output.plan.tenant, output.plan.folder)
    owned = {path: entry.get("sha256") for path, entry in previous.items()}
    changed = [f for f in chosen.files if _changed(targets[f.path], f, owned.get(f.path), record)]
    retired = not chosen.files and not kept
    manifest = None if retired else manifest_bytes(manifest_document(chosen, kept))
    prefix = f"{output.plan.root}/"
    written = {f.path for f in changed}
    staged = Staged(None, [prefix + f.path for f in changed], record=record)
    staged.unchanged = [prefix + f.path for f in chosen.files if f.path not in written]
    staged.removed = [prefix + path for path in stale]
    if changed or stale or manifest is None or _differs(f"{folder}/{MANIFEST}", manifest):
        staged.pending = Pending(folder)
        stage = _Stage(staged.pending, record, os.getpid() if tag is None else tag)
        guard_os_errors(project_dir, lambda: stage.all(changed, targets, stale, manifest))
    else:  # the manifest on disk is already these bytes
        sha = hashlib.sha256(manifest).hexdigest()
        record.saw_manifest(sha, stat_entry(f"{folder}/{MANIFEST}", sha))
    return staged


@dataclass
class _Stage:
    pending: Pending
    record: StatRecord
    tag: int

    def all(
        self,
        changed: list[RenderedFile],
        targets: Mapping[str, str],
        stale: list[str],
        manifest: bytes | None,
    ) -> None:
        """Stage new bytes and list deletions; no manifest means the folder is retired entirely.
        Whatever was staged is removed again if this fails."""
        try:
            self._stage(changed, targets, stale, manifest)
        except BaseException:
            self.pending.discard()
            raise

    def _stage(
        self,
        changed: list[RenderedFile],
        targets: Mapping[str, str],
        stale: list[str],
        manifest: bytes | None,
    ) -> None:
        made: set[str] = set()
        folder = self.pending.project_dir
        for rendered in changed:
            target = targets[rendered.path]
            temp = _stage(target, rendered.data, self.tag, made)
            self.pending.staged.append((temp, target))
            self.record.saw(rendered.path, stat_entry(temp, rendered.sha256))
        self.pending.deletions = [checked_path(folder, path) for path in stale]
        manifest_path = f"{folder}/{MANIFEST}"
        if manifest is None:
            self.pending.deletions.append(manifest_path)
        else:
            temp = _stage(manifest_path, manifest, self.tag)
            self.pending.staged.append((temp, manifest_path))
            sha = hashlib.sha256(manifest).hexdigest()
            self.record.saw_manifest(sha, stat_entry(temp, sha))
        self.pending.seal()


def _stage(target: str, data: bytes, tag: int, made: set[str] | None = None) -> str:
    return stage_file(target, data, tag, made)


def _changed(
    target: str, rendered: RenderedFile, previous_sha: str | None, record: StatRecord
) -> bool:
    """Compare with the manifest's hash instead of reading the file back, when it has one;
    a file edited by hand since (its stat changed and its bytes differ) is rewritten."""
    if previous_sha is not None and previous_sha == rendered.sha256:
        return not record.intact(rendered.path, previous_sha)
    if previous_sha is not None:
        return True
    return _differs(target, rendered.data)


def _differs(path: str, data: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read() != data
    except FileNotFoundError:
        return True
    except IsADirectoryError:
        raise OutputError(f"{path} is a folder where shipspec writes a file") from None


def finish(staged: list[Staged]) -> EmitSummary:
    """The parent's half: commit every staged folder, then record the stats of what is on disk."""
    commit([s.pending for s in staged if s.pending is not None])
    summary = EmitSummary()
    for folder in staged:
        summary.written += folder.written
        summary.unchanged += folder.unchanged
        summary.removed += folder.removed
        if folder.record is not None:
            folder.record.save()
    return summary


def discard(staged: list[Staged]) -> None:
    for folder in staged:
        if folder.pending is not None:
            folder.pending.discard()


def emit(
    outputs: list[ProjectOutput], output_root: Path, selection: Selection | None = None
) -> EmitSummary:
    """Write every project folder as one transaction, in this process: stage all, then commit."""
    staged: list[Staged] = []
    try:
        for output in outputs:
            staged.append(stage_folder(output, output_root, selection or everything))
    except BaseException:
        discard(staged)
        raise
    return finish(staged)
