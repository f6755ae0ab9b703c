"""Where the jinja2 templates live: inside the package in a wheel, beside it in a checkout.

The source tree keeps `templates/` at the top of the repository (one folder per
target family); the wheel carries the same folder as `compiler/templates/`
(hatchling `force-include` in pyproject.toml).  Everything that reads templates —
the render environments, the code-set hash of incremental compiles — asks here,
and names a template by its path below this root, so a wheel and a checkout give
the same names, hashes and output.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

PACKAGED = "templates"
"""The folder name of the templates inside the installed package."""


@functools.cache
def templates_root() -> Path:
    """The folder holding one sub-folder of templates per target family."""
    packaged = resources.files("compiler") / PACKAGED
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(str(resources.files("compiler"))).parent / "templates"
