"""Token hygiene: where the Azure DevOps token comes from, and how it never leaks.

The token lives in a :class:`Secret`, whose ``str``/``repr`` are a mask; it reaches
HTTP through the SDK's credentials and Git through environment variables of the
child process (``GIT_CONFIG_*``), never through a URL, an argument or a config file.
Every message publish produces passes :func:`redact`, and a logging filter masks it
in any record an SDK might emit.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Mapping

from compiler.errors import UsageError

TOKEN_VARIABLES = ("AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN")
MASK = "***"


class Secret:
    """A credential that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    __str__ = __repr__


def token_from_environment(environ: Mapping[str, str] | None = None) -> Secret:
    """The token from ``AZURE_DEVOPS_EXT_PAT``, else ``SYSTEM_ACCESSTOKEN``."""
    env = os.environ if environ is None else environ
    for name in TOKEN_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            _register(value)
            return Secret(value)
    raise UsageError(
        "no Azure DevOps token: set AZURE_DEVOPS_EXT_PAT (a personal access token) or "
        "SYSTEM_ACCESSTOKEN (in Azure Pipelines, map $(System.AccessToken) into the step)",
        hint="the token needs Code (Read & write) and, to apply branch policies, Code (Read, write & manage)",
    )


def basic_header(token: Secret) -> str:
    """The HTTP Authorization value Azure DevOps accepts for both PATs and job tokens."""
    pair = base64.b64encode(f":{token.reveal()}".encode()).decode("ascii")
    return f"Basic {pair}"


def git_auth_environment(token: Secret) -> dict[str, str]:
    """Environment for a git child process that sends the token as an HTTP header.

    ``GIT_CONFIG_COUNT`` config is visible to that process only: not in argv (``ps``),
    not in ``.git/config``, not in the remote URL.
    """
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: {basic_header(token)}",
    }


_known: set[str] = set()


def _register(value: str) -> None:
    _known.add(value)
    _known.add(base64.b64encode(f":{value}".encode()).decode("ascii"))
    _install_filter()


def redact(text: str) -> str:
    """``text`` with every known secret (and its Basic-auth encoding) masked."""
    for value in _known:
        if value:
            text = text.replace(value, MASK)
    return text


def _install_filter() -> None:
    """Mask secrets in every log record any library creates, at creation time.

    A record factory sees records of every logger (a filter on a parent logger would
    not see records propagated from its children), before any handler formats them.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's business
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


_installed = False
