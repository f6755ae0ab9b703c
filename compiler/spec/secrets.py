"""Recognise literal secrets so that a spec can never carry one.

Specs hold Key Vault references only.  These checks look for what real leaks look
like: connection strings with a password or key, URLs with credentials, private
keys and the token formats of common services, and settings whose name says
they hold a secret.  A finding never repeats the value it found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "a connection string with a password or key",
        re.compile(
            r"(?i)(^|[;,&?\s-])\s*(password|pwd|accountkey|sharedaccesskey|access\s?key|secret|api[-_]?key)"
            r"\s*=\s*[^;,&\s$%{]"
        ),
    ),
    (
        "a URL with a password",
        re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@$%{][^/\s@]*@"),
    ),
    ("a shared access signature", re.compile(r"(?i)[?&]sig=[A-Za-z0-9%+/=]{16,}")),
    ("a Stripe key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    (
        "a JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    ("a GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})\b")),
    ("an AWS access key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("an Azure DevOps personal access token", re.compile(r"^[a-z2-7]{52}$|^[A-Za-z0-9]{84}$")),
    ("an Azure storage account key", re.compile(r"^[A-Za-z0-9+/]{86}==$")),
)

_SECRET_SETTING = re.compile(
    r"(?i)^(.*_)?(password|passwd|pwd|pass|secret|secret_?key|clientsecret|client_secret|token"
    r"|accesstoken|access_token|apikey|api_key|privatekey|private_key|accesskey|access_key"
    r"|signing_?key|credentials?)$|^(jwt|stripe).*key$"
)


def secret_kind(value: str) -> str | None:
    """What kind of secret `value` looks like, or None."""
    for kind, pattern in _VALUE_PATTERNS:
        if pattern.search(value):
            return kind
    return None


def is_secret_setting_name(name: str) -> bool:
    """True for names like `Db__Password` or `STRIPE_API_KEY` (judged on the last `__` segment)."""
    return bool(_SECRET_SETTING.match(name.split("__")[-1]))


def find_literal_secrets(
    data: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every (key path, reason) in a plain document where a literal secret sits."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _check_setting(path, key, value)
            yield from find_literal_secrets(value, (*path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from find_literal_secrets(item, (*path, index))
    elif isinstance(data, str):
        kind = secret_kind(data)
        if kind:
            yield path, f"this value looks like {kind}"


def _check_setting(
    path: tuple[str | int, ...], key: str, value: Any
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if _is_plain_secret_setting(path, key, value):
        yield (
            (*path, key),
            f"the setting `{key}` holds a literal value but its name says it is a secret",
        )
    in_secret = len(path) >= 2 and path[-2] == "secrets"
    if in_secret and key in ("value", "password", "data", "literal"):
        yield (*path, key), "a secret's value is written into the spec"


_NOT_A_SECRET = re.compile(
    r"(?i)^(true|false|yes|no|on|off|none|null|\d+)$|^(\$\{.*\}|\$\(.*\)|#\{.*\}#)$"
)


def _is_plain_secret_setting(path: tuple[str | int, ...], key: str, value: Any) -> bool:
    """A deploy.env entry named like a secret, holding a value that could be one.

    Flags, numbers and placeholders (`${X}`, `$(X)`, `#{X}#`) cannot be secrets.
    """
    if not path or path[-1] != "env" or not is_secret_setting_name(key):
        return False
    if not isinstance(value, str) or _NOT_A_SECRET.match(value.strip()) or not value.strip():
        return False
    return not secret_kind(value)
