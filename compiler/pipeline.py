"""The stages of a shipspec run, in order, in one place.

`resolve_specs` runs discover -> load -> validate -> resolve and returns the
resolved estate or raises one SpecError holding every problem found (derived-name
problems included, so `validate` and `compile` agree).  `compile_specs` goes on:
select what changed -> plan -> render -> emit (or check).  Each stage is a plain
function; the pipeline records on the error which stage failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from compiler.emit import Drift, EmitSummary, ProjectOutput, check, emit, recover_all
from compiler.errors import ShipspecError, SpecError, UsageError
from compiler.incremental import Snapshot, record_code_set
from compiler.ir import ProjectPlan
from compiler.plan.build import plan_changes
from compiler.plan.select import Changes, select_changes
from compiler.resolve import Estate, resolve
from compiler.settings import Settings
from compiler.spec.cache import SpecCache, cache_folder, reader_salt, remember
from compiler.spec.load import LoadLimits, discover, load_files
from compiler.spec.validate import Spec, Trusted, validate_documents
from compiler.targets import TARGETS, Target
from compiler.workers import render_plans

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
    trusted = trusted | {
        (d.file, d.file_sha256) for d in loaded.documents if d.file in loaded.cached
    }
    sources, problems = run_stage(
        Stage.VALIDATE, lambda: validate_documents(loaded.documents, trusted)
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
    plans = run_stage(Stage.PLAN, lambda: plan_changes(changes, targets))
    outputs = run_stage(Stage.RENDER, lambda: render_plans(plans, settings.jobs, progress))
    outputs = sorted([*outputs, *retired(changes)], key=lambda o: (o.plan.tenant, o.plan.folder))
    files = sum(len(output.files) for output in outputs)
    if options.check:
        drifts = run_stage(Stage.CHECK, lambda: check(outputs, out, scope.selection))
        return CompileResult(len(outputs), files, drifts=tuple(drifts))
    summary = run_stage(Stage.EMIT, lambda: emit(outputs, out, scope.selection))
    if not scope.targets:
        record_code_set(out)
    return CompileResult(len(outputs), files, summary=summary, skipped=changes.skipped)


def snapshot(output: Path, *, recover: bool) -> Snapshot:
    """Finish any interrupted emit (never with --check), then read every manifest once."""
    if recover:
        recover_all(output)
    return Snapshot.read(output)


def spec_cache(output: Path, settings: Settings) -> SpecCache:
    """The parsed-spec cache beside the output folder (its entries depend on the load limits)."""
    salt = reader_salt((settings.max_file_bytes, settings.max_alias_nodes, LoadLimits().max_depth))
    return SpecCache(cache_folder(output), salt)


def retired(changes: Changes) -> list[ProjectOutput]:
    """Empty outputs for folders whose project left the specs, so emit removes their files."""
    return [ProjectOutput(ProjectPlan(t, folder, {}, ()), ()) for t, folder in changes.retired]


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
