"""Who is looking, and which tenants they may see.

Two ways in, both configured on `serve` through the environment (never in a file
that is committed):

- **API tokens** — ``SHIPSPEC_WEB_TOKENS`` holds a JSON list of
  ``{"viewer": "...", "token": "...", "tenants": ["contoso", ...]}``.  A client sends
  ``Authorization: Bearer <token>``; a browser signs in once on ``/login`` and keeps
  the token in an HttpOnly, SameSite=Strict cookie.  Tokens are compared in constant
  time and never shown on a page or written to a log.
- **A reverse proxy** that authenticates users (oauth2-proxy, an OIDC ingress) —
  ``SHIPSPEC_WEB_PROXY_HEADER`` names the header it sets (e.g. ``X-Forwarded-Email``)
  and ``SHIPSPEC_WEB_GRANTS`` maps users to tenants as JSON:
  ``{"alice@contoso.com": ["contoso"], "@fabrikam.com": ["fabrikam"]}`` (a key
  starting with ``@`` grants a whole e-mail domain).  Only enable this behind a proxy
  that strips the header from outside requests.

Anonymous access exists only for a try-out (``shipspec serve --demo`` or
``SHIPSPEC_WEB_ANONYMOUS=1``): every tenant is visible and the page says so.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from compiler.errors import UsageError

TOKENS = "SHIPSPEC_WEB_TOKENS"
PROXY_HEADER = "SHIPSPEC_WEB_PROXY_HEADER"
GRANTS = "SHIPSPEC_WEB_GRANTS"
ANONYMOUS = "SHIPSPEC_WEB_ANONYMOUS"
COOKIE = "shipspec_viewer"
EVERY_TENANT = "*"


@dataclass(frozen=True)
class Viewer:
    name: str
    tenants: frozenset[str]
    how: str
    """``token``, ``proxy`` or ``anonymous`` (shown on the page, never the token itself)."""

    def may_see(self, tenant: str) -> bool:
        return EVERY_TENANT in self.tenants or tenant in self.tenants


@dataclass(frozen=True)
class TokenGrant:
    viewer: str
    token: str = field(repr=False)
    tenants: frozenset[str]


@dataclass(frozen=True)
class Access:
    tokens: tuple[TokenGrant, ...] = ()
    proxy_header: str | None = None
    grants: Mapping[str, frozenset[str]] = field(default_factory=dict)
    anonymous: bool = False

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, *, anonymous: bool = False
    ) -> Access:
        env = os.environ if environ is None else environ
        return cls(
            tokens=_tokens(env.get(TOKENS, "")),
            proxy_header=env.get(PROXY_HEADER) or None,
            grants=_grants(env.get(GRANTS, "")),
            anonymous=anonymous or env.get(ANONYMOUS, "") in ("1", "true", "yes"),
        )

    @property
    def configured(self) -> bool:
        return bool(self.tokens or self.proxy_header or self.anonymous)

    def viewer(self, headers: Mapping[str, str], cookie: str | None) -> Viewer | None:
        """The viewer a request authenticates as, or None (the caller answers 401)."""
        token = _bearer(headers.get("authorization", "")) or cookie
        if token:
            return self.by_token(token)
        if self.proxy_header and headers.get(self.proxy_header.lower()):
            return self._by_proxy(headers[self.proxy_header.lower()].strip())
        if self.anonymous:
            return Viewer("anonymous", frozenset({EVERY_TENANT}), "anonymous")
        return None

    def by_token(self, token: str) -> Viewer | None:
        found = None
        for grant in self.tokens:
            if hmac.compare_digest(grant.token.encode(), token.encode()):
                found = Viewer(grant.viewer, grant.tenants, "token")
        return found

    def _by_proxy(self, user: str) -> Viewer:
        name = user.casefold()
        domain = "@" + name.partition("@")[2] if "@" in name else None
        tenants = set(self.grants.get(name, frozenset()))
        if domain:
            tenants |= self.grants.get(domain, frozenset())
        return Viewer(name, frozenset(tenants), "proxy")


def _bearer(value: str) -> str | None:
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _tokens(raw: str) -> tuple[TokenGrant, ...]:
    if not raw.strip():
        return ()
    entries = _json(raw, TOKENS)
    if not isinstance(entries, list):
        raise UsageError(f"{TOKENS} must be a JSON list", hint=_TOKENS_HINT)
    return tuple(_token(entry) for entry in entries)


def _token(entry: object) -> TokenGrant:
    if not isinstance(entry, dict) or not all(k in entry for k in ("viewer", "token", "tenants")):
        raise UsageError(
            f"{TOKENS}: every entry needs viewer, token and tenants", hint=_TOKENS_HINT
        )
    token, tenants = str(entry["token"]), entry["tenants"]
    if len(token) < 16 or not isinstance(tenants, list):
        raise UsageError(
            f"{TOKENS}: viewer {entry['viewer']!r} needs a token of 16+ characters and a "
            "list of tenants",
            hint=_TOKENS_HINT,
        )
    return TokenGrant(str(entry["viewer"]), token, frozenset(str(t) for t in tenants))


def _grants(raw: str) -> dict[str, frozenset[str]]:
    if not raw.strip():
        return {}
    grants = _json(raw, GRANTS)
    if not isinstance(grants, dict) or not all(isinstance(v, list) for v in grants.values()):
        raise UsageError(
            f"{GRANTS} must map users to lists of tenants",
            hint='e.g. {"alice@contoso.com": ["contoso"], "@fabrikam.com": ["fabrikam"]}',
        )
    return {str(k).casefold(): frozenset(str(t) for t in v) for k, v in grants.items()}


def _json(raw: str, variable: str) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        raise UsageError(f"{variable} is not valid JSON", hint=_TOKENS_HINT) from None


_TOKENS_HINT = (
    f'{TOKENS}=\'[{{"viewer": "ops", "token": "<16+ random characters>", '
    '"tenants": ["contoso"]}]\''
)
