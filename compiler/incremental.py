"""Fingerprints that let a recompile skip projects whose output cannot have changed.

A project's fingerprint covers everything its files are made from: the spec
file's bytes (so lineage stays exact), the project's normalised model, and the
*code set* — the shipspec version, every template and the code that turns a spec
into files (spec models, plan, targets, render, emit) — so that editing a template or a target, even
without a version bump, changes every fingerprint.
Per-module fingerprints are recorded beside it so a reader can see which module
changed.  Tenant-wide folders hash the fingerprints of their projects.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from compiler.assets import templates_root
from compiler.spec.source import ProjectSource
from compiler.version import __version__


@functools.cache
def code_set_hash() -> str:
    """One hash of the templates and the output-shaping code (computed once per process)."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parent
    roots = [(templates_root(), templates_root().parent)]
    roots += [
        (package / name, package.parent)
        for name in ("plan", "targets", "spec", "render.py", "ir.py", "emit.py")
    ]
    for root, base in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if path.suffix in (".j2", ".py", ".tpl", ".json", ".yaml"):
                digest.update(path.relative_to(base).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def module_fingerprints(source: ProjectSource) -> dict[str, str]:
    project = source.model.model_dump(mode="json", exclude={"spec": {"modules"}})
    shared = _digest(project, code_set_hash())
    return {
        module.name: _digest(module.model_dump(mode="json"), shared)
        for module in source.model.spec.modules
    }


def project_fingerprint(source: ProjectSource) -> str:
    modules = module_fingerprints(source)
    return _digest(
        {"file": source.file, "sha256": source.document.file_sha256, "modules": modules},
        code_set_hash(),
    )


def tenant_fingerprint(fingerprints: Iterable[str]) -> str:
    return _digest(sorted(fingerprints), code_set_hash())


def _digest(value: object, salt: str) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()
