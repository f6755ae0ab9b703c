"""The constrained scalar types of the spec language.

Each type carries a description that editors show on hover and that becomes the
hint when a value does not match (`x-hint` in the exported schema).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, Strict, StringConstraints

SLUG_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"
ENV_VAR_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
KEY_VAULT_PATTERN = r"^[a-zA-Z](-?[a-zA-Z0-9])+$"
SECRET_NAME_PATTERN = r"^[a-zA-Z0-9-]{1,127}$"
HOSTNAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
HTTP_PATH_PATTERN = r"^/[A-Za-z0-9._~/-]*$"
CPU_PATTERN = r"^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$"
MEMORY_PATTERN = r"^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$"
"""Patterns other validators reuse (the chart's values schema), so both refuse the same text."""

LIST = Strict(False)
"""YAML lists validate into tuples (immutable) while every scalar inside stays strict."""


def _described(text: str) -> Any:
    """Describe a constrained string; `x-hint` survives when a field adds its own description."""
    return Field(description=text, json_schema_extra={"x-hint": text})


Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN),
    _described("a name: 1-40 lowercase letters, digits or hyphens, starting with a letter"),
]
EnvVarName = Annotated[
    str,
    StringConstraints(pattern=ENV_VAR_PATTERN),
    _described("an environment variable name: letters, digits and underscores"),
]
KeyVaultName = Annotated[
    str,
    StringConstraints(pattern=KEY_VAULT_PATTERN, min_length=3, max_length=24),
    _described("a Key Vault name: 3-24 letters, digits and single hyphens, starting with a letter"),
]
KeyVaultSecretName = Annotated[
    str,
    StringConstraints(pattern=SECRET_NAME_PATTERN),
    _described("a Key Vault secret name: 1-127 letters, digits or hyphens"),
]
Hostname = Annotated[
    str,
    StringConstraints(
        pattern=HOSTNAME_PATTERN,
        max_length=253,
    ),
    _described("a lowercase DNS name such as contosoacr.azurecr.io"),
]
DotnetVersion = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,2}\.[0-9]$"),
    _described('a .NET channel written as a quoted string, such as "8.0"'),
]
HttpPath = Annotated[
    str,
    StringConstraints(pattern=HTTP_PATH_PATTERN),
    _described("an HTTP path starting with /, such as /health/ready"),
]
CpuQuantity = Annotated[
    str,
    StringConstraints(pattern=CPU_PATTERN),
    _described('a Kubernetes CPU quantity such as 250m or "1" (quote whole numbers)'),
]
MemoryQuantity = Annotated[
    str,
    StringConstraints(pattern=MEMORY_PATTERN),
    _described("a Kubernetes memory quantity such as 256Mi or 1Gi"),
]
ClusterName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$"),
    _described("an AKS cluster name: 1-63 letters, digits, hyphens or underscores"),
]
ResourceGroupName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9._()-]{0,89}[A-Za-z0-9_()-]$"),
    _described("an Azure resource group: 1-90 letters, digits, . _ - ( ), not ending in ."),
]
NetworkName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$"),
    _described("a virtual network or subnet name: 1-80 letters, digits, . _ -"),
]
AzureRegion = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9]{1,39}$"),
    _described("an Azure region name such as westeurope"),
]
DisplayName = Annotated[
    str,
    StringConstraints(pattern=r"^[^\x00-\x1f]{1,128}$", strip_whitespace=False),
    _described("a name of 1-128 printable characters"),
]
_PROJECT_BAD = "\\x00-\\x1f\\x7f-\\x9f\\\\/:*?\"'<>;#$%{},+=\\[\\]|"
AzureDevOpsProject = Annotated[
    str,
    StringConstraints(
        pattern=f"^[^_.{_PROJECT_BAD}](?:[^{_PROJECT_BAD}]{{0,62}}[^.{_PROJECT_BAD}])?$"
    ),
    _described(
        "an Azure DevOps project name: 1-64 characters, none of \\ / : * ? \" ' < > ; # $ % "
        "{ } , + = [ ] |, not starting with _ or ., not ending with ."
    ),
]
AzureDevOpsOrganization = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,48}[A-Za-z0-9]?$"),
    _described("an Azure DevOps organization name: letters, digits and hyphens"),
]
FeedName = Annotated[
    str,
    StringConstraints(
        pattern=r"^([A-Za-z0-9][A-Za-z0-9._ -]{0,63}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    ),
    _described("an Azure Artifacts feed: `feed` or `project/feed`"),
]
PackageId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$", max_length=100),
    _described("a NuGet package id such as Contoso.Payments.Ledger.Client"),
]
BranchName = Annotated[
    str,
    StringConstraints(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*([./][A-Za-z0-9][A-Za-z0-9_-]*)*$", max_length=100
    ),
    _described("a Git branch name such as main or release/1.x"),
]
GitRef = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"),
    _described("a Git tag such as v1.2.0"),
]
Identity = Annotated[
    str,
    StringConstraints(
        pattern=r"^([^\s@\\]+@[^\s@\\]+\.[^\s@\\]+|[^\s@\\]+\\[^\s@\\]+)$", max_length=256
    ),
    _described("a person as Azure DevOps signs them in: alice@contoso.com or CONTOSO\\alice"),
]
EnvValue = Annotated[str | int | float | bool, Field(description="a non-secret setting")]
