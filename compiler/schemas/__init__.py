"""The official JSON schemas the verifiers use, vendored unmodified as package data.

Each file is a byte-identical copy of its upstream (origin, commit and licence per
file in SOURCES.md beside this module: MIT or Apache-2.0, both allowing
redistribution).  They are read through importlib.resources, so an installed wheel
needs nothing outside its own package.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any


def schema_file(name: str) -> Traversable:
    """The vendored schema file `name` (e.g. ``"azure-pipelines.schema.json"``)."""
    return resources.files(__name__) / name


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed schema `name`, read once per process."""
    data: dict[str, Any] = json.loads(schema_file(name).read_text(encoding="utf-8"))
    return data
