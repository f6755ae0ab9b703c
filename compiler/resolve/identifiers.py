"""Names other outputs read: stack outputs and C# identifiers derived from spec names."""

from __future__ import annotations

from compiler.plan.naming import pascal

STORE_OUTPUTS: dict[str, tuple[str, ...]] = {
    "azure-sql": ("Host", "Database"),
    "postgresql": ("Host", "Database"),
    "redis": ("Host", "SslPort"),
    "service-bus": ("Host", "Namespace"),
    "key-vault": ("VaultName", "VaultUri"),
    "blob": ("AccountName", "BlobEndpoint", "Container"),
    "cosmos": ("Endpoint", "Database"),
}
SECRET_OUTPUTS = {"AppInsightsConnectionString"}
MODULE_OUTPUTS = ("IdentityClientId", "IdentityPrincipalId", "IdentityResourceId")
PROJECT_OUTPUTS = (
    "resourceGroupName",
    "location",
    "keyVaultName",
    "keyVaultUri",
    "logAnalyticsWorkspaceId",
)


def camel(slug: str) -> str:
    """camelCase of a slug, for stack output names.

    >>> camel("payments-db"), camel("b2b-edge")
    ('paymentsDb', 'b2bEdge')
    """
    text = pascal(slug)
    return text[:1].lower() + text[1:]


def stack_output(name: str, suffix: str) -> str:
    """The stack output other targets read, e.g. `paymentsApiIdentityClientId`.

    >>> stack_output("payments-api", "IdentityClientId")
    'paymentsApiIdentityClientId'
    """
    return camel(name) + suffix


CSHARP_KEYWORDS = frozenset(
    """
    abstract as base bool break byte case catch char checked class const continue decimal
    default delegate do double else enum event explicit extern false finally fixed float for
    foreach goto if implicit in int interface internal is lock long namespace new null object
    operator out override params private protected public readonly ref return sbyte sealed
    short sizeof stackalloc static string struct switch this throw true try typeof uint ulong
    unchecked unsafe ushort using virtual void volatile while
    """.split()  # noqa: SIM905
)


def csharp_identifier(text: str) -> str:
    """`text` as a C# identifier: checked, and escaped with `@` when it is a keyword.

    >>> csharp_identifier("PaymentsApiStack"), csharp_identifier("event")
    ('PaymentsApiStack', '@event')
    """
    if not (text.isascii() and text.isidentifier()):
        raise ValueError(f"{text!r} is not a C# identifier")
    return f"@{text}" if text in CSHARP_KEYWORDS else text
