"""The schemas under compiler/schemas are the upstream files SOURCES.md names, unmodified."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import pytest

SCHEMAS = resources.files("compiler.schemas")
SOURCES = SCHEMAS.joinpath("SOURCES.md").read_text(encoding="utf-8")
ROWS = dict(re.findall(r"^\| (\S+\.schema\.json) \|.*?blob ([0-9a-f]{40})", SOURCES, re.MULTILINE))


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_every_vendored_schema_has_a_source_row() -> None:
    files = {p.name for p in SCHEMAS.iterdir() if p.name.endswith(".schema.json")}
    assert files == set(ROWS)
    assert len(files) == 13


@pytest.mark.parametrize("name", sorted(ROWS))
def test_vendored_schema_is_byte_identical_to_upstream(name: str) -> None:
    assert git_blob_id(SCHEMAS.joinpath(name).read_bytes()) == ROWS[name]
