"""Names derived from spec names: .NET identifiers, image names, feed URLs, stable GUIDs."""

from __future__ import annotations

import uuid
from urllib.parse import quote

_NAMESPACE = uuid.UUID("6f0a3f3e-3b1e-5c55-9d4e-5b1f3a6c0d21")


def pascal(slug: str) -> str:
    """PascalCase of a slug.

    >>> pascal("payments-api"), pascal("b2b-edge")
    ('PaymentsApi', 'B2bEdge')
    """
    return "".join(part[:1].upper() + part[1:] for part in slug.split("-") if part)


def dotnet_project_name(tenant: str, project: str, module: str) -> str:
    """`Contoso.Payments.Api` for module `payments-api` of contoso/payments.

    >>> dotnet_project_name("contoso", "payments", "payments-api")
    'Contoso.Payments.Api'
    >>> dotnet_project_name("contoso", "payments", "ledger-client")
    'Contoso.Payments.LedgerClient'
    """
    short = module.removeprefix(f"{project}-") if module != project else module
    return f"{pascal(tenant)}.{pascal(project)}.{pascal(short)}"


def stable_guid(*parts: str) -> str:
    """A GUID that is the same on every machine for the same names (uppercase, as .sln wants)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts))).upper()


def feed_url(organization: str, feed: str) -> str:
    """The NuGet v3 index of an Azure Artifacts feed (`project/feed` or an organization feed).

    >>> feed_url("contoso", "Payments/payments-packages")
    'https://pkgs.dev.azure.com/contoso/Payments/_packaging/payments-packages/nuget/v3/index.json'
    """
    project, _, name = feed.rpartition("/")
    scope = f"{quote(project)}/" if project else ""
    return f"https://pkgs.dev.azure.com/{quote(organization)}/{scope}_packaging/{quote(name)}/nuget/v3/index.json"


def feed_key(feed: str) -> str:
    return feed.rpartition("/")[2]


def sdk_version(channel: str) -> str:
    """The global.json SDK floor for a .NET channel; rollForward picks the newest feature band.

    >>> sdk_version("8.0")
    '8.0.100'
    """
    return f"{channel}.100"


# --- names shared by several targets (one definition each) -------------------------------------


def environment_namespace(project: str, environment: str) -> str:
    """The Kubernetes namespace of a project in an environment (also the Argo CD/Flux destination)."""
    return f"{project}-{environment}"


def azure_devops_environment(project: str, environment: str) -> str:
    """The Azure DevOps environment a deployment job targets; approvals live on it."""
    return f"{project}-{environment}"


def variable_group(project: str, environment: str) -> str:
    """The variable group linked to the project's Key Vault for an environment."""
    return f"{project}-{environment}"


def image_repository(project: str, module: str) -> str:
    """The repository of a module's image inside the registry: `payments/payments-api`."""
    return f"{project}/{module}"


def git_url(organization: str, project: str, repository: str) -> str:
    """The HTTPS clone URL of an Azure Repos repository (each part URL-quoted).

    >>> git_url("contoso", "Pay ments", "payments-api")
    'https://dev.azure.com/contoso/Pay%20ments/_git/payments-api'
    """
    return f"https://dev.azure.com/{quote(organization, safe='')}/{quote(project, safe='')}/_git/{quote(repository, safe='')}"


def preview_connection(azure: str | None) -> str:
    """The default read-only ARM connection of pull-request previews (none without `azure`).

    >>> preview_connection("contoso-arm"), preview_connection(None)
    ('contoso-arm-preview', '')
    """
    return f"{azure}-preview" if azure else ""
