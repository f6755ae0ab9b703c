"""Render in worker processes, one folder at a time, with byte-identical results.

Workers are forked after the plan is made and every template is compiled, so
they start warm and share nothing they could disagree on.  Each returns its
folder's rendered files; the parent keeps the input order, so the output is the
same for any number of workers.  Where `fork` is unavailable, work runs in-process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
from collections.abc import Callable, Mapping, Sequence

from compiler.emit import ProjectOutput, RenderedFile
from compiler.ir import Plan, ProjectPlan
from compiler.plan.build import Planned
from compiler.render import check_parses, needs_parse_back, render_file, warm_templates

Progress = Callable[[int], None]

_JOBS: Sequence[Planned] = ()


def render_plans(
    jobs: Sequence[Planned], workers: int, progress: Progress | None = None
) -> list[ProjectOutput]:
    """Render every planned folder (in parallel when `workers` > 1), in input order."""
    global _JOBS
    if workers <= 1 or len(jobs) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_advance(render_job(job), progress) for job in jobs]
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
    return render_job(_JOBS[index])


def _advance(output: ProjectOutput, progress: Progress | None) -> ProjectOutput:
    if progress:
        progress(len(output.files))
    return output


def render_job(job: Planned) -> ProjectOutput:
    output = render_planned(job.plan, job.previous)
    return dataclasses.replace(output, fingerprint=job.fingerprint, modules=job.modules)


def render_planned(
    planned: ProjectPlan, previous: Mapping[str, str], *, check_all: bool = False
) -> ProjectOutput:
    """Render every file; parse back those that no serializer wrote and whose bytes differ
    from the previous output.

    Contexts are dropped from the result: they are not needed after rendering and
    would only cost time crossing the process boundary.
    """
    rendered = []
    for file in planned.files:
        data = render_file(file)
        changed = previous.get(file.path) != hashlib.sha256(data).hexdigest()
        if check_all or (changed and needs_parse_back(file)):
            check_parses(file, data.decode("utf-8"))
        rendered.append(RenderedFile(dataclasses.replace(file, context={}), data))
    light = dataclasses.replace(planned, files=tuple(r.planned for r in rendered))
    return ProjectOutput(light, tuple(rendered))


def render_plan(planned: Plan) -> list[ProjectOutput]:
    """Render a whole plan in this process, every file parsed back (for tools and tests)."""
    return [render_planned(project, {}, check_all=True) for project in planned.projects]
