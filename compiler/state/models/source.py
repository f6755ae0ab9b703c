"""Tables for where code lives and how it is built: repositories, branches, commits,
pull requests and pipeline definitions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from compiler.state.models.base import (
    ID_LENGTH,
    NAME_LENGTH,
    SHA_LENGTH,
    Base,
    Identified,
    in_list,
    utcnow,
)

PULL_REQUEST_STATES = ("active", "completed", "abandoned")
URL_LENGTH = 1000


class Repository(Identified, Base):
    """A Git repository owned by a project; its name is unique within the project.

    ``provider`` is the Git host publish pushed it to (``azure-devops`` or ``local``),
    ``remote_url`` where Git reaches it (never with credentials) and ``external_id``
    the host's own id for it.  ``home`` is what its own `.shipspec/repository.json` and
    `.shipspec/pipeline.json` declared when it was last published (organization, Azure
    DevOps project, module, pipeline name and folder): what retiring it needs once its
    folder is gone.  ``retired_at`` is set when `publish --retire` retired it.
    """

    __tablename__ = "repositories"
    __table_args__ = (UniqueConstraint("tenant_id", "project", "name"),)

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    default_branch: Mapped[str] = mapped_column(String(NAME_LENGTH), default="main")
    provider: Mapped[str | None] = mapped_column(String(50))
    remote_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    external_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    home: Mapped[dict[str, Any] | None] = mapped_column()
    retired_at: Mapped[datetime | None] = mapped_column()


class Branch(Identified, Base):
    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("tenant_id", "repository_id", "name"),)

    repository_id: Mapped[str] = mapped_column(ForeignKey("repositories.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    head_sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))


class Commit(Identified, Base):
    """A commit shipspec made, with its lineage back to the spec and manifest."""

    __tablename__ = "commits"
    __table_args__ = (UniqueConstraint("tenant_id", "repository_id", "sha"),)

    repository_id: Mapped[str] = mapped_column(ForeignKey("repositories.id", ondelete="CASCADE"))
    sha: Mapped[str] = mapped_column(String(SHA_LENGTH))
    branch: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    spec_sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    manifest_sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    artifact_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PullRequest(Identified, Base):
    """One pull request per source -> target change; source and target differ."""

    __tablename__ = "pull_requests"
    __table_args__ = (
        CheckConstraint("source_branch <> target_branch", name="source_differs_from_target"),
        CheckConstraint(in_list("status", PULL_REQUEST_STATES), name="status"),
        Index(
            "uq_pull_requests_one_active",
            "tenant_id",
            "repository_id",
            "source_branch",
            "target_branch",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    repository_id: Mapped[str] = mapped_column(ForeignKey("repositories.id", ondelete="CASCADE"))
    source_branch: Mapped[str] = mapped_column(String(NAME_LENGTH))
    target_branch: Mapped[str] = mapped_column(String(NAME_LENGTH))
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="active")
    external_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    description: Mapped[str | None] = mapped_column(Text)
    source_sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column()


class PipelineDefinition(Identified, Base):
    """A generated Azure Pipelines definition; runs hang off it."""

    __tablename__ = "pipeline_definitions"
    __table_args__ = (UniqueConstraint("tenant_id", "project", "name"),)

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    module: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    repository_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("repositories.id", ondelete="SET NULL")
    )
    path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
