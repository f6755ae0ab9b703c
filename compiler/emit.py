"""The only writer: puts rendered files under the output folder, atomically, and prunes.

A compile is one transaction over its project folders (`<out>/<tenant>/<project>/`):

1. stage: every new or changed file of every project folder is written to a
   temporary file beside its target; nothing the user sees has changed yet, so
   any failure (a template bug, a full disk, Ctrl-C) just removes them;
2. journal: each project folder's renames and deletions are written to its
   `.shipspec/journal.json`;
3. commit: renames, deletions of files the previous manifest owned and the plan
   no longer produces, then the new manifest; SIGINT waits until this is done.

If the process dies during the commit, the next run finds the journal and
finishes it, so the files and the manifest always end up agreeing.  Files that
no manifest ever owned are never touched.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import json
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from compiler.errors import ExitCode, ShipspecError
from compiler.intact import StatRecord
from compiler.ir import OutputFile, ProjectPlan
from compiler.version import __version__

MANIFEST = ".shipspec/manifest.json"
JOURNAL = ".shipspec/journal.json"
TEMP_SUFFIX = ".shipspec-tmp"

Selection = Callable[[str, str], bool]
"""(project folder `tenant/project`, path inside it) -> in scope?"""


class OutputError(ShipspecError):
    """The output folder cannot be written safely (read-only, full, or a path escapes it)."""

    exit_code = ExitCode.EXTERNAL


@dataclass(frozen=True)
class RenderedFile:
    planned: OutputFile
    data: bytes

    @property
    def path(self) -> str:
        return self.planned.path

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class ProjectOutput:
    plan: ProjectPlan
    files: tuple[RenderedFile, ...]
    fingerprint: str = ""
    modules: Mapping[str, str] = field(default_factory=dict)


@dataclass
class EmitSummary:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Drift:
    """One difference between the output folder and what the specs produce."""

    path: str
    change: str  # "create", "update" or "remove"
    diff: str


# --- the manifest ------------------------------------------------------------------------------------


def manifest_document(output: ProjectOutput, kept: dict[str, Any] | None = None) -> dict[str, Any]:
    files = dict(kept or {})
    for rendered in output.files:
        lineage = rendered.planned.lineage
        files[rendered.path] = {
            "sha256": rendered.sha256,
            "ownership": str(rendered.planned.ownership),
            "spec": lineage.spec_file,
            "keyPath": lineage.key_path,
            "template": lineage.template,
        }
    return {
        "shipspecVersion": __version__,
        "tenant": output.plan.tenant,
        "project": output.plan.folder,
        "fingerprint": output.fingerprint,
        "modules": dict(sorted(output.modules.items())),
        "specs": dict(sorted(output.plan.specs.items())),
        "files": dict(sorted(files.items())),
    }


def trusted_specs(output_root: Path) -> frozenset[tuple[str, str]]:
    """(spec file, sha256) pairs that manifests written by this shipspec version record."""
    trusted: set[tuple[str, str]] = set()
    for path in sorted(output_root.glob(f"*/*/{MANIFEST}")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(document, dict) and document.get("shipspecVersion") == __version__:
            trusted.update((str(k), str(v)) for k, v in dict(document.get("specs", {})).items())
    return frozenset(trusted)


def retired_folders(
    output_root: Path, compiled: set[tuple[str, str]], read: set[str], base: Path
) -> list[tuple[str, str]]:
    """Project folders whose project is gone from the specs: each spec file their manifest
    names was read in this run (so the project would have been found) or no longer exists.

    A compile of only some spec files never retires the projects of the others.
    """
    retired = []
    for path in sorted(output_root.glob(f"*/*/{MANIFEST}")):
        folder = path.parent.parent
        key = (folder.parent.name, folder.name)
        if key in compiled:
            continue
        document = read_manifest(folder) or {}
        specs = list(document.get("specs", {}))
        if specs and all(spec in read or not (base / spec).exists() for spec in specs):
            retired.append(key)
    return retired


def previous_hashes(output_root: Path, tenant: str, folder: str) -> tuple[str, dict[str, str]]:
    """The fingerprint and file hashes a project folder's manifest recorded (empty if none)."""
    document = read_manifest(output_root / tenant / folder) or {"files": {}}
    hashes = {path: str(entry.get("sha256", "")) for path, entry in document["files"].items()}
    return str(document.get("fingerprint", "")), hashes


