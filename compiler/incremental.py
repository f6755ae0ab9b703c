"""Fingerprints that let a recompile skip projects whose output cannot have changed.

A project's fingerprint covers what its files are made from: the spec file's
bytes (so lineage stays exact), the project's normalised model, its tenant's
inputs and the shipspec version.  Per-module fingerprints are recorded beside it
so a reader can see which module changed.  Tenant-wide folders hash the
fingerprints of their projects.

The *code set* — every template and the code that turns a spec into files — is
not part of the committed fingerprints: a change to shipspec's own code would
otherwise rewrite every manifest of every platform repository (review noise with
no meaning).  It is kept in a stamp beside the output folder
(`<parent>/.shipspec/code-set/<name>`, never inside the generated tree); when the
stamp is missing or differs, nothing counts as up to date and the next full
compile renders everything once (emit still rewrites only files whose bytes changed).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.assets import templates_root
from compiler.emit import MANIFEST, OutputError, read_manifest
from compiler.intact import files_intact
from compiler.spec.source import ProjectSource
from compiler.version import __version__


@functools.cache
def code_set_hash() -> str:
    """One hash of the templates and of the whole package (computed once per process).

    Every module counts, not a list of the ones that shape output: a list goes stale the
    day a target imports a new module (the layout, a context, a helper), and then a code
    change would leave an output folder "up to date" with the old bytes.  A change to code
    that shapes nothing costs one full render, never a manifest change.
    """
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parent
    roots = [(templates_root(), templates_root().parent), (package, package.parent)]
    for root, base in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if path.suffix in (".j2", ".py", ".tpl", ".json", ".yaml"):
                digest.update(path.relative_to(base).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def code_stamp_file(output: Path) -> Path:
    """Where the code set of an output folder's last full compile is kept: beside the folder."""
    folder = output.resolve()
    return folder.parent / ".shipspec" / "code-set" / folder.name


def code_is_current(output: Path) -> bool:
    """The output folder was last fully compiled by this exact code set."""
    try:
        return code_stamp_file(output).read_text(encoding="utf-8").strip() == code_set_hash()
    except OSError:
        return False


def record_code_set(output: Path) -> None:
    """Note that every project under `output` was compiled by this code set (best effort:
    a stamp that cannot be written only costs the next compile a full render)."""
    stamp = code_stamp_file(output)
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        staging = stamp.with_name(f".{stamp.name}.{os.getpid()}.tmp")
        staging.write_text(code_set_hash() + "\n", encoding="utf-8")
        staging.replace(stamp)
    except OSError:
        return


def module_fingerprints(source: ProjectSource) -> dict[str, str]:
    project = source.model.model_dump(mode="json", exclude={"spec": {"modules"}})
    shared = _digest(project, __version__)
    return {
        module.name: _digest(module.model_dump(mode="json"), shared)
        for module in source.model.spec.modules
    }


def project_fingerprint(source: ProjectSource) -> str:
    modules = module_fingerprints(source)
    inputs: dict[str, object] = {
        "file": source.file,
        "sha256": source.document.file_sha256,
        "modules": modules,
    }
    tenant = tenant_inputs(source)
    if tenant is not None:
        inputs["tenant"] = tenant
    return _digest(inputs, __version__)


def tenant_inputs(source: ProjectSource) -> object:
    """What the project takes from its tenant: the Tenant document and the tenant's home."""
    document = source.tenant_document
    home = source.home
    own = source.model.spec.azureDevOps
    if (
        document is None
        and home is not None
        and (home.organization, home.project)
        == (
            own.organization,
            own.project,
        )
    ):
        return None
    return {
        "document": None if document is None else [document.file, document.file_sha256],
        "home": None if home is None else [home.organization, home.project, home.default_branch],
    }


def tenant_fingerprint(fingerprints: Iterable[str]) -> str:
    return _digest(sorted(fingerprints), __version__)


def _digest(value: object, salt: str) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()


