"""A validated project together with the document it came from."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.errors import Diagnostic, SourceSpan
from compiler.spec.load import RawDocument
from compiler.spec.locate import Path_, format_path
from compiler.spec.models import Project


@dataclass(frozen=True)
class ProjectSource:
    """A validated Project and the document it came from (for locations and lineage)."""

    model: Project
    document: RawDocument

    @property
    def tenant(self) -> str:
        return self.model.metadata.tenant

    @property
    def name(self) -> str:
        return self.model.metadata.name

    @property
    def file(self) -> str:
        return self.document.file

    def span(self, path: Path_, *, at_key: bool = False) -> SourceSpan:
        return self.document.span(path, at_key=at_key)

    def problem(
        self, path: Path_, message: str, hint: str = "", *, at_key: bool = False
    ) -> Diagnostic:
        return Diagnostic(self.span(path, at_key=at_key), format_path(path), message, hint)
