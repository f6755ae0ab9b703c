"""What the GitOps repository's templates print (the `gitops` and `kustomize` families)."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.contexts import TemplateContext
from compiler.serialize import Line


@dataclass(frozen=True)
class Documents(TemplateContext):
    """One or more YAML documents, each as the serializer's lines."""

    documents: tuple[list[Line], ...]


@dataclass(frozen=True)
class Values(TemplateContext):
    """An environment's values file over the chart's defaults."""

    lines: list[Line]


@dataclass(frozen=True)
class Pin(TemplateContext):
    """A pipeline-owned file of one module in one environment (image, outputs, revision)."""

    module: str
    environment: str
    name: str = ""
    """The ConfigMap or pin object the file holds, where it has one."""
    repository: str = ""
    """The module repository whose commit a revision pin names."""


@dataclass(frozen=True)
class ImageComponent(TemplateContext):
    """The Kustomize layout's image pin: a Component naming the image and its digest."""

    image: str
    module: str
    environment: str


@dataclass(frozen=True)
class EnvironmentRow:
    name: str
    namespace: str
    cluster: str
    strategy: str


@dataclass(frozen=True)
class Readme(TemplateContext):
    project: str
    tenant: str
    repository: str
    engine: str
    manifests: str
    environments: tuple[EnvironmentRow, ...]
    modules: tuple[str, ...]
    image_file: str
    """The image pin's path, with `<env>` and `<module>` for the names."""


@dataclass(frozen=True)
class Release(TemplateContext):
    """The Kustomize layout's first release of a module in one environment."""

    header: str
    base: tuple[list[Line], ...]
    own_marker: str
    """The comment that opens the environment's own objects ("" when it has none)."""
    own: tuple[list[Line], ...]


@dataclass(frozen=True)
class Next(TemplateContext):
    """Beside a first release: the later environments' own objects of the same state."""

    header: str
    sections: tuple[tuple[str, tuple[list[Line], ...]], ...]
    """(marker comment, documents) per later environment, in path order."""