def manifest_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(
        "utf-8"
    )


def read_manifest(project_dir: Path) -> dict[str, Any] | None:
    path = project_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise OutputError(
            f"{path.as_posix()} cannot be read: {error}",
            hint="restore it from Git; deleting it makes shipspec forget which files it owns",
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("files"), dict):
        raise OutputError(
            f"{path.as_posix()} is not a shipspec manifest", hint="restore it from Git"
        )
    return document


def find_manifest(file: Path) -> tuple[Path, dict[str, Any]] | None:
    """The project folder and manifest that own `file`, searching upwards."""
    for folder in file.resolve().parents:
        document = read_manifest(folder) if (folder / MANIFEST).is_file() else None
        if document is not None:
            return folder, document
    return None


# --- paths ---------------------------------------------------------------------------------------------


def safe_target(project_dir: Path, relative: str, checked: set[str] | None = None) -> Path:
    """The absolute path of a planned file, refusing anything that could leave the project folder.

    Folders already checked in this run (`checked`) are not checked again: with tens of
    thousands of files, the symlink checks would otherwise dominate a compile.
    """
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\\" in relative:
        raise OutputError(f"refusing to write {relative!r}: the path leaves the output folder")
    seen = checked if checked is not None else set()
    current = str(project_dir)
    for part in parts[:-1]:
        current = f"{current}/{part}"
        if current not in seen:
            _refuse_symlink(current)
            seen.add(current)
    target = f"{current}/{parts[-1]}"
    _refuse_symlink(target)
    return Path(target)


def _refuse_symlink(path: str) -> None:
    if os.path.islink(path):
        raise OutputError(
            f"refusing to write through the symlink {path}",
            hint="generated output must be plain folders and files; remove the link",
        )


def _check_root(project_dir: Path, output_root: Path) -> None:
    relative = project_dir.relative_to(output_root)
    for parent in [*reversed(relative.parents), relative]:
        if (output_root / parent).is_symlink():
            raise OutputError(
                f"refusing to write through the symlink {(output_root / parent).as_posix()}"
            )


# --- writing -------------------------------------------------------------------------------------------


def emit(
    outputs: list[ProjectOutput],
    output_root: Path,
    selection: Selection | None = None,
) -> EmitSummary:
    """Write every project folder as one transaction: stage all, journal all, then commit."""
    summary = EmitSummary()
    pending: list[_Pending] = []
    try:
        for output in outputs:
            _prepare(output, output_root, selection or _everything, summary, pending)
        for change in pending:
            _guard_os_errors(change.project_dir, change.write_journal)
    except BaseException:
        for change in pending:
            change.discard()
        raise
    with _signals_deferred():
        for change in pending:
            _guard_os_errors(change.project_dir, change.commit)
    return summary


@dataclass
class _Pending:
    """The staged changes of one project folder, not yet visible."""

    project_dir: Path
    staged: list[tuple[Path, Path]] = field(default_factory=list)
    deletions: list[Path] = field(default_factory=list)

    def write_journal(self) -> None:
        journal = {
            "renames": [
                [_rel(t, self.project_dir), _rel(f, self.project_dir)] for t, f in self.staged
            ],
            "deletes": [_rel(path, self.project_dir) for path in self.deletions],
        }
        _write_atomically(self.project_dir / JOURNAL, manifest_bytes(journal))

    def commit(self) -> None:
        """What `recover` does with the journal, from the paths already checked in this run."""
        _apply(self.project_dir, self.staged, self.deletions)

    def discard(self) -> None:
        for temp, _ in self.staged:
            temp.unlink(missing_ok=True)
        (self.project_dir / JOURNAL).unlink(missing_ok=True)


