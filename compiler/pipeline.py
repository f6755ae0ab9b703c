"""The stages of a shipspec run, in order, in one place.

`load_spec` runs discover -> load -> validate and returns the typed spec or raises
one SpecError holding every problem found.  Each stage is a plain function; the
pipeline records on the error which stage failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from compiler.errors import ShipspecError, SpecError
from compiler.settings import Settings
from compiler.spec.load import LoadLimits, discover, load_files
from compiler.spec.validate import Spec, validate_documents

T = TypeVar("T")


class Stage(StrEnum):
    DISCOVER = "discover"
    LOAD = "load"
    VALIDATE = "validate"


@contextmanager
def stage(name: Stage) -> Iterator[None]:
    try:
        yield
    except ShipspecError as error:
        error.stage = getattr(error, "stage", None) or name
        raise


def run_stage(name: Stage, function: Callable[[], T]) -> T:
    with stage(name):
        return function()


def load_spec(paths: Sequence[Path], settings: Settings | None = None) -> Spec:
    """Validate every spec under `paths`; raise SpecError listing all problems."""
    settings = settings or Settings()
    limits = LoadLimits(settings.max_file_bytes, settings.max_alias_nodes)
    files = run_stage(Stage.DISCOVER, lambda: discover(list(paths)))
    loaded = run_stage(Stage.LOAD, lambda: load_files(files, limits))
    sources, problems = run_stage(Stage.VALIDATE, lambda: validate_documents(loaded.documents))
    diagnostics = [*loaded.diagnostics, *problems]
    if diagnostics:
        error = SpecError(diagnostics)
        error.stage = Stage.LOAD if loaded.diagnostics else Stage.VALIDATE
        raise error
    return Spec(tuple(sources), tuple(name for _, name in files))
