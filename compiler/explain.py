"""Trace a generated file back to the spec line and template that produced it.

Two places a file can be: under the output folder (the project manifest knows it),
or in a checkout of a target repository that `shipspec publish` wrote (the
repository's `.shipspec/lineage.json` knows it, and the commit that last touched the
file carries the spec's sha in its `Shipspec-Spec` trailer).  Spec files are looked
up relative to the current folder — run it from the platform repository.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from compiler.emit import find_manifest
from compiler.errors import UsageError
from compiler.spec.load import load_file
from compiler.spec.locate import parse_path

LINEAGE = ".shipspec/lineage.json"


def explain_file(file: Path) -> dict[str, str]:
    found = find_manifest(file)
    if found is None:
        in_checkout = _find_lineage(file)
        if in_checkout is not None:
            return _explain_in_checkout(file, *in_checkout)
        raise UsageError(
            f"{file.as_posix()} is not inside a shipspec output folder (no .shipspec/manifest.json above it)"
            " nor in a repository shipspec published (no .shipspec/lineage.json above it)"
        )
    project_dir, manifest = found
    relative = file.resolve().relative_to(project_dir).as_posix()
    entry = manifest["files"].get(relative)
    if entry is None:
        raise UsageError(
            f"{file.as_posix()} is not a file shipspec generated (the manifest does not list it)"
        )
    return {
        "file": relative,
        "project": f"{manifest.get('tenant')}/{manifest.get('project')}",
        "spec": spec_location(project_dir.parents[2], entry["spec"], entry["keyPath"]),
        "keyPath": entry["keyPath"],
        "template": f"templates/{entry['template']}",
        "ownership": entry["ownership"],
        "sha256": entry["sha256"],
        "version": f"shipspec {manifest.get('shipspecVersion')}",
    }


def spec_location(base: Path, spec_file: str, key_path: str) -> str:
    """`file:line:column` of the key in the spec, or just the file if it cannot be read now.

    Spec names in a manifest are relative to the folder that holds the output folder.
    """
    path = base / spec_file
    if not path.is_file():
        return spec_file
    result = load_file(path, spec_file)
    target = parse_path(key_path)
    for document in result.documents:
        if _has_path(document.data, target[:3]):
            return str(document.span(target, at_key=True))
    return spec_file


def _has_path(data: object, path: list[str | int]) -> bool:
    node = data
    for part in path:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            return False
    return True


# --- files in a checkout of a published repository ---------------------------------------------


def _find_lineage(file: Path) -> tuple[Path, dict[str, Any]] | None:
    for folder in file.resolve().parents:
        path = folder / LINEAGE
        if path.is_file():
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise UsageError(f"{path.as_posix()} cannot be read") from None
            if isinstance(document, dict) and isinstance(document.get("files"), dict):
                return folder, document
    return None


def _explain_in_checkout(file: Path, repo_dir: Path, lineage: dict[str, Any]) -> dict[str, str]:
    relative = file.resolve().relative_to(repo_dir).as_posix()
    entry = lineage["files"].get(relative)
    if entry is None:
        raise UsageError(
            f"{file.as_posix()} is not a file shipspec published (its repository's lineage does not list it)"
        )
    result = {
        "file": relative,
        "repository": f"{lineage.get('tenant')}/{lineage.get('project')}/{lineage.get('repository')}",
        "spec": spec_location(Path.cwd(), entry["spec"], entry["keyPath"]),
        "keyPath": entry["keyPath"],
        "template": f"templates/{entry['template']}",
        "ownership": entry["ownership"],
        "sha256": entry["sha256"],
    }
    if hashlib.sha256(file.read_bytes()).hexdigest() != entry["sha256"]:
        result["note"] = "the file differs from what shipspec wrote (edited in this checkout)"
    result.update(_last_commit(repo_dir, relative, entry["spec"]))
    return result


def _last_commit(repo_dir: Path, relative: str, spec: str) -> dict[str, str]:
    """The commit that last changed the file, and the spec sha its trailer names."""
    try:
        import git

        commit = next(git.Repo(repo_dir).iter_commits(paths=relative, max_count=1), None)
    except Exception:  # not a Git checkout, or Git is unavailable: lineage alone still answers
        return {}
    if commit is None:
        return {}
    info = {"commit": commit.hexsha}
    for key, value in commit.trailers_list:
        if key == "Shipspec-Spec" and value.startswith(f"{spec}@"):
            info["commitSpec"] = value
            info["specSha"] = value.rsplit("@", 1)[1]
    current = Path.cwd() / spec
    if "specSha" in info and current.is_file():
        now = hashlib.sha256(current.read_bytes()).hexdigest()
        if now != info["specSha"]:
            info["specNote"] = (
                "the spec has changed since this commit; the line is from the current spec"
            )
    return info