def _everything(root: str, path: str) -> bool:
    return True


def _scoped(
    output: ProjectOutput, selection: Selection, old: dict[str, Any]
) -> tuple[ProjectOutput, dict[str, Any]]:
    """The files in scope, and the manifest entries outside it that stay as they are."""
    root = output.plan.root
    kept = {path: entry for path, entry in old["files"].items() if not selection(root, path)}
    chosen = replace(output, files=tuple(f for f in output.files if selection(root, f.path)))
    if len(chosen.files) < len(output.files):
        chosen = replace(chosen, fingerprint="")  # a partial write proves nothing about the rest
    return chosen, kept


def _prepare(
    output: ProjectOutput,
    root: Path,
    selection: Selection,
    summary: EmitSummary,
    pending: list[_Pending],
) -> None:
    project_dir = root / output.plan.tenant / output.plan.folder
    _check_root(project_dir, root)
    _guard_os_errors(project_dir, lambda: recover(project_dir))
    old = read_manifest(project_dir) or {"files": {}}
    chosen, kept = _scoped(output, selection, old)
    planned = {f.path for f in chosen.files}
    stale = sorted(p for p in old["files"] if p not in kept and p not in planned)
    owned = {path: entry.get("sha256") for path, entry in old["files"].items()}
    checked: set[str] = set()
    targets = {f.path: safe_target(project_dir, f.path, checked) for f in chosen.files}
    record = StatRecord(root, output.plan.tenant, output.plan.folder)
    changed = [f for f in chosen.files if _changed(targets[f.path], f, owned.get(f.path), record)]
    record.save()
    retired = not chosen.files and not kept
    manifest = None if retired else manifest_bytes(manifest_document(chosen, kept))
    if changed or stale or manifest is None or _differs(project_dir / MANIFEST, manifest):
        change = _Pending(project_dir)
        pending.append(change)
        _guard_os_errors(project_dir, lambda: _stage_all(change, changed, targets, stale, manifest))
    prefix = f"{output.plan.root}/"
    written = {f.path for f in changed}
    summary.written += [prefix + path for path in sorted(written)]
    summary.unchanged += [prefix + f.path for f in chosen.files if f.path not in written]
    summary.removed += [prefix + path for path in stale]


def _changed(
    target: Path, rendered: RenderedFile, previous_sha: str | None, record: StatRecord
) -> bool:
    """Compare with the manifest's hash instead of reading the file back, when it has one;
    a file edited by hand since (its stat changed and its bytes differ) is rewritten."""
    if previous_sha is not None and previous_sha == rendered.sha256:
        return not record.intact(rendered.path, previous_sha)
    if previous_sha is not None:
        return True
    return _differs(target, rendered.data)


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() != data
    except FileNotFoundError:
        return True
    except IsADirectoryError:
        raise OutputError(f"{path.as_posix()} is a folder where shipspec writes a file") from None


def _guard_os_errors(project_dir: Path, action: Callable[[], None]) -> None:
    try:
        action()
    except OSError as error:
        raise OutputError(
            f"cannot write under {project_dir.as_posix()}: {error.strerror or error}",
            hint="check that the folder is writable and the disk has room; the previous output is intact",
        ) from None


def _stage_all(
    change: _Pending,
    changed: list[RenderedFile],
    targets: Mapping[str, Path],
    stale: list[str],
    manifest: bytes | None,
) -> None:
    """Stage new bytes and list deletions; no manifest means the folder is retired entirely.

    `targets` are the checked paths of the planned files (see `safe_target`).
    """
    made: set[str] = set()
    for rendered in changed:
        target = targets[rendered.path]
        change.staged.append((_stage(target, rendered.data, made), target))
    manifest_path = change.project_dir / MANIFEST
    change.deletions = [safe_target(change.project_dir, path) for path in stale]
    if manifest is None:
        change.deletions.append(manifest_path)
    else:
        change.staged.append((_stage(manifest_path, manifest), manifest_path))


