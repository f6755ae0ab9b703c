"""Authentication of webhook deliveries, one scheme per sender.

- Azure DevOps: HTTP basic auth (the subscription's user name and password) or a
  shared secret in the ``X-Shipspec-Secret`` header (a subscription's HTTP header);
- Argo CD notifications: ``Authorization: Bearer <token>``;
- Flux notification-controller ``generic-hmac``: ``X-Signature: sha256=<hex HMAC of
  the body>`` (sha384 and sha512 are accepted too).

Every comparison is constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from pydantic import SecretStr

from compiler.serve.config import (
    ADO_PASSWORD,
    ADO_SECRET,
    ARGOCD_TOKEN,
    FLUX_SECRET,
    SECRET_HEADER,
    ServeConfig,
)

HMAC_ALGORITHMS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


class Refused(Exception):
    """A delivery answered with a 4xx status and a message for the sender."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_azure_devops(config: ServeConfig, headers: Mapping[str, str]) -> None:
    if not config.enabled()["azure-devops"]:
        raise Refused(
            401, f"the Azure DevOps receiver is closed: set {ADO_SECRET} or {ADO_PASSWORD}"
        )
    secret = headers.get(SECRET_HEADER.lower())
    if config.ado_secret is not None and secret is not None:
        if _same(secret, config.ado_secret):
            return
        raise Refused(401, f"wrong {SECRET_HEADER}")
    if (
        config.ado_user
        and config.ado_password
        and _basic_ok(config, headers.get("authorization", ""))
    ):
        return
    raise Refused(401, f"authenticate with basic auth or the {SECRET_HEADER} header")


def check_argocd(config: ServeConfig, headers: Mapping[str, str]) -> None:
    if config.argocd_token is None:
        raise Refused(401, f"the Argo CD receiver is closed: set {ARGOCD_TOKEN}")
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.casefold() != "bearer" or not _same(token.strip(), config.argocd_token):
        raise Refused(401, "authenticate with Authorization: Bearer <token>")


def check_flux(config: ServeConfig, headers: Mapping[str, str], body: bytes) -> None:
    if config.flux_secret is None:
        raise Refused(401, f"the Flux receiver is closed: set {FLUX_SECRET}")
    algorithm, _, signature = headers.get("x-signature", "").partition("=")
    digest = HMAC_ALGORITHMS.get(algorithm.strip().casefold())
    if digest is None or not signature:
        raise Refused(401, "sign the body: X-Signature: sha256=<hex HMAC> (Flux generic-hmac)")
    key = config.flux_secret.get_secret_value().encode()
    expected = hmac.new(key, body, digest).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().casefold()):
        raise Refused(401, "the X-Signature does not match the body")


def _basic_ok(config: ServeConfig, header: str) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.casefold() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    assert config.ado_user is not None and config.ado_password is not None
    return _same(user, config.ado_user) & _same(password, config.ado_password)


def _same(given: str, expected: SecretStr) -> bool:
    return hmac.compare_digest(given.encode(), expected.get_secret_value().encode())
