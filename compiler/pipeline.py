"""The stages of a shipspec run, in order, in one place.

`resolve_specs` runs discover -> load -> validate -> resolve and returns the
resolved estate or raises one SpecError holding every problem found (derived-name
problems included, so `validate` and `compile` agree).  `compile_specs` goes on:
select what changed -> plan -> render -> emit (or check).  Each stage is a plain
function; the pipeline records on the error which stage failed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from compiler.drift import Drift, folder_drifts
from compiler.emit import EmitSummary, ProjectOutput, Selection, recover_all
from compiler.errors import ShipspecError, SpecError, UsageError
from compiler.incremental import Snapshot, previous_of, record_code_set
from compiler.plan.build import FolderJob, Planned, folder_jobs, plan_job
from compiler.plan.select import select_changes
from compiler.resolve import Estate, resolve
from compiler.settings import Settings
from compiler.spec.cache import SpecCache, cache_folder, reader_salt, remember
from compiler.spec.discover import discover
from compiler.spec.limits import LoadLimits
from compiler.spec.load import load_files
from compiler.spec.validate import Spec, Trusted, validate_documents
from compiler.staging import Staged, discard, finish, stage_folder
from compiler.targets import TARGETS, Target
from compiler.workers import render_planned, run_folders

T = TypeVar("T")


class Stage(StrEnum):
    SNAPSHOT = "snapshot"
    DISCOVER = "discover"
    LOAD = "load"
    VALIDATE = "validate"
    RESOLVE = "resolve"
    SELECT = "select"
    PLAN = "plan"
    RENDER = "render"
    EMIT = "emit"
    CHECK = "check"


def run_stage(name: Stage, function: Callable[[], T]) -> T:
    """Run one stage; an error leaving it records the stage's name (shown in JSON reports)."""
    try:
        return function()
    except ShipspecError as error:
        error.stage = error.stage or name
        raise


def load_spec(
    paths: Sequence[Path],
    settings: Settings | None = None,
    base: Path | None = None,
    trusted: Trusted = frozenset(),
    cache: SpecCache | None = None,
) -> Spec:
    """Validate every spec under `paths`; raise SpecError listing all problems.

    File names are shown relative to `base` (default: the current folder).  With a
    `cache`, files whose bytes passed before are not parsed again (compiler.spec.cache).
    """
    settings = settings or Settings()
    limits = LoadLimits(settings.max_file_bytes, settings.max_alias_nodes)
    files = run_stage(Stage.DISCOVER, lambda: discover(list(paths), cwd=base))
    loaded = run_stage(Stage.LOAD, lambda: load_files(files, limits, cache))
    sources, problems = run_stage(
        Stage.VALIDATE, lambda: validate_documents(loaded.documents, trusted, loaded.cached)
    )
    diagnostics = [*loaded.diagnostics, *problems]
    if cache is not None:
        flagged = {d.span.file for d in diagnostics}
        remember(cache, loaded.documents, loaded.cached, flagged)
    if diagnostics:
        error = SpecError(diagnostics)
        error.stage = Stage.LOAD if loaded.diagnostics else Stage.VALIDATE
        raise error
    return Spec(tuple(sources), tuple(name for _, name in files))


def resolve_specs(
    paths: Sequence[Path],
    settings: Settings | None = None,
    base: Path | None = None,
    trusted: Trusted = frozenset(),
    cache: SpecCache | None = None,
) -> Estate:
    """`load_spec`, then resolve: every derived fact once, every derived-name problem reported."""
    spec = load_spec(paths, settings, base, trusted, cache)
    estate, problems = run_stage(Stage.RESOLVE, lambda: resolve(spec))
    if problems:
        error = SpecError(problems)
        error.stage = Stage.RESOLVE
        raise error
    return estate


# --- compile -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompileOptions:
    paths: tuple[Path, ...]
    output: Path
    check: bool = False
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompileResult:
    projects: int
    files: int
    summary: EmitSummary | None = None
    drifts: tuple[Drift, ...] = ()
    skipped: int = 0
    """Projects whose fingerprint matched their manifest: neither planned nor rendered."""


Progress = Callable[[int], None]


def compile_specs(
    options: CompileOptions,
    settings: Settings | None = None,
    progress: Progress | None = None,
    targets: Mapping[str, Target] = TARGETS,
) -> CompileResult:
    """Specs in, generated tree out (or, with `check`, the list of differences).

    Spec files are named relative to the folder that holds the output folder (the
    platform repository), so the manifest is the same whatever the current folder.
    """
    settings = settings or Settings()
    out = options.output
    previous = run_stage(Stage.SNAPSHOT, lambda: snapshot(out, recover=not options.check))
    cache = spec_cache(out, settings)
    estate = resolve_specs(options.paths, settings, out.resolve().parent, previous.trusted, cache)
    scope = run_stage(Stage.SELECT, lambda: Scope.parse(options.only, estate))
    changes = run_stage(Stage.SELECT, lambda: select_changes(estate, scope, previous, options))
    jobs = run_stage(Stage.PLAN, lambda: folder_jobs(changes))
    work = FolderWork(out, scope.selection, targets, previous, options.check, os.getpid())
    built = run_stage(
        Stage.RENDER,
        lambda: run_folders(jobs, work.build, settings.jobs, _advance(progress), discard_built),
    )
    built = [folder for folder in built if folder.planned]
    files = sum(folder.files for folder in built)
    if options.check:
        drifts = run_stage(Stage.CHECK, lambda: [d for folder in built for d in folder.drifts])
        return CompileResult(len(built), files, drifts=tuple(drifts), skipped=changes.skipped)
    summary = run_stage(Stage.EMIT, lambda: finish([f.staged for f in built if f.staged]))
    if not scope.targets:
        record_code_set(out)
    return CompileResult(len(built), files, summary=summary, skipped=changes.skipped)


