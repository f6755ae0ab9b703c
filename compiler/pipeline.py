"""The stages of a shipspec run, in order, in one place.

`load_spec` runs discover -> load -> validate and returns the typed spec or raises
one SpecError holding every problem found.  Each stage is a plain function; the
pipeline records on the error which stage failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from compiler.emit import (
    Drift,
    EmitSummary,
    ProjectOutput,
    RenderedFile,
    check,
    emit,
    files_present,
    previous_hashes,
    recover_all,
    retired_folders,
    trusted_specs,
)
from compiler.errors import ShipspecError, SpecError, UsageError
from compiler.incremental import project_fingerprint, tenant_fingerprint
from compiler.ir import Plan, ProjectPlan
from compiler.plan.naming import TENANT_FOLDER
from compiler.render import check_parses, render_file
from compiler.settings import Settings
from compiler.spec.load import LoadLimits, discover, load_files
from compiler.spec.validate import Spec, Trusted, validate_documents
from compiler.workers import Job, render_projects, render_tenant

T = TypeVar("T")


class Stage(StrEnum):
    DISCOVER = "discover"
    LOAD = "load"
    VALIDATE = "validate"
    PLAN = "plan"
    RENDER = "render"
    EMIT = "emit"


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
) -> Spec:
    """Validate every spec under `paths`; raise SpecError listing all problems.

    File names are shown relative to `base` (default: the current folder).
    """
    settings = settings or Settings()
    limits = LoadLimits(settings.max_file_bytes, settings.max_alias_nodes)
    files = run_stage(Stage.DISCOVER, lambda: discover(list(paths), cwd=base))
    loaded = run_stage(Stage.LOAD, lambda: load_files(files, limits))
    sources, problems = run_stage(
        Stage.VALIDATE, lambda: validate_documents(loaded.documents, trusted)
    )
    diagnostics = [*loaded.diagnostics, *problems]
    if diagnostics:
        error = SpecError(diagnostics)
        error.stage = Stage.LOAD if loaded.diagnostics else Stage.VALIDATE
        raise error
    return Spec(tuple(sources), tuple(name for _, name in files))


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
    options: CompileOptions, settings: Settings | None = None, progress: Progress | None = None
) -> CompileResult:
    """Specs in, generated tree out (or, with `check`, the list of differences).

    Spec files are named relative to the folder that holds the output folder (the
    platform repository), so the manifest is the same whatever the current folder.
    A project whose fingerprint matches its manifest is neither planned nor rendered
    (except with `check`, which compares every file).
    """
    settings = settings or Settings()
    if not options.check:
        run_stage(Stage.EMIT, lambda: recover_all(options.output))
    trusted = trusted_specs(options.output)
    spec = load_spec(options.paths, settings, base=options.output.resolve().parent, trusted=trusted)
    scope = run_stage(Stage.PLAN, lambda: Scope.parse(options.only, spec))
    chosen = scope.projects(spec)
    outputs = run_stage(
        Stage.RENDER, lambda: render_outputs(chosen, options, settings.jobs, progress, scope)
    )
    files = sum(len(output.files) for output in outputs)
    if options.check:
        drifts = run_stage(Stage.EMIT, lambda: check(outputs, options.output, scope.selection))
        return CompileResult(len(outputs), files, drifts=tuple(drifts))
    summary = run_stage(Stage.EMIT, lambda: emit(outputs, options.output, scope.selection))
    rendered = {(o.plan.tenant, o.plan.folder) for o in outputs}
    skipped = sum((p.tenant, p.name) not in rendered for p in chosen.projects)
    return CompileResult(len(outputs), files, summary=summary, skipped=skipped)


def render_outputs(
    spec: Spec, options: CompileOptions, jobs: int, progress: Progress | None, scope: Scope
) -> list[ProjectOutput]:
    """The rendered output of every project (and tenant folder) that may have changed."""
    force = options.check or bool(scope.targets)
    fingerprints = {(s.tenant, s.name): project_fingerprint(s) for s in spec.projects}
    project_jobs = []
    for source in spec.projects:
        key = (source.tenant, source.name)
        recorded, hashes = previous_hashes(options.output, *key)
        if force or not _up_to_date(options.output, key, fingerprints[key], recorded, hashes):
            project_jobs.append(Job(source, fingerprints[key], hashes))
    outputs = render_projects(project_jobs, jobs, progress)
    if scope.targets:  # tenant folders hold no module's files: nothing of them is in scope
        return sorted(outputs, key=lambda output: (output.plan.tenant, output.plan.folder))
    for tenant in spec.tenants:
        sources = [source for source in spec.projects if source.tenant == tenant]
        expected = tenant_fingerprint(fingerprints[(s.tenant, s.name)] for s in sources)
        key = (tenant, TENANT_FOLDER)
        recorded, hashes = previous_hashes(options.output, *key)
        if options.check or not _up_to_date(options.output, key, expected, recorded, hashes):
            output = render_tenant(tenant, sources, expected, hashes)
            if output.files:
                outputs.append(output)
    outputs += retired_outputs(spec, options.output)
    return sorted(outputs, key=lambda output: (output.plan.tenant, output.plan.folder))


def _up_to_date(
    output_root: Path,
    key: tuple[str, str],
    fingerprint: str,
    recorded: str,
    hashes: Mapping[str, str],
) -> bool:
    """The manifest records this fingerprint and every file it owns is still on disk.

    Hand edits inside files are not looked for here (that would mean reading every
    file); `compile --check` finds them by comparing bytes.
    """
    return recorded == fingerprint and files_present(output_root, *key, hashes)


def retired_outputs(spec: Spec, output_root: Path) -> list[ProjectOutput]:
    """Empty outputs for folders whose project left the specs, so emit removes their files."""
    compiled = {(p.tenant, p.name) for p in spec.projects}
    compiled |= {(tenant, TENANT_FOLDER) for tenant in spec.tenants}
    base = output_root.resolve().parent
    retired = retired_folders(output_root, compiled, set(spec.files), base)
    return [ProjectOutput(ProjectPlan(tenant, folder, {}, ()), ()) for tenant, folder in retired]


def render_plan(planned: Plan) -> list[ProjectOutput]:
    """Render a whole plan in this process, every file parsed back (for tools and tests)."""
    outputs = []
    for project in planned.projects:
        rendered = []
        for file in project.files:
            data = render_file(file)
            check_parses(file, data.decode("utf-8"))
            rendered.append(RenderedFile(file, data))
        outputs.append(ProjectOutput(project, tuple(rendered)))
    return outputs


@dataclass(frozen=True)
class Scope:
    """What `--only tenant/project[/module]` selects: whole projects, or one module's repository."""

    targets: tuple[tuple[str, str, str | None], ...]
    """(tenant, project, repository or None for the whole project)"""

    @classmethod
    def parse(cls, only: Sequence[str], spec: Spec) -> Scope:
        targets = []
        for value in only:
            parts = value.strip("/").split("/")
            if len(parts) not in (2, 3):
                raise UsageError(
                    f"--only {value!r}: expected TENANT/PROJECT or TENANT/PROJECT/MODULE"
                )
            source = spec.find_project(parts[0], parts[1])
            if source is None:
                raise UsageError(f"--only {value!r}: no project {parts[0]}/{parts[1]} in the specs")
            repositories = {m.name: m.repository_name for m in source.model.spec.modules}
            module = parts[2] if len(parts) == 3 else None
            if module and module not in repositories:
                raise UsageError(
                    f"--only {value!r}: project {parts[0]}/{parts[1]} has no module {module}"
                )
            targets.append((parts[0], parts[1], repositories[module] if module else None))
        return cls(tuple(targets))

    def projects(self, spec: Spec) -> Spec:
        if not self.targets:
            return spec
        wanted = {(tenant, project) for tenant, project, _ in self.targets}
        return replace(
            spec, projects=tuple(p for p in spec.projects if (p.tenant, p.name) in wanted)
        )

    def selection(self, root: str, path: str) -> bool:
        """Whether `path` (inside project folder `root`) is in scope."""
        chosen = [repo for tenant, project, repo in self.targets if f"{tenant}/{project}" == root]
        if not self.targets or None in chosen:
            return True
        return path.split("/", 1)[0] in chosen
