"""Run one task per folder in worker processes, with byte-identical results for any count.

Workers are forked once every template is compiled and the run's inputs are in memory,
so they start warm and read the same estate, snapshot and settings as the parent (nothing
is sent to them but an index).  Each task builds its folder to the end — plan, render,
parse-back, staging — and returns a small result; the parent keeps the input order, so
the output is the same for any number of workers.  Where `fork` is unavailable, tasks run
in-process.

A failing task (or Ctrl-C, which only the parent receives) stops the tasks not yet
started; the parent waits for those under way, then hands every result to `discard`
(which removes what they staged) and raises the first error.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from compiler.emit import ProjectOutput, RenderedFile
from compiler.ir import Plan, ProjectPlan
from compiler.render import check_parses, needs_parse_back, render_file, warm_templates

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class _Run(Generic[T, R]):
    items: Sequence[T]
    task: Callable[[T], R]
    stop: Any


_RUN: _Run[Any, Any] | None = None


@dataclass(frozen=True)
class _Outcome(Generic[R]):
    result: R | None = None
    error: BaseException | None = None
    skipped: bool = False


def run_folders(
    items: Sequence[T],
    task: Callable[[T], R],
    workers: int,
    progress: Callable[[R], None] | None = None,
    discard: Callable[[list[R]], None] | None = None,
) -> list[R]:
    """`task` on every item (in forked workers when `workers` > 1), results in input order."""
    if workers <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _in_process(items, task, progress, discard)
    return _in_workers(items, task, min(workers, len(items)), progress, discard)


def _in_process(
    items: Sequence[T],
    task: Callable[[T], R],
    progress: Callable[[R], None] | None,
    discard: Callable[[list[R]], None] | None,
) -> list[R]:
    results: list[R] = []
    try:
        for item in items:
            results.append(task(item))
            if progress:
                progress(results[-1])
    except BaseException:
        if discard:
            discard(results)
        raise
    return results


def _in_workers(
    items: Sequence[T],
    task: Callable[[T], R],
    workers: int,
    progress: Callable[[R], None] | None,
    discard: Callable[[list[R]], None] | None,
) -> list[R]:
    global _RUN
    warm_templates()
    context = multiprocessing.get_context("fork")
    _RUN = _Run(items, task, context.Event())
    results: list[R] = []
    failure: BaseException | None = None
    try:
        with context.Pool(workers, initializer=_ignore_interrupts) as pool:
            outcomes = pool.imap(_run_index, range(len(items)))
            failure = _collect(outcomes, results, progress, _RUN.stop)
    finally:
        _RUN = None
    if failure is not None:
        if discard:
            discard(results)
        raise failure
    return results


def _collect(
    outcomes: Any, results: list[R], progress: Callable[[R], None] | None, stop: Any
) -> BaseException | None:
    """Gather every outcome; after the first failure or Ctrl-C, stop and keep draining."""
    failure: BaseException | None = None
    while True:
        try:
            outcome = next(outcomes)
        except StopIteration:
            return failure
        except BaseException as error:  # Ctrl-C in the parent while waiting
            stop.set()
            failure = failure or error
            continue
        if outcome.error is not None:
            stop.set()
            failure = failure or outcome.error
        if outcome.result is not None:
            results.append(outcome.result)
            if progress and failure is None:
                progress(outcome.result)


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_index(index: int) -> _Outcome[Any]:
    assert _RUN is not None
    if _RUN.stop.is_set():
        return _Outcome(skipped=True)
    try:
        return _Outcome(_RUN.task(_RUN.items[index]))
    except BaseException as error:  # reported by the parent, which owns the exit
        return _Outcome(error=error)


# --- rendering one folder ------------------------------------------------------------------------


def render_planned(
    planned: ProjectPlan, previous: Mapping[str, str], *, check_all: bool = False
) -> ProjectOutput:
    """Render every file; parse back those that no serializer wrote and whose bytes differ
    from the previous output."""
    rendered = []
    for file in planned.files:
        data = render_file(file)
        digest = hashlib.sha256(data).hexdigest()
        if check_all or (previous.get(file.path) != digest and needs_parse_back(file)):
            check_parses(file, data.decode("utf-8"))
        rendered.append(RenderedFile(file, data, digest))
    return ProjectOutput(planned, tuple(rendered))


def render_plan(planned: Plan) -> list[ProjectOutput]:
    """Render a whole plan in this process, every file parsed back (for tools and tests)."""
    return [render_planned(project, {}, check_all=True) for project in planned.projects]
