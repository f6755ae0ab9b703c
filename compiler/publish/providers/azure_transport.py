"""The one place that talks HTTP to Azure DevOps, through the official azure-devops SDK.

Every SDK call goes through :meth:`AzureDevOpsTransport.call`: msrest's own hidden
retries are switched off so that :class:`~compiler.publish.retry.RetryPolicy` is
the only (bounded, logged) one; a response hook remembers each answer's status so
that errors are classified by status rather than by message: 401/403 name the
missing permission, 404 is "absent", 429/5xx and network errors are retried,
anything else fails with the host's message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from azure.devops.credentials import BasicAuthentication
from azure.devops.v7_1.location.location_client import LocationClient
from msrest.exceptions import ClientException

from compiler.errors import ExternalError, UsageError
from compiler.publish.errors import AuthError, TransientError
from compiler.publish.retry import RetryPolicy
from compiler.publish.secrets import Secret, redact

T = TypeVar("T")

READ = "Code (Read) — the identity needs Read on the repository"


class Absent(Exception):
    """404: the thing asked for does not exist."""


class Conflict(Exception):
    """409: e.g. an active pull request for these branches already exists."""


@dataclass
class _Observed:
    status: int | None = None
    retry_after: float | None = None


class AzureDevOpsTransport:
    """SDK clients per organization and resource area, and the classified, retried call."""

    def __init__(
        self, token: Secret, url_template: str, retry: RetryPolicy, *, timeout: float = 30
    ) -> None:
        if "{organization}" not in url_template:
            raise UsageError(
                f"--azure-devops-url {url_template!r} needs {{organization}}",
                hint="e.g. https://dev.azure.com/{organization}",
            )
        self._token = token
        self._creds = BasicAuthentication("", token.reveal())
        self.url_template = url_template
        self.retry = retry
        self.timeout = timeout
        self._observed = _Observed()
        self._clients: dict[tuple[str, type], Any] = {}
        self._areas: dict[str, dict[str, str]] = {}

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._observed.status = response.status_code
        after = response.headers.get("Retry-After", "")
        self._observed.retry_after = float(after) if after.isdigit() else None

    def _configure(self, client: Any) -> Any:
        # msrest retries 5xx (and POSTs) on its own, silently; switch that off so that
        # the RetryPolicy is the only retry loop (mutated in place: msrest reads extra
        # attributes of its own Retry object).
        client.config.retry_policy.retries = 0
        policy = client.config.retry_policy.policy
        policy.status = 0
        policy.status_forcelist = frozenset()
        policy.respect_retry_after_header = False
        policy.raise_on_status = False
        client.config.connection.timeout = self.timeout
        client.config.hooks.append(self._observe)
        client.add_user_agent("shipspec")
        return client

    def call(self, what: str, permission: str, call: Callable[[], T]) -> T:
        return self.retry.run(what, lambda: self._once(what, permission, call))

    def _once(self, what: str, permission: str, call: Callable[[], T]) -> T:
        self._observed = _Observed()
        try:
            return call()
        except (ClientException, requests.RequestException) as error:
            raise self._classify(what, permission, error) from None

    def _classify(self, what: str, permission: str, error: Exception) -> Exception:
        status = self._observed.status
        detail = redact(_message(error))
        if status is None:
            return TransientError(f"{what}: Azure DevOps could not be reached: {detail}")
        if status in (401, 403):
            reason = "rejected the token" if status == 401 else "refused the token's identity"
            return AuthError(
                f"{what}: Azure DevOps {reason} (HTTP {status}); missing permission: {permission}",
                hint="check AZURE_DEVOPS_EXT_PAT / SYSTEM_ACCESSTOKEN: not expired, scoped to this "
                "organization, and its identity holds the permission named above",
            )
        if status == 404:
            return Absent(detail)
        if status == 409:
            return Conflict(detail)
        if status == 429 or status >= 500:
            return TransientError(
                f"{what}: Azure DevOps answered HTTP {status}: {detail}",
                retry_after=self._observed.retry_after,
            )
        return ExternalError(f"{what}: Azure DevOps answered HTTP {status}: {detail}")

    def client(self, organization: str, kind: type[T]) -> T:
        key = (organization, kind)
        if key not in self._clients:
            url = self._area_url(organization, kind.resource_area_identifier)  # type: ignore[attr-defined]
            self._clients[key] = self._configure(kind(url, self._creds))
        return self._clients[key]  # type: ignore[no-any-return]

    def raw(
        self,
        organization: str,
        kind: type,
        what: str,
        permission: str,
        method: str,
        location: str,
        version: str,
        route: Mapping[str, str],
        query: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        """A call through the SDK's transport, answered as JSON (for models that drop fields)."""
        client = self.client(organization, kind)

        def send() -> Any:
            response = client._send(
                http_method=method,
                location_id=location,
                version=version,
                route_values=dict(route),
                query_parameters=dict(query or {}),
                content=body,
            )
            return response.json() if response.content else None

        return self.call(what, permission, send)

    def _area_url(self, organization: str, area: str | None) -> str:
        """Where a resource area is served (what the SDK's Connection would look up)."""
        base = self.url_template.format(organization=organization)
        if area is None:
            return base
        if organization not in self._areas:
            locations = self._configure(LocationClient(base, self._creds))
            try:
                areas = self.call(
                    f"discover {base}", READ, lambda: locations.get_resource_areas() or []
                )
            except Absent:
                areas = []
            self._areas[organization] = {a.id.lower(): a.location_url for a in areas}
        return self._areas[organization].get(area.lower(), base)


def _message(error: Exception) -> str:
    text = getattr(error, "message", None) or str(error)
    return " ".join(str(text).split())[:300]
