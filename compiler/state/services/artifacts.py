"""What builds publish: container images (digest unique per registry, a tag maps to
one digest) and packages ((feed, id, version) unique and immutable)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import select

from compiler.state.errors import InvariantError
from compiler.state.idempotency import Outcome, derive_key, once
from compiler.state.identity import Actor
from compiler.state.models import ContainerImage, ImageTag, PackagePublication, PipelineRun
from compiler.state.session import UnitOfWork

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class RecordImage:
    registry: str
    repository: str
    digest: str
    tags: tuple[str, ...] = ()
    module: str | None = None
    run_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class RecordPackage:
    feed: str
    package_id: str
    version: str
    sha256: str
    run_id: str | None = None
    idempotency_key: str | None = None


def record_image(uow: UnitOfWork, command: RecordImage, actor: Actor) -> Outcome:
    if not DIGEST.match(command.digest):
        raise InvariantError(
            f"{command.digest!r} is not an image digest", hint="expected sha256:<64 hex digits>"
        )
    tags = tuple(sorted(set(command.tags)))
    key = command.idempotency_key or derive_key(
        "images.record", command.registry, command.digest, *tags
    )
    request = {**asdict(command), "tags": tags, "idempotency_key": None}

    def write() -> ContainerImage:
        _check_run(uow, command.run_id)
        image = _image(uow, command, actor)
        for tag in tags:
            _tag(uow, image, tag)
        uow.emit("ImageRecorded", image.id, image_record(uow, image))
        return image

    image, replayed = once(uow, key, request, ContainerImage, write)
    return Outcome(image_record(uow, image), replayed)


def record_package(uow: UnitOfWork, command: RecordPackage, actor: Actor) -> Outcome:
    key = command.idempotency_key or derive_key(
        "packages.record", command.feed, command.package_id, command.version, command.sha256
    )
    request = {**asdict(command), "idempotency_key": None}

    def write() -> PackagePublication:
        _check_run(uow, command.run_id)
        existing = uow.scalar(
            select(PackagePublication).where(
                PackagePublication.feed == command.feed,
                PackagePublication.package_id == command.package_id,
                PackagePublication.version == command.version,
            )
        )
        if existing is not None:
            raise InvariantError(
                f"package {command.package_id} {command.version} on feed {command.feed} is "
                f"already published (sha256 {existing.sha256}); published packages are immutable",
                hint="publish a new version instead",
            )
        package = uow.add(
            PackagePublication(
                project=uow.scope.project,
                feed=command.feed,
                package_id=command.package_id,
                version=command.version,
                sha256=command.sha256,
                run_id=command.run_id,
                published_by=actor.name,
            )
        )
        uow.emit("PackagePublished", package.id, package.to_record())
        return package

    package, replayed = once(uow, key, request, PackagePublication, write)
    return Outcome(package.to_record(), replayed)


def image_record(uow: UnitOfWork, image: ContainerImage) -> dict[str, object]:
    tags = uow.scalars(
        select(ImageTag.tag).where(ImageTag.image_id == image.id).order_by(ImageTag.tag)
    )
    return {**image.to_record(), "tags": tags}


def _image(uow: UnitOfWork, command: RecordImage, actor: Actor) -> ContainerImage:
    existing = uow.scalar(
        select(ContainerImage).where(
            ContainerImage.registry_host == command.registry,
            ContainerImage.digest == command.digest,
        )
    )
    if existing is None:
        return uow.add(
            ContainerImage(
                project=uow.scope.project,
                module=command.module,
                registry_host=command.registry,
                repository=command.repository,
                digest=command.digest,
                run_id=command.run_id,
                pushed_by=actor.name,
            )
        )
    if existing.repository != command.repository:
        raise InvariantError(
            f"digest {command.digest} is already recorded in {command.registry} as "
            f"{existing.repository}; an image digest is unique per registry"
        )
    return existing


def _tag(uow: UnitOfWork, image: ContainerImage, tag: str) -> None:
    existing = uow.scalar(
        select(ImageTag).where(
            ImageTag.registry_host == image.registry_host,
            ImageTag.repository == image.repository,
            ImageTag.tag == tag,
        )
    )
    if existing is None:
        uow.add(
            ImageTag(
                image_id=image.id,
                registry_host=image.registry_host,
                repository=image.repository,
                tag=tag,
            )
        )
    elif existing.image_id != image.id:
        other = uow.one(
            select(ContainerImage).where(ContainerImage.id == existing.image_id), "image"
        )
        raise InvariantError(
            f"tag {image.repository}:{tag} in {image.registry_host} already points at "
            f"{other.digest}; a published tag maps to one digest",
            hint="publish a new tag",
        )


def _check_run(uow: UnitOfWork, run_id: str | None) -> None:
    if run_id is not None:
        uow.by_id(PipelineRun, run_id, "run")
