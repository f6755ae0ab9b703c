"""The two sides a review compares: the platform repository at the pull request's target
branch (base) and as the pull request leaves it (head).

Each side is what shipspec already recorded: the specs (resolved, for what each
environment runs) and the manifests (every generated file with its sha256 and
template).  Nothing is compiled or rendered: a review costs a git read and a spec load.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from compiler.errors import ExternalError, SpecError, UsageError
from compiler.resolve import Estate, Project
from compiler.settings import Settings

MANIFEST = ".shipspec/manifest.json"


@dataclass(frozen=True)
class Side:
    """One side of the review: projects by (tenant, project) and their manifests."""

    projects: dict[tuple[str, str], Project] = field(default_factory=dict)
    manifests: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    problem: str = ""
    """Why this side could not be read in full (e.g. its specs did not validate)."""


def read_folder(specs: Path, output: Path, *, strict: bool = True) -> Side:
    """A side from folders on disk: invalid specs raise when `strict`, else are noted."""
    manifests = {}
    for path in sorted(output.glob(f"*/*/{MANIFEST}")):
        document = json.loads(path.read_text(encoding="utf-8"))
        manifests[(document["tenant"], document["project"])] = document["files"]
    if not specs.exists():
        return Side({}, manifests)
    try:
        projects = _projects(specs)
    except SpecError as error:
        if strict:
            raise
        return Side(
            {}, manifests, f"its specs do not validate ({len(error.diagnostics)} problem(s))"
        )
    return Side(projects, manifests)


def read_ref(ref: str, specs: Path, output: Path) -> Side:
    """A side from a Git ref of the platform repository, without touching the checkout."""
    import git

    repo = _repository(specs)
    top = Path(repo.working_tree_dir or ".").resolve()
    folders = [_inside(top, specs), _inside(top, output)]
    try:
        names = repo.git.ls_tree("-r", "--name-only", ref, "--", *folders).splitlines()
        with tempfile.TemporaryDirectory(prefix="shipspec-review-") as scratch:
            for name in names:
                if _wanted(name, folders[0]):
                    _copy(repo, ref, name, Path(scratch))
            return read_folder(Path(scratch, folders[0]), Path(scratch, folders[1]), strict=False)
    except git.GitError as error:
        raise ExternalError(
            f"cannot read {ref!r} from the platform repository: {str(error).strip()}",
            hint="fetch the target branch first (a pipeline checkout with fetchDepth: 0 has it)",
        ) from None


def _repository(folder: Path):  # type: ignore[no-untyped-def]
    import git

    try:
        return git.Repo(folder if folder.exists() else Path(), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UsageError(
            f"{folder.as_posix()} is not inside a Git repository",
            hint="run review in a checkout of the platform repository",
        ) from None


def _inside(top: Path, folder: Path) -> str:
    try:
        return folder.resolve().relative_to(top).as_posix()
    except ValueError:
        raise UsageError(
            f"{folder.as_posix()} is outside the platform repository {top.as_posix()}"
        ) from None


def _wanted(name: str, specs: str) -> bool:
    if name.endswith(MANIFEST):
        return True
    return name.startswith(f"{specs}/") and name.endswith((".yaml", ".yml"))


def _copy(repo: Any, ref: str, name: str, scratch: Path) -> None:
    target = scratch.joinpath(*PurePosixPath(name).parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(repo.git.show(f"{ref}:{name}", stdout_as_string=False))


def _projects(specs: Path) -> dict[tuple[str, str], Project]:
    from compiler.pipeline import resolve_specs

    estate: Estate = resolve_specs((specs,), Settings(), base=specs.parent)
    return {(p.tenant, p.name): p for p in estate.projects}
