"""Who an Azure DevOps token belongs to, and which groups that identity is in.

Asked through the azure-devops SDK: the organization's connection data names the
authenticated user (and its subject descriptor); the Graph API lists the groups it is
a direct member of.  Answers are cached for ten minutes under `.shipspec/cache/`,
keyed by a hash of organization and token (the token itself is never written).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compiler.errors import ExternalError
from compiler.state.identity import WhoAmI, normalise

TOKEN_VARIABLES = ("AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN")
URL_VARIABLE = "SHIPSPEC_AZURE_DEVOPS_URL"
CACHE = Path(".shipspec/cache/identity.json")
TTL_SECONDS = 600


def azure_devops_whoami(organization: str, environ: Mapping[str, str] | None = None) -> WhoAmI:
    """A resolver for `resolve_actor`: the token's identity in `organization`, or None."""
    environ = os.environ if environ is None else environ

    def ask() -> tuple[str, frozenset[str] | None] | None:
        token = next((environ[v] for v in TOKEN_VARIABLES if environ.get(v)), "")
        if not token or not organization:
            return None
        template = environ.get(URL_VARIABLE) or "https://dev.azure.com/{organization}"
        url = template.format(organization=organization).rstrip("/")
        key = hashlib.sha256(f"{url}\n{token}".encode()).hexdigest()[:32]
        return _cached(key) or _remember(key, _ask_azure_devops(url, token))

    return ask


def _ask_azure_devops(url: str, token: str) -> tuple[str, frozenset[str]]:
    from azure.devops.connection import Connection
    from azure.devops.credentials import BasicAuthentication

    try:
        connection = Connection(base_url=url, creds=BasicAuthentication("", token))
        connection.authenticate()  # fresh resource areas: never the SDK's file cache
        clients = connection.clients_v7_1
        user = clients.get_location_client().get_connection_data().authenticated_user
        graph = clients.get_graph_client()
        memberships = graph.list_memberships(user.subject_descriptor, direction="up")
        groups = [graph.get_group(m.container_descriptor) for m in memberships]
    except Exception as error:  # the SDK raises requests and msrest errors of many kinds
        raise ExternalError(
            f"cannot ask Azure DevOps at {url} who the token belongs to: {type(error).__name__}",
            hint="check the token, the organization and the network",
        ) from None
    return _account(user), frozenset(normalise(g.principal_name or "") for g in groups)


def _account(user: Any) -> str:
    properties = user.properties or {}
    account = properties.get("Account", {})
    value = account.get("$value") if isinstance(account, dict) else None
    return str(value or user.provider_display_name or user.id)


def _cached(key: str) -> tuple[str, frozenset[str]] | None:
    try:
        entry = json.loads(CACHE.read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(entry, dict) or time.time() - float(entry.get("at", 0)) > TTL_SECONDS:
        return None
    return str(entry["name"]), frozenset(entry.get("groups", []))


def _remember(key: str, answer: tuple[str, frozenset[str]]) -> tuple[str, frozenset[str]]:
    try:
        document = json.loads(CACHE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        document = {}
    name, groups = answer
    document[key] = {"name": name, "groups": sorted(groups), "at": time.time()}
    try:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(document, sort_keys=True), encoding="utf-8")
    except OSError:
        pass
    return answer
