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
no manifest ever owned are never touched.  `compile --check` compares instead of
writing (:mod:`compiler.drift`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from compiler.errors import ExitCode, ShipspecError
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
    sha256: str = ""
    """Of `data` (computed when not given)."""

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def path(self) -> str:
        return self.planned.path


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
    return Path(checked_path(str(project_dir), relative, checked))


def checked_path(project_dir: str, relative: str, checked: set[str] | None = None) -> str:
    """`safe_target` as a string (what the staging loop uses)."""
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\\" in relative:
        raise OutputError(f"refusing to write {relative!r}: the path leaves the output folder")
    seen = checked if checked is not None else set()
    current = project_dir
    for part in parts[:-1]:
        current = f"{current}/{part}"
        if current not in seen:
            _refuse_symlink(current)
            seen.add(current)
    target = f"{current}/{parts[-1]}"
    _refuse_symlink(target)
    return target


def _refuse_symlink(path: str) -> None:
    if os.path.islink(path):
        raise OutputError(
            f"refusing to write through the symlink {path}",
            hint="generated output must be plain folders and files; remove the link",
        )


def check_root(project_dir: Path, output_root: Path) -> None:
    relative = project_dir.relative_to(output_root)
    for parent in [*reversed(relative.parents), relative]:
        if (output_root / parent).is_symlink():
            raise OutputError(
                f"refusing to write through the symlink {(output_root / parent).as_posix()}"
            )


# --- the transaction ----------------------------------------------------------------------------------


@dataclass
class Pending:
    """The staged changes of one project folder, not yet visible (paths are absolute strings;
    the journal's bytes are made where the files were staged, so the commit only writes them)."""

    project_dir: str
    staged: list[tuple[str, str]] = field(default_factory=list)
    """(staging file, final path), the manifest last"""
    deletions: list[str] = field(default_factory=list)
    journal: bytes = b""

    def seal(self) -> None:
        cut = len(self.project_dir) + 1
        document = {
            "renames": [[temp[cut:], final[cut:]] for temp, final in self.staged],
            "deletes": [path[cut:] for path in self.deletions],
        }
        self.journal = manifest_bytes(document)

    def write_journal(self) -> None:
        _write_atomically(Path(self.project_dir) / JOURNAL, self.journal)

    def commit(self) -> None:
        """What `recover` does with the journal, from the paths already checked in this run."""
        _apply(Path(self.project_dir), self.staged, self.deletions)

    def discard(self) -> None:
        for temp, _ in self.staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        (Path(self.project_dir) / JOURNAL).unlink(missing_ok=True)


def commit(pending: list[Pending]) -> None:
    """Journal every staged folder, then commit them all (Ctrl-C waits for the commit).

    Anything failing before the commit starts removes every staged file: nothing has changed.
    """
    try:
        for change in pending:
            guard_os_errors(Path(change.project_dir), change.write_journal)
    except BaseException:
        for change in pending:
            change.discard()
        raise
    with _signals_deferred():
        for change in pending:
            guard_os_errors(Path(change.project_dir), change.commit)


def guard_os_errors(project_dir: Path, action: Callable[[], None]) -> None:
    try:
        action()
    except OSError as error:
        raise OutputError(
            f"cannot write under {project_dir.as_posix()}: {error.strerror or error}",
            hint="check that the folder is writable and the disk has room; the previous output is intact",
        ) from None


def stage_file(target: str, data: bytes, tag: int, made: set[str] | None = None) -> str:
    """Write `data` beside `target` under a temporary name naming run `tag` (creating folders
    once per run); returns the staging file's path."""
    folder, _, name = target.rpartition("/")
    if made is None or folder not in made:
        os.makedirs(folder, exist_ok=True)
        if made is not None:
            made.add(folder)
    temp = f"{folder}/.{name}.{tag}{TEMP_SUFFIX}"
    with open(temp, "wb") as handle:
        handle.write(data)
    return temp


def _write_atomically(target: Path, data: bytes) -> None:
    os.replace(stage_file(str(target), data, os.getpid()), target)


def recover(project_dir: Path) -> None:
    """Finish a commit that a journal describes (a no-op when there is none)."""
    journal_path = project_dir / JOURNAL
    if not journal_path.is_file():
        return
    journal = json.loads(journal_path.read_text(encoding="utf-8"))
    folder = str(project_dir)
    renames = [(checked_path(folder, t), checked_path(folder, f)) for t, f in journal["renames"]]
    deletes = [checked_path(folder, relative) for relative in journal["deletes"]]
    _apply(project_dir, renames, deletes)


def _apply(project_dir: Path, renames: list[tuple[str, str]], deletes: list[str]) -> None:
    """Renames, then deletions, then the manifest (it says the commit is done), then the
    journal goes."""
    manifest = str(project_dir / MANIFEST)
    for temp, final in renames:
        if final != manifest:
            _replace(temp, final)
    for target in deletes:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        _remove_empty_parents(Path(target), project_dir)
    for temp, final in renames:
        if final == manifest:
            _replace(temp, final)
    journal_path = project_dir / JOURNAL
    journal_path.unlink(missing_ok=True)
    _remove_empty_parents(journal_path, project_dir.parent)


def _replace(temp: str, final: str) -> None:
    """A staged file moves into place; one already moved (a commit finished twice) is skipped."""
    with contextlib.suppress(FileNotFoundError):
        os.replace(temp, final)


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


# --- what is in scope ---------------------------------------------------------------------------


def everything(root: str, path: str) -> bool:
    return True


def scoped(
    output: ProjectOutput, selection: Selection, old: dict[str, Any]
) -> tuple[ProjectOutput, dict[str, Any]]:
    """The files in scope, and the manifest entries outside it that stay as they are."""
    root = output.plan.root
    kept = {path: entry for path, entry in old["files"].items() if not selection(root, path)}
    chosen = replace(output, files=tuple(f for f in output.files if selection(root, f.path)))
    if len(chosen.files) < len(output.files):
        chosen = replace(chosen, fingerprint="")  # a partial write proves nothing about the rest
    return chosen, kept
