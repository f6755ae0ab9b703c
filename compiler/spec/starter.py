"""The starter spec that `shipspec init` writes."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from string import Template

from compiler.errors import UsageError
from compiler.spec.types import SLUG_PATTERN


def starter_text(tenant: str, project: str, schema_ref: str = "schema/shipspec.schema.json") -> str:
    for label, value in (("tenant", tenant), ("project", project)):
        if not re.fullmatch(SLUG_PATTERN, value):
            raise UsageError(
                f"{label} {value!r} is not a valid name",
                hint="use 1-40 lowercase letters, digits or hyphens, starting with a letter",
            )
    template = resources.files("compiler.spec").joinpath("starter.yaml").read_text(encoding="utf-8")
    return Template(template).substitute(
        tenant=tenant,
        project=project,
        registry=f"{tenant.replace('-', '')[:40]}acr.azurecr.io",
        vault=re.sub("-+", "-", f"kv-{tenant}")[:24].rstrip("-"),
        schema=schema_ref,
        module=f"{project[:36].rstrip('-')}-api",
    )


def write_starter(tenant: str, project: str, target: Path) -> None:
    """Write the starter spec to `target`, refusing to replace anything that exists."""
    schema_ref = os.path.relpath(
        Path.cwd() / "schema" / "shipspec.schema.json", target.parent.resolve()
    )
    text = starter_text(tenant, project, Path(schema_ref).as_posix())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(
            f"{target.as_posix()} already exists; not overwriting it",
            hint="choose another path with -o",
        ) from None
    except OSError as error:
        raise UsageError(f"cannot write {target.as_posix()}: {error.strerror or error}") from None
