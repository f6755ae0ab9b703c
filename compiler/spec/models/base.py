"""What every spec model shares: immutable, closed to unknown keys, and never null."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class SpecModel(BaseModel):
    """Base for every spec model: immutable, closed to unknown keys, and never null.

    `ingress:` with nothing after it reads as null; it is refused (as the schema
    does) rather than silently meaning "use the default".
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            empty = sorted(key for key, value in data.items() if value is None)
            if empty:
                raise ValueError(f"`{empty[0]}` has no value; give it one or remove the key")
        return data
