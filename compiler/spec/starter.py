"""The starter spec that `shipspec init` writes."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template

from compiler.errors import UsageError
from compiler.spec.models import SLUG_PATTERN


def starter_text(tenant: str, project: str) -> str:
    for label, value in (("tenant", tenant), ("project", project)):
        if not re.match(SLUG_PATTERN, value):
            raise UsageError(
                f"{label} {value!r} is not a valid name",
                hint="use 1-40 lowercase letters, digits or hyphens, starting with a letter",
            )
    template = resources.files("compiler.spec").joinpath("starter.yaml").read_text(encoding="utf-8")
    return Template(template).substitute(
        tenant=tenant,
        project=project,
        registry=f"{tenant.replace('-', '')[:40]}acr.azurecr.io",
        vault=f"kv-{tenant}"[:24].rstrip("-"),
        module=f"{project[:36].rstrip('-')}-api",
    )


def write_starter(tenant: str, project: str, target: Path) -> None:
    """Write the starter spec to `target`, refusing to replace anything that exists."""
    text = starter_text(tenant, project)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(
            f"{target.as_posix()} already exists; not overwriting it",
            hint="choose another path with -o",
        ) from None