def _stage(target: Path, data: bytes, made: set[str] | None = None) -> Path:
    """Write `data` beside `target` under a temporary name (creating folders once per run)."""
    folder = os.path.dirname(target)
    if made is None or folder not in made:
        os.makedirs(folder, exist_ok=True)
        if made is not None:
            made.add(folder)
    temp = Path(f"{folder}/.{target.name}.{os.getpid()}{TEMP_SUFFIX}")
    with open(temp, "wb") as handle:
        handle.write(data)
    return temp


def _write_atomically(target: Path, data: bytes) -> None:
    temp = _stage(target, data)
    temp.replace(target)


def _rel(path: Path, project_dir: Path) -> str:
    return path.relative_to(project_dir).as_posix()


def recover(project_dir: Path) -> None:
    """Finish a commit that a journal describes (a no-op when there is none)."""
    journal_path = project_dir / JOURNAL
    if not journal_path.is_file():
        return
    journal = json.loads(journal_path.read_text(encoding="utf-8"))
    renames = [
        (safe_target(project_dir, t), safe_target(project_dir, f)) for t, f in journal["renames"]
    ]
    deletes = [safe_target(project_dir, relative) for relative in journal["deletes"]]
    _apply(project_dir, renames, deletes)


def _apply(project_dir: Path, renames: list[tuple[Path, Path]], deletes: list[Path]) -> None:
    """Renames, then deletions, then the manifest (it says the commit is done), then the
    journal goes."""
    manifest = project_dir / MANIFEST
    for temp, final in renames:
        if final != manifest and temp.exists():
            temp.replace(final)
    for target in deletes:
        target.unlink(missing_ok=True)
        _remove_empty_parents(target, project_dir)
    for temp, final in renames:
        if final == manifest and temp.exists():
            temp.replace(final)
    journal_path = project_dir / JOURNAL
    journal_path.unlink(missing_ok=True)
    _remove_empty_parents(journal_path, project_dir.parent)


def recover_all(output_root: Path) -> None:
    """Finish every interrupted commit under the output folder (run before anything reads it)."""
    for journal in sorted(output_root.glob(f"*/*/{JOURNAL}")):
        recover(journal.parent.parent)


def _remove_empty_parents(path: Path, stop: Path) -> None:
    parent = path.parent
    while parent != stop and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Let Ctrl-C wait until the commit is finished (main thread only)."""
    received: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


# --- checking --------------------------------------------------------------------------------------


def check(
    outputs: list[ProjectOutput], output_root: Path, selection: Selection | None = None
) -> list[Drift]:
    """Every difference between the output folder and the rendered outputs; writes nothing."""
    drifts: list[Drift] = []
    for output in outputs:
        project_dir = output_root / output.plan.tenant / output.plan.folder
        old = read_manifest(project_dir) or {"files": {}}
        chosen, kept = _scoped(output, selection or _everything, old)
        prefix = f"{output.plan.root}/"
        for rendered in chosen.files:
            drifts.extend(
                _file_drift(prefix + rendered.path, project_dir / rendered.path, rendered.data)
            )
        planned = {f.path for f in chosen.files}
        for path in sorted(p for p in old["files"] if p not in kept and p not in planned):
            if (project_dir / path).exists():
                drifts.append(
                    Drift(prefix + path, "remove", f"--- a/{prefix}{path}\n+++ /dev/null\n")
                )
        if not chosen.files and not kept:
            drifts.append(
                Drift(prefix + MANIFEST, "remove", f"--- a/{prefix}{MANIFEST}\n+++ /dev/null\n")
            )
            continue
        manifest = manifest_bytes(manifest_document(chosen, kept))
        drifts.extend(_file_drift(prefix + MANIFEST, project_dir / MANIFEST, manifest))
    return drifts


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
