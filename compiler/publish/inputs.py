"""What publish reads: the repositories of compiled project folders, with their lineage.

Input is the output of ``shipspec compile``: `<out>/<tenant>/<project>/.shipspec/manifest.json`
plus one folder per Git repository beside it.  The manifest is the authority: only
files it lists are published, and each must still have the bytes it recorded (a
hand-edited or half-written tree is refused before anything leaves the machine).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from compiler.emit import MANIFEST, find_manifest, read_manifest
from compiler.errors import ShipspecError, UsageError
from compiler.state import Scope

REPOSITORY_FILE = ".shipspec/repository.json"
LINEAGE_FILE = ".shipspec/lineage.json"
"""Written by publish into each target repository: which files shipspec owns there,
and the spec line each came from (what `shipspec explain` reads in a checkout)."""


@dataclass(frozen=True)
class BranchPolicies:
    minimum_reviewers: int = 2
    build_validation: bool = True
    comment_resolution: bool = True


@dataclass(frozen=True)
class Pusher:
    """An identity that may push to a branch without a pull request (the deploy pipeline)."""

    identity: str
    branch: str


@dataclass(frozen=True)
class RepositoryConfig:
    """`.shipspec/repository.json`: where the repository lives and how it is protected."""

    name: str
    organization: str | None
    project: str | None
    default_branch: str = "main"
    policies: BranchPolicies = BranchPolicies()
    pushers: tuple[Pusher, ...] = ()
    readers: tuple[str, ...] = ()
    """Identities (other projects' Build Services) that read it."""
    tag: str | None = None
    """The tag pipelines pin (pipeline-templates): created by publish, never moved."""
    module: str | None = None
    """The module the repository holds (None: the GitOps, infra or templates repository)."""


@dataclass(frozen=True)
class DesiredFile:
    path: str
    data: bytes
    sha256: str
    ownership: str
    spec: str
    key_path: str
    template: str

    @property
    def family(self) -> str:
        return family_of(self.template)

    @property
    def managed(self) -> bool:
        return self.ownership == "managed"


@dataclass(frozen=True)
class RepoTarget:
    """One Git repository to publish: `<tenant>/<project>/<name>`."""

    tenant: str
    project: str
    name: str
    folder: Path
    config: RepositoryConfig
    files: tuple[DesiredFile, ...]
    manifest_sha: str
    specs: Mapping[str, str]
    version: str

    @property
    def key(self) -> str:
        return f"{self.tenant}/{self.project}/{self.name}"

    @property
    def scope(self) -> Scope:
        return Scope(self.tenant, self.project)

    def lineage_bytes(self) -> bytes:
        """The lineage file for the target repository; changes only when its files do."""
        document = {
            "apiVersion": "shipspec/v1",
            "kind": "Lineage",
            "tenant": self.tenant,
            "project": self.project,
            "repository": self.name,
            "files": {
                f.path: {
                    "keyPath": f.key_path,
                    "ownership": f.ownership,
                    "sha256": f.sha256,
                    "spec": f.spec,
                    "template": f.template,
                }
                for f in sorted(self.files, key=lambda f: f.path)
            },
        }
        return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    @property
    def artifact_id(self) -> str:
        """A digest of exactly what this repository should contain (files + lineage)."""
        digest = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.path):
            digest.update(f"{f.path}\0{f.ownership}\0{f.sha256}\n".encode())
        digest.update(hashlib.sha256(self.lineage_bytes()).hexdigest().encode())
        return "sha256:" + digest.hexdigest()


def family_of(template: str) -> str:
    """The target family a template belongs to.

    >>> family_of("repo/scaffold/web.cs.j2"), family_of("")
    ('repo', 'other')
    """
    return template.split("/", 1)[0] if template else "other"


# --- discovery ----------------------------------------------------------------------------------


def discover(paths: Iterable[Path], only: tuple[str, ...] = ()) -> list[RepoTarget]:
    """Every repository under the given output folders (or inside a given project/repo folder)."""
    chosen: dict[str, RepoTarget] = {}
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path.as_posix()} does not exist", hint="run shipspec compile first")
        for project_dir, repo in _project_folders(path):
            for target in _targets(project_dir, repo):
                if _selected(target, only):
                    chosen[target.key] = target
    if only and not chosen:
        raise UsageError(f"--only {', '.join(only)} matches no repository under the given paths")
    return [chosen[key] for key in sorted(chosen)]


