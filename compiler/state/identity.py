"""Who is acting: an identity some authority vouches for, never just what a shell says.

Order:

1. inside Azure Pipelines (``TF_BUILD=True``), the run's ``Build.RequestedFor``
   (``BUILD_REQUESTEDFOREMAIL``, else ``BUILD_REQUESTEDFOR``), which the agent sets;
2. the Azure DevOps identity of the token (``AZURE_DEVOPS_EXT_PAT``, else
   ``SYSTEM_ACCESSTOKEN``), asked from Azure DevOps (connection data) through the SDK;
3. for commands that record no decision, the operating-system user.

Approvals, plans and promotions need 1 or 2.  The operating-system user is kept beside
the identity in the recorded source.  ``--as`` and ``SHIPSPEC_ACTOR`` name someone else
only in the explicit test mode (``SHIPSPEC_IDENTITY_MODE=test``); otherwise they are an
error, never silently trusted.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from compiler.errors import UsageError

TEST_MODE = "SHIPSPEC_IDENTITY_MODE"
ACTOR_VARIABLE = "SHIPSPEC_ACTOR"
GROUPS_VARIABLE = "SHIPSPEC_ACTOR_GROUPS"
PIPELINE_SOURCES = ("BUILD_REQUESTEDFOREMAIL", "BUILD_REQUESTEDFOR")


@dataclass(frozen=True)
class Actor:
    """The identity a row is attributed to, how it was found, and who really acted."""

    name: str
    source: str
    real: str
    groups: frozenset[str] | None = field(default=None, compare=False)
    """The groups the identity belongs to, as Azure DevOps names them (normalised); None
    when nobody asked (identities observed in Azure DevOps, internal callers)."""
    read_groups: Callable[[], frozenset[str] | None] | None = field(default=None, compare=False)
    """Reads more groups from Azure DevOps only when a check needs them (a pipeline's
    requester: its groups are asked for by id, not with the identity)."""

    def member_of(self) -> frozenset[str] | None:
        """Every group known or, when needed, read for the identity (None: not asked)."""
        if self.groups is None or self.read_groups is None:
            return self.groups
        return self.groups | (self.read_groups() or frozenset())

    @property
    def overridden(self) -> bool:
        return self.name != self.real or self.source.startswith("override")


WhoAmI = Callable[[], "tuple[str, frozenset[str] | None] | None"]
"""Asks Azure DevOps who the token belongs to (and its groups); None without a token."""
GroupsOf = Callable[[str], "frozenset[str] | None"]
"""Asks Azure DevOps for the groups of an identity by id; None without a token."""
REQUESTER_ID = "BUILD_REQUESTEDFORID"


def normalise(name: str) -> str:
    """Identities compare case-insensitively and without surrounding blanks.

    >>> normalise("  Alice@Contoso.com ")
    'alice@contoso.com'
    """
    return name.strip().casefold()


def in_test_mode(environ: Mapping[str, str]) -> bool:
    return environ.get(TEST_MODE, "") == "test"


def resolve_actor(
    override: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    authenticated: bool = False,
    whoami: WhoAmI | None = None,
    groups_of: GroupsOf | None = None,
) -> Actor:
    """The acting identity; ``override`` is the ``--as`` flag (test mode only)."""
    environ = os.environ if environ is None else environ
    os_user = _os_user()
    if in_test_mode(environ):
        return _test_actor(override, environ, os_user)
    if override is not None or normalise(environ.get(ACTOR_VARIABLE, "")):
        raise UsageError(
            "--as and SHIPSPEC_ACTOR are honoured only in test mode",
            hint="identity comes from Azure Pipelines or the Azure DevOps token; "
            f"tests set {TEST_MODE}=test",
        )
    pipeline = _from_pipeline(environ)
    if pipeline is not None:
        name, source = pipeline
        reader = _requester_groups(environ, groups_of)
        return Actor(name, f"{source}; os-user={os_user}", name, frozenset(), reader)
    found = _from_token(whoami)
    if found is not None:
        name, source, groups = found
        return Actor(name=name, source=f"{source}; os-user={os_user}", real=name, groups=groups)
    if authenticated:
        raise UsageError(
            "cannot establish who is acting: no pipeline identity and no Azure DevOps token",
            hint="set AZURE_DEVOPS_EXT_PAT (its Azure DevOps identity is recorded), "
            "or run the command inside Azure Pipelines",
        )
    return Actor(name=os_user, source="os-user", real=os_user)


def _test_actor(override: str | None, environ: Mapping[str, str], os_user: str) -> Actor:
    declared = normalise(environ.get(ACTOR_VARIABLE, ""))
    real = declared or os_user
    source = f"env:{ACTOR_VARIABLE}" if declared else "os-user"
    groups = _declared_groups(environ)
    if override is None:
        return Actor(name=real, source=source, real=real, groups=groups)
    name = normalise(override)
    if not name:
        raise UsageError("--as needs a non-empty identity")
    return Actor(name=name, source=f"override(--as, by {real})", real=real, groups=groups)


def _declared_groups(environ: Mapping[str, str]) -> frozenset[str]:
    return frozenset(normalise(g) for g in environ.get(GROUPS_VARIABLE, "").split(",") if g.strip())


def _from_pipeline(environ: Mapping[str, str]) -> tuple[str, str] | None:
    if environ.get("TF_BUILD", "").casefold() != "true":
        return None
    for variable in PIPELINE_SOURCES:
        value = normalise(environ.get(variable, ""))
        if value:
            return value, f"pipeline:{variable}"
    return None


def _requester_groups(
    environ: Mapping[str, str], groups_of: GroupsOf | None
) -> Callable[[], frozenset[str] | None] | None:
    """The pipeline requester's groups, read by its id (`Build.RequestedForId`) on demand."""
    requester = environ.get(REQUESTER_ID, "").strip()
    if groups_of is None or not requester:
        return None
    return lambda: groups_of(requester)


def _from_token(whoami: WhoAmI | None) -> tuple[str, str, frozenset[str] | None] | None:
    answer = whoami() if whoami is not None else None
    if answer is None:
        return None
    name, groups = answer
    return normalise(name), "azure-devops:token", groups or frozenset()


def with_groups(actor: Actor, groups: frozenset[str] | None) -> Actor:
    return replace(actor, groups=groups)


def _os_user() -> str:
    try:
        return normalise(getpass.getuser())
    except (KeyError, OSError):
        return "unknown"
