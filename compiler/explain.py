"""Trace a generated file back to the spec line and template that produced it."""

from __future__ import annotations

from pathlib import Path

from compiler.emit import find_manifest
from compiler.errors import UsageError
from compiler.spec.load import load_file
from compiler.spec.locate import parse_path


def explain_file(file: Path) -> dict[str, str]:
    found = find_manifest(file)
    if found is None:
        raise UsageError(
            f"{file.as_posix()} is not inside a shipspec output folder (no .shipspec/manifest.json above it)"
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
