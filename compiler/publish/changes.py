"""What a publish changes in one target repository, and whether that is safe.

Pure functions over trees (path -> blob id) and lineage documents; no Git here.

- managed files are written whenever their bytes differ;
- scaffold files are written only when the repository has never had them: not
  when present, and not when shipspec created them once and a human removed them;
- files the previous lineage says shipspec managed, and that the specs no longer
  produce, are deleted — subject to the mass-delete guard rail.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from compiler.layout import ENVIRONMENT_FOLDERS
from compiler.publish.git import TreeEntry, blob_id
from compiler.publish.inputs import LINEAGE_FILE, RepoTarget, family_of

LINEAGE_FAMILY = "shipspec"


@dataclass(frozen=True)
class FileChange:
    path: str
    kind: str  # "add", "update" or "delete"
    family: str
    data: bytes | None = None


@dataclass(frozen=True)
class Lineage:
    """The lineage file found in a tree: path -> entry (ownership, template, spec, keyPath)."""

    files: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: bytes | None) -> Lineage:
        if data is None:
            return cls()
        try:
            document = json.loads(data.decode("utf-8"))
            files = document.get("files") if isinstance(document, dict) else None
        except (ValueError, UnicodeDecodeError):
            files = None
        return cls(files if isinstance(files, dict) else {})

    def managed(self) -> set[str]:
        return {
            p
            for p, e in self.files.items()
            if isinstance(e, dict) and e.get("ownership") == "managed"
        }

    def family(self, path: str) -> str | None:
        entry = self.files.get(path)
        return family_of(str(entry.get("template", ""))) if isinstance(entry, dict) else None


def plan_changes(
    target: RepoTarget, base: Mapping[str, TreeEntry], previous: Lineage
) -> list[FileChange]:
    """The writes and deletes that turn the ``base`` tree into what the specs want."""
    changes: list[FileChange] = []
    wanted = {f.path for f in target.files} | {LINEAGE_FILE}
    for desired in target.files:
        present = base.get(desired.path)
        if not desired.managed and (present is not None or desired.path in previous.files):
            continue
        if present is None or present.sha != blob_id(desired.data):
            kind = "add" if present is None else "update"
            changes.append(FileChange(desired.path, kind, desired.family, desired.data))
    lineage = target.lineage_bytes()
    present = base.get(LINEAGE_FILE)
    if present is None or present.sha != blob_id(lineage):
        kind = "add" if present is None else "update"
        changes.append(FileChange(LINEAGE_FILE, kind, LINEAGE_FAMILY, lineage))
    for path in sorted(previous.managed() - wanted):
        if path in base:
            changes.append(FileChange(path, "delete", previous.family(path) or "other"))
    return sorted(changes, key=lambda c: c.path)


# --- the guard rail --------------------------------------------------------------------------------


def mass_delete_problems(
    changes: list[FileChange], base: Mapping[str, TreeEntry], previous: Lineage, max_share: float
) -> list[str]:
    """Why this change deletes too much (empty when it does not)."""
    owned = {path for path in previous.managed() if path in base}
    deleted = {c.path for c in changes if c.kind == "delete"}
    problems: list[str] = []
    if owned and len(deleted) / len(owned) > max_share:
        problems.append(
            f"it would delete {len(deleted)} of the {len(owned)} managed files "
            f"({len(deleted) / len(owned):.0%}, more than {max_share:.0%})"
        )
    after = (set(base) - deleted) | {c.path for c in changes if c.kind != "delete"}
    before_envs = Counter(env for path in owned if (env := environment_of(path)))
    after_envs = {env for path in after if (env := environment_of(path))}
    for env, count in sorted(before_envs.items()):
        if env not in after_envs:
            problems.append(
                f"it would delete every application of environment {env} ({count} files)"
            )
    return problems


def environment_of(path: str) -> str | None:
    """The environment a file deploys to, judged by its folder.

    >>> environment_of("environments/prod/payments-api.yaml"), environment_of("README.md")
    ('prod', None)
    """
    parts = path.split("/")
    for index, part in enumerate(parts[:-2]):
        if part in ENVIRONMENT_FOLDERS:
            return parts[index + 1]
    return None


# --- summaries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """What the branch proposes against the default branch, file by file."""

    files: tuple[FileChange, ...]

    @property
    def empty(self) -> bool:
        return not self.files

    def counts(self) -> dict[str, dict[str, int]]:
        """family -> {"add": n, "update": n, "delete": n}."""
        table: dict[str, dict[str, int]] = {}
        for change in self.files:
            row = table.setdefault(change.family, {"add": 0, "update": 0, "delete": 0})
            row[change.kind] += 1
        return dict(sorted(table.items()))

    def totals(self) -> dict[str, int]:
        kinds = Counter(change.kind for change in self.files)
        return {kind: kinds.get(kind, 0) for kind in ("add", "update", "delete")}


def proposal(
    before: Mapping[str, TreeEntry],
    after: Mapping[str, TreeEntry],
    families: Callable[[str], str],
) -> Proposal:
    changes = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        kind = "add" if old is None else "delete" if new is None else "update"
        changes.append(FileChange(path, kind, families(path)))
    return Proposal(tuple(changes))


def unified_diff(path: str, old: bytes | None, new: bytes | None) -> str:
    """A unified diff of one file, for --dry-run."""
    before = (old or b"").decode("utf-8", "replace").splitlines(keepends=True)
    after = (new or b"").decode("utf-8", "replace").splitlines(keepends=True)
    source = "/dev/null" if old is None else f"a/{path}"
    target = "/dev/null" if new is None else f"b/{path}"
    lines = difflib.unified_diff(before, after, source, target)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
