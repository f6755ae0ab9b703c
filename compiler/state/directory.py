"""Who an Azure DevOps token belongs to, and which groups an identity is in.

Asked through the azure-devops SDK: the organization's connection data names the
authenticated user (and its subject descriptor); the Graph API lists the groups it is
a *direct* member of (membership through a nested group is not followed).  Inside a
pipeline the requester is not the token's identity: its groups are read by its id
(``Build.RequestedForId``, resolved to a descriptor by Graph *Descriptors*).  Answers are
cached for ten minutes under `.shipspec/cache/`, keyed by a hash of organization, token
(and requester): the token itself is never written.
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
from compiler.state.identity import GroupsOf, WhoAmI, normalise

TOKEN_VARIABLES = ("AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN")
URL_VARIABLE = "SHIPSPEC_AZURE_DEVOPS_URL"
CACHE = Path(".shipspec/cache/identity.json")
TTL_SECONDS = 600


def azure_devops_whoami(organization: str, environ: Mapping[str, str] | None = None) -> WhoAmI:
    """A resolver for `resolve_actor`: the token's identity in `organization`, or None."""
    environ = os.environ if environ is None else environ

    def ask() -> tuple[str, frozenset[str] | None] | None:
        found = _where(organization, environ)
        if found is None:
            return None
        url, token = found
        key = hashlib.sha256(f"{url}\n{token}".encode()).hexdigest()[:32]
        return _cached(key) or _remember(key, _ask_azure_devops(url, token))

    return ask


def azure_devops_groups(organization: str, environ: Mapping[str, str] | None = None) -> GroupsOf:
    """A resolver for `resolve_actor`: the groups of a pipeline's requester, by its id."""
    environ = os.environ if environ is None else environ

    def ask(requester_id: str) -> frozenset[str] | None:
        found = _where(organization, environ)
        if found is None:
            return None
        url, token = found
        key = hashlib.sha256(f"{url}\n{token}\n{requester_id}".encode()).hexdigest()[:32]
        cached = _cached(key)
        if cached is not None:
            return cached[1]
        return _remember(key, (requester_id, _ask_groups_of(url, token, requester_id)))[1]

    return ask


def _where(organization: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    token = next((environ[v] for v in TOKEN_VARIABLES if environ.get(v)), "")
    if not token or not organization:
        return None
    template = environ.get(URL_VARIABLE) or "https://dev.azure.com/{organization}"
    return template.format(organization=organization).rstrip("/"), token


def _clients(url: str, token: str) -> Any:
    from azure.devops.connection import Connection
    from azure.devops.credentials import BasicAuthentication

    connection = Connection(base_url=url, creds=BasicAuthentication("", token))
    connection.authenticate()  # fresh resource areas: never the SDK's file cache
    return connection.clients_v7_1


def _ask_azure_devops(url: str, token: str) -> tuple[str, frozenset[str]]:
    try:
        clients = _clients(url, token)
        user = clients.get_location_client().get_connection_data().authenticated_user
        groups = _direct_groups(clients.get_graph_client(), user.subject_descriptor)
    except Exception as error:  # the SDK raises requests and msrest errors of many kinds
        raise ExternalError(
            f"cannot ask Azure DevOps at {url} who the token belongs to: {type(error).__name__}",
            hint="check the token, the organization and the network",
        ) from None
    return _account(user), groups


def _ask_groups_of(url: str, token: str, requester_id: str) -> frozenset[str]:
    try:
        graph = _clients(url, token).get_graph_client()
        descriptor = graph.get_descriptor(requester_id).value
        return _direct_groups(graph, descriptor)
    except Exception as error:  # the SDK raises requests and msrest errors of many kinds
        raise ExternalError(
            f"cannot read from Azure DevOps at {url} the groups of the pipeline's requester "
            f"({requester_id}): {type(error).__name__}",
            hint="the pipeline's token needs Identity (Read); or declare the group's members "
            "in the Tenant document (spec.approverGroups)",
        ) from None


def _direct_groups(graph: Any, descriptor: str) -> frozenset[str]:
    """Principal names of the groups ``descriptor`` is a direct member of."""
    memberships = graph.list_memberships(descriptor, direction="up")
    groups = [graph.get_group(m.container_descriptor) for m in memberships]
    return frozenset(normalise(g.principal_name or "") for g in groups)


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