@dataclass(frozen=True)
class Built:
    """What one folder's stages leave for the parent: staged changes, or its differences."""

    files: int = 0
    planned: bool = True
    staged: Staged | None = None
    drifts: tuple[Drift, ...] = ()


@dataclass(frozen=True)
class FolderWork:
    """What every folder's stages read; forked workers inherit it (nothing is sent to them)."""

    out: Path
    selection: Selection
    targets: Mapping[str, Target]
    previous: Snapshot
    check: bool
    tag: int
    """The run's staging-file tag (the parent's pid), whichever process stages."""

    def build(self, job: FolderJob) -> Built:
        """One folder, where it runs (a worker): plan -> render -> stage its files (or check)."""
        planned = run_stage(Stage.PLAN, lambda: plan_job(job, self.targets))
        if planned is None:
            return Built(planned=False)
        old = self.previous.document((job.tenant, job.folder)) or {"files": {}}
        output = run_stage(Stage.RENDER, lambda: render_job(planned, previous_of(old).hashes))
        if self.check:
            check = lambda: folder_drifts(output, self.out, self.selection, old)  # noqa: E731
            return Built(len(output.files), drifts=tuple(run_stage(Stage.CHECK, check)))
        stage = lambda: stage_folder(output, self.out, self.selection, old, self.tag)  # noqa: E731
        return Built(len(output.files), staged=run_stage(Stage.EMIT, stage))


def render_job(planned: Planned, previous: Mapping[str, str]) -> ProjectOutput:
    """Render (files whose bytes match `previous` are not parsed back) and name the lineage."""
    output = render_planned(planned.plan, previous)
    return replace(output, fingerprint=planned.fingerprint, modules=planned.modules)


def discard_built(built: list[Built]) -> None:
    """Remove what the folders of a failed run staged (nothing of it was committed)."""
    discard([folder.staged for folder in built if folder.staged])


def _advance(progress: Progress | None) -> Callable[[Built], None] | None:
    return (lambda folder: progress(folder.files)) if progress else None


def snapshot(output: Path, *, recover: bool) -> Snapshot:
    """Finish any interrupted emit (never with --check), then read every manifest once."""
    if recover:
        recover_all(output)
    return Snapshot.read(output)


def spec_cache(output: Path, settings: Settings) -> SpecCache:
    """The parsed-spec cache beside the output folder (its entries depend on the load limits)."""
    salt = reader_salt((settings.max_file_bytes, settings.max_alias_nodes, LoadLimits().max_depth))
    return SpecCache(cache_folder(output), salt)


@dataclass(frozen=True)
class Scope:
    """What `--only tenant/project[/module]` selects: whole projects, or one module's repository."""

    targets: tuple[tuple[str, str, str | None], ...]
    """(tenant, project, repository or None for the whole project)"""

    @classmethod
    def parse(cls, only: Sequence[str], estate: Estate) -> Scope:
        return cls(tuple(_only_target(value, estate) for value in only))

    def projects(self, estate: Estate) -> Estate:
        if not self.targets:
            return estate
        wanted = {(tenant, project) for tenant, project, _ in self.targets}
        return replace(
            estate, projects=tuple(p for p in estate.projects if (p.tenant, p.name) in wanted)
        )

    def selection(self, root: str, path: str) -> bool:
        """Whether `path` (inside project folder `root`) is in scope."""
        chosen = [repo for tenant, project, repo in self.targets if f"{tenant}/{project}" == root]
        if not self.targets or None in chosen:
            return True
        return path.split("/", 1)[0] in chosen


def _only_target(value: str, estate: Estate) -> tuple[str, str, str | None]:
    parts = value.strip("/").split("/")
    if len(parts) not in (2, 3):
        raise UsageError(f"--only {value!r}: expected TENANT/PROJECT or TENANT/PROJECT/MODULE")
    project = estate.find(parts[0], parts[1])
    if project is None:
        raise UsageError(f"--only {value!r}: no project {parts[0]}/{parts[1]} in the specs")
    repositories = {m.name: m.repository for m in project.modules}
    module = parts[2] if len(parts) == 3 else None
    if module and module not in repositories:
        raise UsageError(f"--only {value!r}: project {parts[0]}/{parts[1]} has no module {module}")
    return parts[0], parts[1], repositories[module] if module else None
