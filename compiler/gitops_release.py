"""Promote a Kustomize release: an environment runs what the environment before it ran.

In the Kustomize layout a module's base (`base/<module>/`) and each environment's own
objects (a canary or blue-green Rollout, a preview Service: `objects.yaml`) are generated
into the GitOps repository itself, so a recompile that changes them would reach every
environment at once.  Instead each environment's overlay reads
`overlays/<env>/<module>/release.yaml`, which only the deploy stage's
`shipspec gitops set-image` writes, with the image digest.  A release is one *state* of
the module's sources - the base and the environment's own objects:

- a promotion to the first environment of the path (`promotion-path.yaml`) takes the
  state of the checkout now;
- a promotion to any other takes the state the environment before it runs: the base of
  its release, and this environment's objects from its `next.yaml` (written with that
  release: the later environments' own objects of the same state).

So a change to the sources reaches production only through every promotion before it,
like a chart revision in the Helm layout.  The overlay's patches (the environment's
settings) stay current; each names its target, so a patch for an object a release does
not have yet applies to nothing instead of failing the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compiler.gitops_image import ImagePinError, write_atomically
from compiler.layout import (
    KUSTOMIZE_OWN_FILE,
    PROMOTION_PATH_FILE,
    next_file,
    overlay_folder,
    release_file,
)

DOCUMENT_START = "---\n"
_SECTION = re.compile(r"^# Objects of (?P<env>[a-z0-9-]+), from \S+:\n", re.MULTILINE)
_FIRST_DOCUMENT = re.compile(r"^---\n", re.MULTILINE)


@dataclass(frozen=True)
class ReleaseResult:
    file: str
    """The environment's release, relative to the repository."""
    source: str
    """Where its base came from: `base/<module>/` or the previous environment's release."""
    changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "base": self.source, "changed": self.changed}


@dataclass(frozen=True)
class Generation:
    """One state of a module's GitOps sources: its base and every environment's own objects,
    as documents (`---`-opened text)."""

    base: str
    own: dict[str, str]


def release_header(module: str, environment: str, source: str) -> str:
    """The comment at the top of every release (compile's first one and each promotion's)."""
    return (
        f"# What {module} runs in {environment}. shipspec created this file once; from now on\n"
        f"# the deploy pipeline owns it: each promotion to {environment} writes here the\n"
        f"# base and {environment}'s own objects of the state the environment before it runs\n"
        f"# (the first environment: the state of {source}), so a change to either reaches\n"
        f"# {environment} only through the promotions before it (`shipspec gitops set-image`).\n"
    )


def next_header(module: str, environment: str) -> str:
    return (
        f"# What a promotion after {environment} takes: the later environments' own objects of\n"
        f"# the state {module} runs in {environment} (written with its release; not applied).\n"
    )


def base_source(path: list[str], environment: str, module: str) -> str:
    """Where a promotion to `environment` takes its state from: the sources for the first
    environment of the path, else the release of the environment before it."""
    index = path.index(environment)
    return f"base/{module}/" if index == 0 else release_file(path[index - 1], module)


def release_files(
    module: str, path: list[str], environment: str, state: Generation
) -> tuple[str, str]:
    """The release and the next-file texts of `environment` from one state."""
    source = base_source(path, environment, module)
    release = release_header(module, environment, source) + state.base
    own = state.own.get(environment, "")
    if own:
        release += section_marker(module, environment) + own
    later = path[path.index(environment) + 1 :]
    following = next_header(module, environment) + "".join(
        section_marker(module, env) + state.own.get(env, "") for env in later
    )
    return release, following


def promote_release(repo: Path, environment: str, module: str) -> ReleaseResult | None:
    """Write the release of `module` in `environment`; None outside the Kustomize layout."""
    relative = release_file(environment, module)
    if not (repo / relative).is_file():
        return None
    path = _on_path(repo, environment)
    index = path.index(environment)
    state = _sources(repo, module, path) if index == 0 else _released(repo, module, path[index - 1])
    release, following = release_files(module, path, environment, state)
    changed = _write(repo / relative, release)
    changed = _write(repo / next_file(environment, module), following) or changed
    return ReleaseResult(relative, base_source(path, environment, module), changed)


def section_marker(module: str, environment: str) -> str:
    return f"# Objects of {environment}, from {overlay_folder(environment, module)}/{KUSTOMIZE_OWN_FILE}:\n"


def _write(file: Path, text: str) -> bool:
    if file.is_file() and file.read_text(encoding="utf-8") == text:
        return False
    write_atomically(file, text.encode("utf-8"))
    return True


def _sources(repo: Path, module: str, path: list[str]) -> Generation:
    """The state in the checkout now: `base/<module>/` and each environment's `objects.yaml`."""
    own = {}
    for env in path:
        file = repo / overlay_folder(env, module) / KUSTOMIZE_OWN_FILE
        own[env] = _documents(file) if file.is_file() else ""
    return Generation(_base_documents(repo, module), own)


def _released(repo: Path, module: str, environment: str) -> Generation:
    """The state `environment` runs: its release's base and its next-file's later objects."""
    release = (repo / release_file(environment, module)).read_text(encoding="utf-8")
    start = _FIRST_DOCUMENT.search(release)
    if start is None:
        raise ImagePinError(
            f"{release_file(environment, module)} holds no objects",
            hint="restore it from the generated tree, then promote again",
        )
    own = _SECTION.search(release, start.start())
    base = release[start.start() : own.start() if own else len(release)]
    following = repo / next_file(environment, module)
    text = following.read_text(encoding="utf-8") if following.is_file() else ""
    return Generation(base, _sections(text))


def _sections(text: str) -> dict[str, str]:
    marks = list(_SECTION.finditer(text))
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return {m.group("env"): text[m.end() : end] for m, end in zip(marks, ends, strict=True)}


def _on_path(repo: Path, environment: str) -> list[str]:
    try:
        path = yaml.safe_load((repo / PROMOTION_PATH_FILE).read_text(encoding="utf-8"))["path"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        path = None
    if not isinstance(path, list) or not all(isinstance(e, str) for e in path):
        raise ImagePinError(
            f"{PROMOTION_PATH_FILE} is missing or not shipspec's",
            hint="publish the GitOps repository compiled by this shipspec version",
        )
    if environment not in path:
        raise ImagePinError(
            f"environment {environment!r} is not on the promotion path ({' -> '.join(path)})",
            hint=f"pass an environment of {PROMOTION_PATH_FILE}",
        )
    return path


def _base_documents(repo: Path, module: str) -> str:
    """Every object file of `base/<module>/`, in its kustomization's order, as documents."""
    folder = repo / "base" / module
    try:
        config = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
        return "".join(_documents(folder / str(name)) for name in config["resources"])
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise ImagePinError(
            f"base/{module}/ is not a shipspec base ({error})",
            hint="publish the GitOps repository compiled from the specs",
        ) from None


def _documents(file: Path) -> str:
    """A generated file's documents without its leading comment (the generated-by header),
    each opened by `---`."""
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    body = "".join(lines)
    return body if body.startswith(DOCUMENT_START) else DOCUMENT_START + body
