"""Settings in layers: defaults < `[tool.shipspec]` in pyproject.toml < SHIPSPEC_* < flags.

Tokens never live here: they come from the environment at the moment they are used.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from compiler.errors import UsageError


@dataclass(frozen=True)
class Settings:
    specs: str = "specs"
    output: str = "generated"
    max_errors: int = 100
    max_file_bytes: int = 10 * 1024 * 1024
    max_alias_nodes: int = 100_000
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)


def load_settings(
    cwd: Path | None = None, env: Mapping[str, str] | None = None, **flags: Any
) -> Settings:
    """Resolve settings for a run; flags that are None leave the lower layers alone."""
    settings = Settings()
    settings = _apply(settings, _pyproject_table(cwd or Path.cwd()), "[tool.shipspec]")
    settings = _apply(settings, _environment(os.environ if env is None else env), "SHIPSPEC_*")
    return _apply(settings, {k: v for k, v in flags.items() if v is not None}, "command line")


def _pyproject_table(cwd: Path) -> dict[str, Any]:
    path = cwd / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"{path.name}: cannot read [tool.shipspec]: {error}") from None
    table = document.get("tool", {}).get("shipspec", {})
    return {key.replace("-", "_"): value for key, value in table.items()}


def _environment(env: Mapping[str, str]) -> dict[str, str]:
    names = {f.name for f in fields(Settings)}
    found = {}
    for key, value in env.items():
        if key.startswith("SHIPSPEC_") and key[9:].lower() in names:
            found[key[9:].lower()] = value
    return found


def _apply(settings: Settings, values: Mapping[str, Any], source: str) -> Settings:
    known = {f.name: f for f in fields(Settings)}
    changes = {}
    for key, value in values.items():
        if key not in known:
            if source == "[tool.shipspec]":
                raise UsageError(f"unknown setting `{key}` in {source}")
            continue
        changes[key] = _coerce(key, value, type(getattr(settings, key)), source)
    return replace(settings, **changes)


def _coerce(key: str, value: Any, kind: type, source: str) -> Any:
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise UsageError(
            f"setting `{key}` from {source} must be {kind.__name__}, got {value!r}"
        ) from None