# --- what the previous compile left -------------------------------------------------------------


@dataclass(frozen=True)
class Previous:
    """What one folder's manifest recorded: its fingerprint and the sha256 of each file."""

    fingerprint: str = ""
    hashes: Mapping[str, str] = field(default_factory=dict)


def previous_of(document: Mapping[str, Any]) -> Previous:
    files = document.get("files", {})
    hashes = {path: str(entry.get("sha256", "")) for path, entry in files.items()}
    return Previous(str(document.get("fingerprint", "")), hashes)


_HEAD = ("shipspecVersion", "fingerprint", "specs")


def _head(folder: Path) -> dict[str, Any]:
    """A manifest's head ({} when the folder has none)."""
    document = read_manifest(folder) or {}
    return {key: document[key] for key in _HEAD if key in document}


@dataclass(frozen=True)
class Snapshot:
    """What every manifest under the output folder said at the start of a compile.

    Only each manifest's head (fingerprint, version, spec files) stays in memory: the
    file lists — most of a manifest's bytes — are read again where a folder needs them
    (select, when a fingerprint matches; the worker that builds the folder), so memory
    does not grow with the estate's file count.  The output lock keeps them unchanged.
    A manifest that cannot be read is an error only when its folder is needed (compiled
    or retired), as it would be if read there.
    """

    root: Path
    manifests: Mapping[tuple[str, str], dict[str, Any] | OutputError]
    code_current: bool = True
    """The last full compile of this folder used this code set (else nothing is up to date)."""

    @classmethod
    def read(cls, root: Path) -> Snapshot:
        manifests: dict[tuple[str, str], dict[str, Any] | OutputError] = {}
        for path in sorted(root.glob(f"*/*/{MANIFEST}")):
            folder = path.parent.parent
            try:
                manifests[(folder.parent.name, folder.name)] = _head(folder)
            except OutputError as error:
                manifests[(folder.parent.name, folder.name)] = error
        return cls(root, manifests, code_is_current(root))

    def head(self, key: tuple[str, str]) -> dict[str, Any]:
        found = self.manifests.get(key, {})
        if isinstance(found, OutputError):
            raise found
        return found

    def document(self, key: tuple[str, str]) -> dict[str, Any]:
        """The folder's whole manifest ({} when it had none at the start of the run)."""
        if not self.head(key):
            return {}
        return read_manifest(self.root / key[0] / key[1]) or {}

    def previous(self, key: tuple[str, str]) -> Previous:
        return previous_of(self.document(key))

    @property
    def trusted(self) -> frozenset[tuple[str, str]]:
        """(spec file, sha256) pairs that manifests written by this shipspec version record."""
        trusted: set[tuple[str, str]] = set()
        for document in self.manifests.values():
            if isinstance(document, dict) and document.get("shipspecVersion") == __version__:
                trusted.update((str(k), str(v)) for k, v in dict(document.get("specs", {})).items())
        return frozenset(trusted)

    def up_to_date(self, key: tuple[str, str], fingerprint: str) -> bool:
        """The manifest records this fingerprint and every file it owns still holds its
        bytes (a stat per file; only files whose stat changed since are read)."""
        if not self.code_current or self.head(key).get("fingerprint") != fingerprint:
            return False
        previous = self.previous(key)
        return previous.fingerprint == fingerprint and files_intact(
            self.root, *key, previous.hashes
        )

    def retired(
        self, compiled: set[tuple[str, str]], read: set[str], base: Path
    ) -> list[tuple[str, str]]:
        """Folders whose project is gone: each spec file their manifest names was read in
        this run (so the project would have been found) or no longer exists.

        A compile of only some spec files never retires the projects of the others.
        """
        retired = []
        for key in self.manifests:
            if key in compiled:
                continue
            specs = list(self.head(key).get("specs", {}))
            if specs and all(spec in read or not (base / spec).exists() for spec in specs):
                retired.append(key)
        return retired
