"""Loading cases for spec tests without going through the CLI."""

from __future__ import annotations

from pathlib import Path

from compiler.spec.discover import discover
from compiler.spec.load import load_files
from compiler.spec.rules import ProjectSource
from compiler.spec.tenant import TenantSource, merge
from compiler.spec.validate import validate_document


def sources_in(folder: Path) -> list[ProjectSource]:
    """Projects in `folder` that pass the schema and the models, with their Tenant
    document's defaults applied (rules not applied)."""
    loaded = load_files(discover([folder], cwd=folder))
    assert not loaded.diagnostics, loaded.diagnostics
    projects, tenants = [], []
    for document in loaded.documents:
        problems, source = validate_document(document)
        assert not problems, problems
        assert source is not None
        (tenants if isinstance(source, TenantSource) else projects).append(source)
    merged, problems = merge(projects, tenants)
    assert not problems, problems
    return merged
