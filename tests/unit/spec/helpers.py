"""Loading cases for spec tests without going through the CLI."""

from __future__ import annotations

from pathlib import Path

from compiler.spec.load import discover, load_files
from compiler.spec.rules import ProjectSource
from compiler.spec.validate import validate_document


def sources_in(folder: Path) -> list[ProjectSource]:
    """Projects in `folder` that pass the schema and the models (rules not applied)."""
    loaded = load_files(discover([folder], cwd=folder))
    assert not loaded.diagnostics, loaded.diagnostics
    sources = []
    for document in loaded.documents:
        problems, source = validate_document(document)
        assert not problems, problems
        assert source is not None
        sources.append(source)
    return sources
