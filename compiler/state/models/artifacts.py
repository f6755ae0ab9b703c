"""Tables for what builds publish: packages, container images and their tags, and
the rendered deployment manifests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compiler.state.models.base import ID_LENGTH, NAME_LENGTH, SHA_LENGTH, Base, Identified, utcnow


class PackagePublication(Identified, Base):
    """A package version pushed to a feed; (feed, package, version) is unique and immutable."""

    __tablename__ = "package_publications"
    __table_args__ = (UniqueConstraint("tenant_id", "feed", "package_id", "version"),)

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    feed: Mapped[str] = mapped_column(String(NAME_LENGTH))
    package_id: Mapped[str] = mapped_column(String(NAME_LENGTH))
    version: Mapped[str] = mapped_column(String(NAME_LENGTH))
    sha256: Mapped[str] = mapped_column(String(SHA_LENGTH))
    run_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), ForeignKey("pipeline_runs.id"))
    published_by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContainerImage(Identified, Base):
    """An image pushed to a registry, identified by its digest (unique per registry)."""

    __tablename__ = "container_images"
    __table_args__ = (
        UniqueConstraint("tenant_id", "registry_host", "digest"),
        CheckConstraint("digest LIKE 'sha256:%'", name="digest_is_sha256"),
    )

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    module: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    registry_host: Mapped[str] = mapped_column(String(NAME_LENGTH))
    repository: Mapped[str] = mapped_column(String(NAME_LENGTH))
    digest: Mapped[str] = mapped_column(String(SHA_LENGTH))
    run_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), ForeignKey("pipeline_runs.id"))
    pushed_by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    pushed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImageTag(Identified, Base):
    """A published tag; it maps to exactly one digest in its registry repository."""

    __tablename__ = "image_tags"
    __table_args__ = (UniqueConstraint("tenant_id", "registry_host", "repository", "tag"),)

    image_id: Mapped[str] = mapped_column(ForeignKey("container_images.id", ondelete="CASCADE"))
    registry_host: Mapped[str] = mapped_column(String(NAME_LENGTH))
    repository: Mapped[str] = mapped_column(String(NAME_LENGTH))
    tag: Mapped[str] = mapped_column(String(NAME_LENGTH))


class DeploymentManifest(Identified, Base):
    """A rendered manifest (Helm/Kustomize output) with its checksum and commit."""

    __tablename__ = "deployment_manifests"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "project",
            "module",
            "environment",
            "path",
            "sha256",
            name="uq_deployment_manifests_natural_key",
        ),
    )

    project: Mapped[str] = mapped_column(String(NAME_LENGTH))
    module: Mapped[str] = mapped_column(String(NAME_LENGTH))
    environment: Mapped[str] = mapped_column(String(NAME_LENGTH))
    path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(SHA_LENGTH))
    commit_sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
