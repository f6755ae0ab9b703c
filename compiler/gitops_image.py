"""Promote an image: set one module's digest in one environment of a GitOps repository checkout.

This is the contract the deploy stage of every pipeline calls
(`shipspec gitops set-image --repo DIR --env ENV --module MODULE --digest sha256:...`).
It edits exactly one line - the `digest:` of the environment's image pin - and keeps
every other byte; running it again with the same digest changes nothing.  The pin
files are scaffold (created once by compile, never rewritten by it), so a recompile
never resets a promoted digest.

Layouts (see :mod:`compiler.kubernetes.values`):

- Helm: `environments/<env>/<module>/image.yaml`, key `image.digest`;
- Kustomize: `overlays/<env>/<module>/image/kustomization.yaml`, key `images[0].digest`.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compiler.errors import ShipspecError, UsageError
from compiler.kubernetes.values import DIGEST_PATTERN
from compiler.layout import image_file

LAYOUTS = ("helm", "kustomize")
_FOLDERS = {"helm": "environments", "kustomize": "overlays"}
_DIGEST_LINE = re.compile(
    r"^(?P<head>[ \t]*(?:- )?digest:[ \t]*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s#]*)(?P<tail>[ \t]*(?:#.*)?)$"
)


class ImagePinError(ShipspecError):
    """The GitOps checkout has no such environment or module, or its pin file is not shipspec's."""


@dataclass(frozen=True)
class SetImageResult:
    file: str
    """The pin file, relative to the repository."""
    previous: str
    digest: str
    changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "previous": self.previous,
            "digest": self.digest,
            "changed": self.changed,
        }


def set_image(repo: Path, environment: str, module: str, digest: str) -> SetImageResult:
    """Pin `module` in `environment` to `digest`; return what changed (nothing, the second time)."""
    if not re.fullmatch(DIGEST_PATTERN, digest):
        raise ImagePinError(
            f"{digest!r} is not an image digest",
            hint="pass the digest the registry reported: sha256: followed by 64 lowercase hex digits",
        )
    if not repo.is_dir():
        raise UsageError(
            f"{repo.as_posix()} is not a folder", hint="pass the GitOps repository checkout"
        )
    relative = pin_file(repo, environment, module)
    path = repo / relative
    text = path.read_bytes().decode("utf-8")
    line_index, match = _digest_line(text, relative)
    previous = _unquote(match.group("value"))
    if previous == digest:
        return SetImageResult(relative, previous, digest, changed=False)
    lines = text.splitlines(keepends=True)
    ending = lines[line_index][len(lines[line_index].rstrip("\r\n")) :]
    lines[line_index] = f'{match.group("head")}"{digest}"{match.group("tail")}{ending}'
    updated = "".join(lines)
    _check_only_digest_changed(text, updated, relative, digest)
    write_atomically(path, updated.encode("utf-8"))
    return SetImageResult(relative, previous, digest, changed=True)


def pin_file(repo: Path, environment: str, module: str) -> str:
    """The pin file of `module` in `environment`, relative to the checkout; a clear error if none."""
    layouts = [layout for layout in LAYOUTS if (repo / _FOLDERS[layout]).is_dir()]
    if not layouts:
        raise ImagePinError(
            f"{repo.as_posix()} is not a shipspec GitOps repository (no environments/ or overlays/ folder)",
            hint="pass the checkout of <project>-gitops",
        )
    for layout in layouts:
        relative = image_file(layout, environment, module)
        if (repo / relative).is_file():
            return relative
    layout = layouts[0]
    folder = repo / _FOLDERS[layout]
    known_environments = sorted(p.name for p in folder.iterdir() if p.is_dir())
    if environment not in known_environments:
        raise ImagePinError(
            f"unknown environment {environment!r}",
            hint=f"environments in {_FOLDERS[layout]}/: {', '.join(known_environments) or 'none'}",
        )
    modules = sorted(
        p.parent.name if layout == "helm" else p.parent.parent.name
        for p in (folder / environment).glob(
            "*/image.yaml" if layout == "helm" else "*/image/kustomization.yaml"
        )
    )
    raise ImagePinError(
        f"unknown module {module!r} in environment {environment!r}",
        hint=f"modules deployed there: {', '.join(modules) or 'none'}",
    )


def environment_modules(repo: Path, environment: str, file_name: str) -> tuple[str, list[str]]:
    """The layout of the checkout and the modules whose `file_name` exists in `environment`."""
    layouts = [layout for layout in LAYOUTS if (repo / _FOLDERS[layout]).is_dir()]
    if not layouts:
        raise ImagePinError(
            f"{repo.as_posix()} is not a shipspec GitOps repository (no environments/ or overlays/ folder)",
            hint="pass the checkout of <project>-gitops",
        )
    for layout in layouts:
        folder = repo / _FOLDERS[layout] / environment
        modules = sorted(p.parent.name for p in folder.glob(f"*/{file_name}") if p.is_file())
        if modules:
            return layout, modules
    known = sorted(
        p.name for layout in layouts for p in (repo / _FOLDERS[layout]).iterdir() if p.is_dir()
    )
    if environment not in known:
        raise ImagePinError(
            f"unknown environment {environment!r}",
            hint=f"environments: {', '.join(known) or 'none'}",
        )
    raise ImagePinError(
        f"no module of environment {environment!r} has {file_name}",
        hint="publish the GitOps repository compiled by this shipspec version first",
    )


def _digest_line(text: str, relative: str) -> tuple[int, re.Match[str]]:
    matches = [
        (index, match)
        for index, line in enumerate(text.splitlines())
        if (match := _DIGEST_LINE.match(line))
    ]
    if len(matches) != 1:
        raise ImagePinError(
            f"{relative} must hold exactly one `digest:` line, found {len(matches)}",
            hint="restore the file from the generated tree (it is scaffold: delete it and recompile/publish)",
        )
    return matches[0]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _digest_holder(document: Any) -> dict[str, Any] | None:
    """The mapping whose `digest` is the pin, in either layout."""
    if not isinstance(document, dict):
        return None
    image = document.get("image")
    if isinstance(image, dict) and "digest" in image:
        return image
    images = document.get("images")
    if isinstance(images, list) and len(images) == 1 and isinstance(images[0], dict):
        return images[0] if "digest" in images[0] else None
    return None


def _check_only_digest_changed(before: str, after: str, relative: str, digest: str) -> None:
    """Parse both versions: the edit must change the pin and nothing else."""
    try:
        old, new = yaml.safe_load(before), yaml.safe_load(after)
    except yaml.YAMLError as error:
        raise ImagePinError(f"{relative} is not valid YAML: {error}") from None
    holder = _digest_holder(old)
    if holder is None:
        raise ImagePinError(
            f"{relative} has no image digest where shipspec puts it (image.digest or images[0].digest)"
        )
    holder["digest"] = digest
    if old != new:
        raise ImagePinError(f"{relative}: the `digest:` line is not the image pin")


def write_atomically(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o777
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temp).chmod(mode)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
