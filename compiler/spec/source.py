"""A validated project together with the document it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from compiler.errors import Diagnostic, SourceSpan
from compiler.spec.load import RawDocument
from compiler.spec.locate import Path_, format_path
from compiler.spec.models.documents import ApproverGroup, Project

if TYPE_CHECKING:
    from compiler.spec.tenant import TenantHome


@dataclass(frozen=True)
class ProjectSource:
    """A validated Project and the document it came from (for locations and lineage)."""

    model: Project
    document: RawDocument
    home: TenantHome | None = None
    """The tenant's home (set once every document of the tenant is read)."""
    tenant_document: RawDocument | None = None
    """The tenant's Tenant document, if it has one."""
    inherited: frozenset[str] = frozenset()
    """`spec` keys (or `pipelines.tool`) whose value came from the Tenant document (errors
    and lineage point there)."""
    approver_groups: tuple[ApproverGroup, ...] = ()
    """Approver group membership the Tenant document declares (`spec.approverGroups`)."""

    def origin(self, path: Path_) -> RawDocument:
        """The document a key path's value came from: the project's, or the Tenant's."""
        if self.tenant_document is None or len(path) < 2 or path[0] != "spec":
            return self.document
        nested = ".".join(str(part) for part in path[1:3])
        if path[1] in self.inherited or nested in self.inherited:
            return self.tenant_document
        return self.document

    def lineage_file(self, key_path: str) -> str:
        """The spec file a generated file's key path names (`spec.environments[0]` ...)."""
        return self.origin(key_path.replace("[", ".[").split(".")).file

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
        return self.origin(path).span(path, at_key=at_key)

    def problem(
        self, path: Path_, message: str, hint: str = "", *, at_key: bool = False
    ) -> Diagnostic:
        return Diagnostic(self.span(path, at_key=at_key), format_path(path), message, hint)
