"""Cheap proof that the files of an up-to-date project are still the bytes its manifest records.

A recompile skips a project whose fingerprint matches its manifest.  A hand-edited file
would then survive every compile while `compile --check` keeps reporting it, so before
skipping, each owned file's (size, mtime, inode) is compared with what was seen the last
time its bytes were proven; only files whose stat changed are hashed again.

The stat records live beside the output folder (`<parent>/.shipspec/cache/stat/`),
never in the generated tree: they describe one machine's files, not the output.
A record younger than the file system's clock tick is not trusted (an edit in the same
tick would keep the stat), so a file is trusted only once it is older than the record.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import time
from collections.abc import Mapping
from pathlib import Path

from compiler.emit import MANIFEST

RACY_NS = 50_000_000
"""A file modified this close to its record's time is hashed again (coarse clocks)."""


def stat_record_file(output_root: Path, tenant: str, folder: str) -> Path:
    root = output_root.resolve()
    return root.parent / ".shipspec" / "cache" / "stat" / root.name / tenant / f"{folder}.json"


class StatRecord:
    """The stats of one project folder's files, as last proven to hold their manifest's bytes."""

    def __init__(self, output_root: Path, tenant: str, folder: str) -> None:
        self.project_dir = f"{output_root}/{tenant}/{folder}"
        self.path = stat_record_file(output_root, tenant, folder)
        self.old, self.manifest = _read(self.path)
        self.seen: dict[str, list[object]] = {}
        self.wrote = ""
        """The sha256 of the manifest compile wrote (or found current) in this run."""

    def intact(self, relative: str, sha: str) -> bool:
        """The file is present and holds `sha` (hashed only when its stat changed)."""
        path = f"{self.project_dir}/{relative}"
        found = _stat(path)
        if found is None:
            return False
        entry: list[object] = [*found, sha]
        if self.old.get(relative) != entry and _sha256(path) != sha:
            return False
        self.seen[relative] = entry
        return True

    def saw(self, relative: str, entry: list[object] | None) -> None:
        """Record a file just written (its stat, taken from the staging file, survives the
        rename into place); None when it could not be taken."""
        if entry is not None:
            self.seen[relative] = entry

    def saw_manifest(self, sha: str, entry: list[object] | None) -> None:
        """The manifest now on disk (or about to be) holds `sha`: the bytes compile made."""
        self.wrote = sha
        self.saw(MANIFEST, entry)

    def manifest_intact(self) -> bool:
        """The manifest still holds the bytes the last compile made (an edit by hand is seen)."""
        if not self.manifest or not self.intact(MANIFEST, self.manifest):
            return False
        self.wrote = self.manifest
        return True

    def save(self) -> None:
        _write(self.path, (self.old, self.manifest), (self.seen, self.wrote))


def stat_entry(path: str, sha: str) -> list[object] | None:
    found = _stat(path)
    return None if found is None else [*found, sha]


def files_intact(output_root: Path, tenant: str, folder: str, hashes: Mapping[str, str]) -> bool:
    """The manifest is the one compile wrote, and every file it owns is present with the
    recorded sha256."""
    record = StatRecord(output_root, tenant, folder)
    if not record.manifest_intact():
        return False
    if not all(record.intact(path, sha) for path, sha in hashes.items()):
        return False
    record.save()
    return True


def _stat(path: str) -> list[int] | None:
    try:
        result = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(result.st_mode):
        return None
    return [result.st_size, result.st_mtime_ns, result.st_ino]


def _sha256(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return ""


def _read(path: Path) -> tuple[dict[str, list[object]], str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, ""
    if not isinstance(document, dict):
        return {}, ""
    files, manifest = document.get("files"), document.get("manifest")
    return (files if isinstance(files, dict) else {}), (
        manifest if isinstance(manifest, str) else ""
    )


def _write(
    path: Path,
    old: tuple[Mapping[str, object], str],
    seen: tuple[dict[str, list[object]], str],
) -> None:
    """Record the proven stats, leaving out files too young to be trusted (the manifest's
    digest is kept whatever its age: a young manifest is hashed, not trusted by its stat)."""
    now = time.time_ns()
    trusted = {p: entry for p, entry in seen[0].items() if now - _mtime(entry) > RACY_NS}
    if (trusted, seen[1]) == old:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        document = {"files": trusted, "manifest": seen[1]}
        temp.write_text(json.dumps(document, sort_keys=True), encoding="utf-8")
        temp.replace(path)


def _mtime(entry: list[object]) -> int:
    value = entry[1]
    return value if isinstance(value, int) else 0
