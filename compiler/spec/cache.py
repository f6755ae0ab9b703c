"""Parsed spec files kept beside the output folder, so an unchanged file costs a hash, not a parse.

One entry per spec file (`<parent>/.shipspec/cache/specs/<hash of its name>.json`, never
inside the generated tree), holding the plain data of its documents, the sha256 of the
bytes they were read from and the *salt*: the code set that reads and checks specs and the
versions of the parser and validators.  An entry is used only when both match; anything
else about it (unreadable, truncated, edited, another shape) makes it a miss, and the file
is read as if there were no cache.

Only files that loaded and validated without a single problem are kept, and a hit is
still checked by the models and every rule across files: what the cache saves is the
YAML parse, the hostile-input scan and the checks of one document (envelope, secrets,
expressions, JSON Schema), whose results on the same bytes with the same code cannot
differ.  A problem found later is located from the file's text, read on every run.

The data is JSON, never pickle: a file planted in the cache can at worst be data.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from compiler.spec.load import RawDocument

FORMAT = 1


@functools.cache
def reader_salt(limits: tuple[int, ...] = ()) -> str:
    """What a cached parse depends on besides the bytes: the code, the libraries, the limits."""
    from compiler.incremental import code_set_hash

    versions = [
        _version(name) for name in ("ruamel.yaml", "jsonschema", "pydantic", "pydantic-core")
    ]
    text = json.dumps([FORMAT, code_set_hash(), versions, list(limits)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def cache_folder(output: Path) -> Path:
    """Where the spec cache of the platform repository holding `output` lives: beside it."""
    return output.resolve().parent / ".shipspec" / "cache" / "specs"


class SpecCache:
    """Read and write entries of one cache folder (every write best effort)."""

    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = salt

    def entry_file(self, name: str) -> Path:
        return self.folder / f"{hashlib.sha256(name.encode('utf-8')).hexdigest()}.json"

    def get(self, name: str, sha256: str) -> list[dict[str, Any]] | None:
        """The documents of spec file `name` if its entry was made from these exact bytes."""
        try:
            entry = json.loads(self.entry_file(name).read_bytes())
        except (OSError, ValueError):
            return None
        return _documents(entry, name, sha256, self.salt)

    def put(self, name: str, sha256: str, documents: Sequence[Mapping[str, Any]]) -> None:
        body = {"file": name, "sha256": sha256, "salt": self.salt, "documents": list(documents)}
        entry = {**body, "check": _check(body)}
        target = self.entry_file(name)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            staging.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            staging.replace(target)
        except (OSError, ValueError, TypeError):
            return


def _documents(entry: object, name: str, sha256: str, salt: str) -> list[dict[str, Any]] | None:
    if not isinstance(entry, dict) or entry.get("check") != _check(entry):
        return None
    if (entry.get("file"), entry.get("sha256"), entry.get("salt")) != (name, sha256, salt):
        return None
    documents = entry.get("documents")
    if not isinstance(documents, list) or not documents:
        return None
    if not all(isinstance(document, dict) for document in documents):
        return None
    return documents


def _check(entry: Mapping[str, Any]) -> str:
    """A digest of the entry's content, so a damaged entry is seen as one."""
    body = {key: entry.get(key) for key in ("file", "sha256", "salt", "documents")}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def remember(
    cache: SpecCache, documents: Sequence[RawDocument], cached: frozenset[str], flagged: set[str]
) -> None:
    """Keep every file read in this run that no problem names (the others are read again)."""
    by_file: dict[str, list[RawDocument]] = {}
    for document in documents:
        by_file.setdefault(document.file, []).append(document)
    for name, found in by_file.items():
        if name not in cached and name not in flagged:
            cache.put(name, found[0].file_sha256, [document.data for document in found])