def _project_folders(path: Path) -> list[tuple[Path, str | None]]:
    """(project folder, only this repository or None) for a path the user gave."""
    if (path / MANIFEST).is_file():
        return [(path.resolve(), None)]
    if path.is_dir():
        found = sorted(
            manifest.parent.parent
            for manifest in path.resolve().rglob("manifest.json")
            if manifest.parent.name == ".shipspec" and not _hidden(manifest, path.resolve())
        )
        if found:
            return [(folder, None) for folder in found]
    owner = find_manifest(path)
    if owner is not None:
        relative = path.resolve().relative_to(owner[0]).parts
        return [(owner[0], relative[0] if relative else None)]
    raise UsageError(
        f"no compiled project under {path.as_posix()} (no .shipspec/manifest.json)",
        hint="run shipspec compile, then publish the output folder (default: generated)",
    )


def _hidden(manifest: Path, root: Path) -> bool:
    parts = manifest.relative_to(root).parts[:-2]
    return any(part.startswith(".") for part in parts)


def _selected(target: RepoTarget, only: tuple[str, ...]) -> bool:
    if not only:
        return True
    return any(target.key == item or target.key.startswith(item.rstrip("/") + "/") for item in only)


def _targets(project_dir: Path, only_repo: str | None) -> list[RepoTarget]:
    manifest = read_manifest(project_dir)
    assert manifest is not None
    manifest_sha = hashlib.sha256((project_dir / MANIFEST).read_bytes()).hexdigest()
    by_repo: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path, entry in sorted(manifest["files"].items()):
        repo, _, inner = path.partition("/")
        if inner and (only_repo is None or repo == only_repo):
            by_repo.setdefault(repo, []).append((inner, entry))
    tenant = str(manifest.get("tenant") or project_dir.parent.name)
    project = str(manifest.get("project") or project_dir.name)
    return [
        RepoTarget(
            tenant=tenant,
            project=project,
            name=repo,
            folder=project_dir / repo,
            config=_config(project_dir, repo),
            files=tuple(_desired(project_dir / repo, inner, entry) for inner, entry in entries),
            manifest_sha=manifest_sha,
            specs=dict(manifest.get("specs") or {}),
            version=str(manifest.get("shipspecVersion", "")),
        )
        for repo, entries in sorted(by_repo.items())
    ]


def _desired(repo_dir: Path, inner: str, entry: Mapping[str, Any]) -> DesiredFile:
    if any(part in ("", ".", "..") for part in PurePosixPath(inner).parts) or inner == LINEAGE_FILE:
        raise ShipspecError(f"the manifest lists {inner!r}, which publish may not write")
    path = repo_dir / inner
    try:
        data = path.read_bytes()
    except OSError:
        raise ShipspecError(
            f"{path.as_posix()} is listed in the manifest but cannot be read",
            hint="run shipspec compile to regenerate the output folder",
        ) from None
    sha = hashlib.sha256(data).hexdigest()
    if sha != entry.get("sha256"):
        raise ShipspecError(
            f"{path.as_posix()} differs from what the manifest recorded (edited by hand?)",
            hint="edit the spec, not generated files; run shipspec compile to restore it",
        )
    return DesiredFile(
        path=inner,
        data=data,
        sha256=sha,
        ownership=str(entry.get("ownership", "managed")),
        spec=str(entry.get("spec", "")),
        key_path=str(entry.get("keyPath", "")),
        template=str(entry.get("template", "")),
    )


def _config(project_dir: Path, repo: str) -> RepositoryConfig:
    """The repository's own declaration; never another repository's (none: no home)."""
    own = project_dir / repo / REPOSITORY_FILE
    if own.is_file():
        return _read_config(own, repo)
    return RepositoryConfig(name=repo, organization=None, project=None)


def _read_config(path: Path, repo: str) -> RepositoryConfig:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        policies = document.get("policies") or {}
        return RepositoryConfig(
            name=str(document.get("name") or repo),
            organization=document.get("organization"),
            project=document.get("project"),
            default_branch=str(document.get("defaultBranch") or "main"),
            policies=BranchPolicies(
                minimum_reviewers=int(policies.get("minimumReviewers", 0)),
                build_validation=bool(policies.get("buildValidation", False)),
                comment_resolution=bool(policies.get("commentResolution", False)),
            ),
            pushers=tuple(
                Pusher(str(p["identity"]), str(p["branch"])) for p in document.get("pushers") or ()
            ),
            readers=tuple(str(r) for r in document.get("readers") or ()),
            tag=str(document["tag"]) if document.get("tag") else None,
            module=str(document["module"]) if document.get("module") else None,
        )
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as error:
        raise ShipspecError(
            f"{path.as_posix()} cannot be read: {error}", hint="run shipspec compile"
        ) from None
