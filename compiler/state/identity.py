"""Who is acting: the identity comes from the environment the command runs in.

Order: ``SHIPSPEC_ACTOR``, then Azure Pipelines' ``BUILD_REQUESTEDFOREMAIL`` and
``BUILD_REQUESTEDFOR``, then the operating-system user.  ``--as`` (tests and admins)
names someone else; the row then records both that name and the real identity, and
the source says ``override``.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass

from compiler.errors import UsageError

SOURCES = ("SHIPSPEC_ACTOR", "BUILD_REQUESTEDFOREMAIL", "BUILD_REQUESTEDFOR")


@dataclass(frozen=True)
class Actor:
    """The identity a row is attributed to, how it was found, and who really acted."""

    name: str
    source: str
    real: str

    @property
    def overridden(self) -> bool:
        return self.name != self.real or self.source.startswith("override")


def normalise(name: str) -> str:
    """Identities compare case-insensitively and without surrounding blanks.

    >>> normalise("  Alice@Contoso.com ")
    'alice@contoso.com'
    """
    return name.strip().casefold()


def resolve_actor(override: str | None = None, environ: Mapping[str, str] | None = None) -> Actor:
    """The acting identity; ``override`` is the ``--as`` flag."""
    real_name, real_source = _from_environment(os.environ if environ is None else environ)
    if override is None:
        return Actor(name=real_name, source=real_source, real=real_name)
    name = normalise(override)
    if not name:
        raise UsageError("--as needs a non-empty identity")
    return Actor(name=name, source=f"override(--as, by {real_name})", real=real_name)


def _from_environment(environ: Mapping[str, str]) -> tuple[str, str]:
    for variable in SOURCES:
        value = normalise(environ.get(variable, ""))
        if value:
            return value, f"env:{variable}"
    try:
        return normalise(getpass.getuser()), "os-user"
    except (KeyError, OSError) as error:
        raise UsageError(
            "cannot tell who is acting", hint="set SHIPSPEC_ACTOR to your identity"
        ) from error
