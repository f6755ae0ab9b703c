"""Plan and render in worker processes, one project at a time, with byte-identical results.

Workers are forked after the spec is validated and every template is compiled,
so they start warm and share nothing they could disagree on.  Each returns its
project's rendered files; the parent keeps the input order, so the output is the
same for any number of workers.  Where `fork` is unavailable, work runs in-process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from compiler.emit import ProjectOutput, RenderedFile
from compiler.incremental import module_fingerprints
from compiler.ir import ProjectPlan
from compiler.plan.build import plan_project, plan_tenant
from compiler.plan.context import ProjectContext
from compiler.render import check_parses, render_file, warm_templates
from compiler.spec.source import ProjectSource
from compiler.targets import TARGETS

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Job:
    """One project to plan and render: its fingerprint, and the hashes its previous output had."""

    source: ProjectSource
    fingerprint: str
    previous: Mapping[str, str]


_JOBS: Sequence[Job] = ()


def render_projects(
    jobs: Sequence[Job], workers: int, progress: Progress | None = None
) -> list[ProjectOutput]:
    """Plan and render every job (in parallel when `workers` > 1), in input order."""
    global _JOBS
    if workers <= 1 or len(jobs) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_advance(run_job(job), progress) for job in jobs]
    warm_templates()
    _JOBS = jobs
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            return [
                _advance(output, progress) for output in pool.imap(_run_index, range(len(jobs)))
            ]
    finally:
        _JOBS = ()


def _run_index(index: int) -> ProjectOutput:
    return run_job(_JOBS[index])


def _advance(output: ProjectOutput, progress: Progress | None) -> ProjectOutput:
    if progress:
        progress(len(output.files))
    return output


def run_job(job: Job) -> ProjectOutput:
    planned = plan_project(ProjectContext.of(job.source), TARGETS)
    output = render_planned(planned, job.previous)
    return dataclasses.replace(
        output, fingerprint=job.fingerprint, modules=module_fingerprints(job.source)
    )


def render_tenant(
    tenant: str, sources: Sequence[ProjectSource], fingerprint: str, previous: Mapping[str, str]
) -> ProjectOutput:
    contexts = [ProjectContext.of(source) for source in sources]
    output = render_planned(plan_tenant(tenant, contexts, TARGETS), previous)
    return dataclasses.replace(output, fingerprint=fingerprint)


def render_planned(planned: ProjectPlan, previous: Mapping[str, str]) -> ProjectOutput:
    """Render every file; parse back only those whose bytes differ from the previous output.

    Contexts are dropped from the result: they are not needed after rendering and
    would only cost time crossing the process boundary.
    """
    rendered = []
    for file in planned.files:
        data = render_file(file)
        if previous.get(file.path) != hashlib.sha256(data).hexdigest():
            check_parses(file, data.decode("utf-8"))
        rendered.append(RenderedFile(dataclasses.replace(file, context={}), data))
    light = dataclasses.replace(planned, files=tuple(r.planned for r in rendered))
    return ProjectOutput(light, tuple(rendered))
