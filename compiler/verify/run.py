"""Verify a generated tree one folder at a time: in parallel, and only what changed.

The unit of work is a `<tenant>/<project>` (or `<tenant>/_tenant`) folder of the tree:
a chart is rendered with the values of its project's GitOps repository, so a project is
the smallest unit whose result does not depend on anything outside it.  A tree without
such folders is one unit.

By default only units whose digest (every file's name and bytes, the verifier's code,
the vendored schemas and the validators' versions) differs from the one recorded at
their last clean pass are verified; `--all` verifies everything.  The record lives with the platform
repository's other local state (`.shipspec/verified.json` in the current folder), never
inside the tree.
Findings are the same for any number of workers: each unit's are sorted, units are
kept in path order.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path

from compiler.errors import UsageError, VerifyError
from compiler.verify import CHECKERS, Finding
from compiler.verify.pipelines import TEMPLATES_REPOSITORY
from compiler.version import __version__

MANIFEST = Path(".shipspec") / "manifest.json"
VALIDATOR_PACKAGES = (
    "helm-python-sdk", "kubernetes-validate", "jsonschema", "tree-sitter", "tree-sitter-c-sharp",
)  # fmt: skip
CHECKABLE_NAMES = {"Chart.yaml", "kustomization.yaml", "Pulumi.yaml", "azure-pipelines.yml"}


@dataclass(frozen=True)
class VerifyOptions:
    root: Path
    only: tuple[str, ...] = ()
    everything: bool = False
    jobs: int = 1
    record: Path | None = None
    """Where clean passes are recorded; None: `.shipspec/verified.json` in the current folder
    (the platform repository, beside the state store's default database)."""


@dataclass(frozen=True)
class VerifyResult:
    findings: tuple[Finding, ...]
    verified: tuple[str, ...]
    """Units checked in this run (paths relative to the root, `.` for the whole tree)."""
    unchanged: tuple[str, ...]
    """Units skipped because they are as they were at their last clean pass."""


def verify_tree(options: VerifyOptions) -> VerifyResult:
    """Discover the units, keep the chosen and changed ones, check them, record clean passes."""
    root = options.root
    units = select(discover_units(root), options.only)
    if not units or not any(_has_checkable_files(root / unit) for unit in units):
        raise _nothing_to_verify(root, options.only)
    record_path = _record_path(options)
    recorded = _read_record(record_path, root)
    digests = {unit: unit_digest(root / unit) for unit in units}
    due = [u for u in units if options.everything or recorded.get(u) != digests[u]]
    found = check_units(root, due, options.jobs)
    for unit in due:
        recorded.pop(unit, None)
        if not found[unit]:
            recorded[unit] = digests[unit]
    _write_record(record_path, root, recorded)
    findings = tuple(f for unit in due for f in found[unit])
    return VerifyResult(findings, tuple(due), tuple(u for u in units if u not in due))


# --- units --------------------------------------------------------------------------------------


def discover_units(root: Path) -> list[str]:
    """The `<tenant>/<project>` folders of `root` (relative, sorted) that own a manifest or
    hold anything to check; `.` when `root` is one such folder or has none."""
    if (root / MANIFEST).is_file():
        return ["."]
    folders = [p for p in root.glob("*/*") if p.is_dir() and not p.is_symlink()]
    units = [p for p in folders if (p / MANIFEST).is_file() or _has_checkable_files(p)]
    return sorted(p.relative_to(root).as_posix() for p in units) or ["."]


def select(units: Sequence[str], only: Sequence[str]) -> list[str]:
    """The units `--only TENANT[/PROJECT]` names (all when nothing is named)."""
    if not only:
        return list(units)
    chosen = []
    for value in only:
        wanted = value.strip("/")
        if not wanted or len(wanted.split("/")) > 2:
            raise UsageError(f"--only {value!r}: expected TENANT or TENANT/PROJECT")
        matches = [u for u in units if u == wanted or u.startswith(wanted + "/")]
        if not matches:
            raise UsageError(
                f"--only {value!r}: no such folder with a manifest in the tree",
                hint=f"choose from: {', '.join(units)}",
            )
        chosen += matches
    return sorted(set(chosen))


def _has_checkable_files(folder: Path) -> bool:
    """Whether any checker has a file to look at: a spec folder, say, has none."""
    for directory, _, names in os.walk(folder):
        parts = Path(directory).parts
        in_repository = TEMPLATES_REPOSITORY in parts or any(p.endswith("-gitops") for p in parts)
        for name in names:
            if name in CHECKABLE_NAMES or (in_repository and name.endswith((".yml", ".yaml"))):
                return True
    return False


def _nothing_to_verify(root: Path, only: Sequence[str]) -> VerifyError:
    where = f"{root.as_posix()} (--only {' '.join(only)})" if only else root.as_posix()
    return VerifyError(
        f"nothing to verify under {where}: no charts, overlays, pipelines or Pulumi programs",
        hint="pass the generated/ folder that `shipspec compile` wrote",
    )


# --- digests and the record ---------------------------------------------------------------------


def unit_digest(folder: Path) -> str:
    """What a clean pass of `folder` depended on: every file's name and bytes (a link's
    target), and the verifier itself."""
    digest = hashlib.sha256(verifier_fingerprint().encode())
    for directory, subfolders, names in os.walk(folder):
        subfolders.sort()
        for name in sorted(names):
            path = Path(directory, name)
            content = str(path.readlink()).encode() if path.is_symlink() else path.read_bytes()
            relative = path.relative_to(folder).as_posix()
            digest.update(f"\0{relative}\0{len(content)}\0".encode())
            digest.update(content)
    return digest.hexdigest()


@cache
def verifier_fingerprint() -> str:
    """Everything a verdict depends on besides the files: a change re-verifies everything."""
    digest = hashlib.sha256(__version__.encode())
    for package in ("compiler.verify", "compiler.schemas"):
        for source in sorted(resources.files(package).iterdir(), key=lambda p: p.name):
            if source.name.endswith((".py", ".json")):
                digest.update(source.read_bytes())
    digest.update(tool_versions().encode())
    return digest.hexdigest()


def tool_versions() -> str:
    """The versions of the validators the checkers run (a missing one counts as a version)."""
    found = []
    for name in VALIDATOR_PACKAGES:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} missing")
    kubectl = shutil.which("kubectl")
    if kubectl:
        done = subprocess.run(
            [kubectl, "version", "--client", "-o", "json"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        found.append(done.stdout)
    return "\n".join(found)


def _record_path(options: VerifyOptions) -> Path:
    path = options.record or Path(".shipspec") / "verified.json"
    if path.resolve().is_relative_to(options.root.resolve()):
        raise UsageError(
            f"verify would record its clean passes inside the tree ({path.as_posix()})",
            hint="run it from the platform repository, the folder that holds generated/",
        )
    return path


def _read_record(path: Path, root: Path) -> dict[str, str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    trees = document.get("trees") if isinstance(document, dict) else None
    units = trees.get(_tree_key(root)) if isinstance(trees, dict) else None
    return {str(k): str(v) for k, v in units.items()} if isinstance(units, dict) else {}


def _write_record(path: Path, root: Path, units: dict[str, str]) -> None:
    """Atomically replace the record; a record that cannot be written only costs a re-check."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        trees = document["trees"] if isinstance(document.get("trees"), dict) else {}
    except (OSError, ValueError, AttributeError, KeyError):
        trees = {}
    trees[_tree_key(root)] = dict(sorted(units.items()))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        staging.write_text(json.dumps({"trees": trees}, indent=2, sort_keys=True) + "\n", "utf-8")
        staging.replace(path)
    except OSError:
        pass


def _tree_key(root: Path) -> str:
    return root.resolve().as_posix()


# --- checking -----------------------------------------------------------------------------------


def check_units(root: Path, units: Sequence[str], jobs: int) -> dict[str, list[Finding]]:
    """Findings per unit, in forked workers when `jobs` > 1 (same result for any count)."""
    if jobs <= 1 or len(units) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return {unit: check_unit(root, unit) for unit in units}
    with multiprocessing.get_context("fork").Pool(min(jobs, len(units))) as pool:
        found = pool.map(functools.partial(check_unit, root), units, chunksize=1)
    return dict(zip(units, found, strict=True))


def check_unit(root: Path, unit: str) -> list[Finding]:
    folder = root if unit == "." else root / unit
    return sorted(_all_findings(root, folder))


def _all_findings(root: Path, folder: Path) -> Iterable[Finding]:
    for checker in CHECKERS:
        yield from checker.check(root, folder)
