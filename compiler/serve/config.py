"""What ``shipspec serve`` needs to know, read once from the environment.

Secrets come from environment variables only and are held as ``SecretStr`` so that
they never reach a log line or a representation.  A receiver without its secret is
closed: it answers 401 and says which variable to set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from compiler.errors import UsageError

ADO_USER = "SHIPSPEC_HOOK_AZURE_DEVOPS_USER"
ADO_PASSWORD = "SHIPSPEC_HOOK_AZURE_DEVOPS_PASSWORD"
ADO_SECRET = "SHIPSPEC_HOOK_AZURE_DEVOPS_SECRET"
ARGOCD_TOKEN = "SHIPSPEC_HOOK_ARGOCD_TOKEN"
FLUX_SECRET = "SHIPSPEC_HOOK_FLUX_SECRET"
MAX_BODY = "SHIPSPEC_SERVE_MAX_BODY_BYTES"
DEFAULT_MAX_BODY = 1024 * 1024
SECRET_HEADER = "X-Shipspec-Secret"


@dataclass(frozen=True)
class ServeConfig:
    state_url: str | None = None
    ado_user: SecretStr | None = None
    ado_password: SecretStr | None = None
    ado_secret: SecretStr | None = None
    argocd_token: SecretStr | None = None
    flux_secret: SecretStr | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY

    @classmethod
    def from_environment(
        cls, state_url: str | None = None, environ: Mapping[str, str] | None = None
    ) -> ServeConfig:
        env = os.environ if environ is None else environ
        return cls(
            state_url=state_url,
            ado_user=_secret(env, ADO_USER),
            ado_password=_secret(env, ADO_PASSWORD),
            ado_secret=_secret(env, ADO_SECRET),
            argocd_token=_secret(env, ARGOCD_TOKEN),
            flux_secret=_secret(env, FLUX_SECRET),
            max_body_bytes=_size(env.get(MAX_BODY, "")),
        )

    def enabled(self) -> dict[str, bool]:
        """Which receivers can authenticate a request (shown by /readyz and the CLI)."""
        return {
            "azure-devops": bool(self.ado_secret or (self.ado_user and self.ado_password)),
            "argocd": self.argocd_token is not None,
            "flux": self.flux_secret is not None,
        }


def _secret(env: Mapping[str, str], name: str) -> SecretStr | None:
    value = env.get(name, "")
    return SecretStr(value) if value else None


def _size(value: str) -> int:
    if not value:
        return DEFAULT_MAX_BODY
    if not value.isdigit() or int(value) <= 0:
        raise UsageError(f"{MAX_BODY}={value!r} is not a positive number of bytes")
    return int(value)
