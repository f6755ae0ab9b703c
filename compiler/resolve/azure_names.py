"""Azure naming rules: every name the Pulumi target derives, checked before anything is written.

Each Azure resource type has its own length and character rules, and some names are
DNS labels that must be unique across all of Azure.  Names are derived from spec
names with the Cloud Adoption Framework prefixes (`sql-`, `st`, `kv-`, ...) and, for
the globally unique ones, a stable 6-character hash of tenant/project/environment —
the same on every machine, different for every project and environment.

A name derived from a store that breaks its rule is the user's to fix (a shorter or
simpler store name), so it becomes a located compile error; project-level names that
the user did not choose are shortened instead (the hash keeps them unique).

>>> RULES["storage-account"].problem("stordersarchive1a2b3c")
>>> RULES["storage-account"].problem("st-orders")
'may contain only lowercase letters and digits'
>>> short_hash("contoso", "payments", "dev") == short_hash("contoso", "payments", "dev")
True
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

HASH_LENGTH = 6


@dataclass(frozen=True)
class NameRule:
    """What Azure accepts as the name of one resource type."""

    resource: str
    min_length: int
    max_length: int
    characters: str
    """The allowed characters, as a user reads them."""
    pattern: str
    """The whole-name pattern (characters, first and last character, no `--` where refused)."""
    unique: str = "resource group"
    """Where the name must be unique: `Azure` (a DNS label), or its parent."""
    forbidden_suffixes: tuple[str, ...] = ()

    def problem(self, name: str) -> str | None:
        """Why `name` is not a valid name of this type, or None when it is."""
        if not self.min_length <= len(name) <= self.max_length:
            return (
                f"is {len(name)} characters; a {self.resource} name has "
                f"{self.min_length}-{self.max_length}"
            )
        if not re.fullmatch(self.characters_pattern, name):
            return f"may contain only {self.characters}"
        if not re.fullmatch(self.pattern, name):
            return f"breaks the {self.resource} rule: {self.describe()}"
        for suffix in self.forbidden_suffixes:
            if name.endswith(suffix):
                return f"may not end with `{suffix}`"
        return None

    @property
    def characters_pattern(self) -> str:
        return _CHARACTER_CLASSES[self.characters]

    def describe(self) -> str:
        scope = "unique across Azure" if self.unique == "Azure" else f"unique in its {self.unique}"
        return f"{self.min_length}-{self.max_length} {self.characters}, {self.shape}; {scope}"

    @property
    def shape(self) -> str:
        return _SHAPES.get(self.pattern, "as Azure documents")


_LOWER_DIGITS = "lowercase letters and digits"
_LOWER_DIGITS_HYPHENS = "lowercase letters, digits and hyphens"
_ALNUM_HYPHENS = "letters, digits and hyphens"
_ALNUM_HYPHENS_UNDERSCORES = "letters, digits, hyphens and underscores"
_ENTITY = "letters, digits, periods, hyphens and underscores"
_IDENTIFIER = "letters, digits and underscores"
_FREE_TEXT = "any characters except <>*%&:\\/? and control characters"
_GROUP = "letters, digits, periods, hyphens, underscores and parentheses"
_COSMOS_TEXT = "any characters except /\\#? and control characters"

_CHARACTER_CLASSES = {
    _LOWER_DIGITS: r"[a-z0-9]*",
    _LOWER_DIGITS_HYPHENS: r"[a-z0-9-]*",
    _ALNUM_HYPHENS: r"[A-Za-z0-9-]*",
    _ALNUM_HYPHENS_UNDERSCORES: r"[A-Za-z0-9_-]*",
    _ENTITY: r"[A-Za-z0-9._-]*",
    _IDENTIFIER: r"[A-Za-z0-9_]*",
    _FREE_TEXT: r"[^<>*%&:\\/?\x00-\x1f]*",
    _GROUP: r"[A-Za-z0-9._()-]*",
    _COSMOS_TEXT: r"[^/\\#?\x00-\x1f]*",
}

_LETTER_FIRST_NO_DOUBLE_HYPHEN = r"[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]"
_ALNUM_ENDS_NO_DOUBLE_HYPHEN = r"[A-Za-z0-9](?!.*--)([A-Za-z0-9-]*[A-Za-z0-9])?"
_NO_HYPHEN_ENDS = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_LETTER_FIRST_ALNUM_LAST = r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]"
_ALNUM_ENDS = r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?"
_ALNUM_FIRST = r"[A-Za-z0-9][A-Za-z0-9_-]*"
_IDENTIFIER_SHAPE = r"[A-Za-z_][A-Za-z0-9_]*"
_NO_TRAILING_DOT_OR_SPACE = r".*[^. ]"
_ANY = r".*"
_GROUP_SHAPE = r".*[^.]"

_SHAPES = {
    _LETTER_FIRST_NO_DOUBLE_HYPHEN: "starting with a letter, ending with a letter or digit, no `--`",
    _ALNUM_ENDS_NO_DOUBLE_HYPHEN: "starting and ending with a letter or digit, no `--`",
    _NO_HYPHEN_ENDS: "not starting or ending with a hyphen",
    _LETTER_FIRST_ALNUM_LAST: "starting with a letter, ending with a letter or digit",
    _ALNUM_ENDS: "starting and ending with a letter or digit",
    _ALNUM_FIRST: "starting with a letter or digit",
    _IDENTIFIER_SHAPE: "starting with a letter or underscore",
    _NO_TRAILING_DOT_OR_SPACE: "not ending with a period or space",
    _ANY: "any shape",
    _GROUP_SHAPE: "not ending with a period",
}

RULES: dict[str, NameRule] = {
    "resource-group": NameRule("resource group", 1, 90, _GROUP, _GROUP_SHAPE, "subscription"),
    "log-analytics": NameRule(
        "Log Analytics workspace", 4, 63, _ALNUM_HYPHENS, _ALNUM_ENDS_NO_DOUBLE_HYPHEN
    ),
    "app-insights": NameRule(
        "Application Insights component", 1, 260, _FREE_TEXT, _NO_TRAILING_DOT_OR_SPACE
    ),
    "managed-identity": NameRule(
        "user-assigned managed identity", 3, 128, _ALNUM_HYPHENS_UNDERSCORES, _ALNUM_FIRST
    ),
    "key-vault": NameRule(
        "Key Vault", 3, 24, _ALNUM_HYPHENS, _LETTER_FIRST_NO_DOUBLE_HYPHEN, "Azure"
    ),
    "key-vault-secret": NameRule("Key Vault secret", 1, 127, _ALNUM_HYPHENS, _ANY, "vault"),
    "storage-account": NameRule("storage account", 3, 24, _LOWER_DIGITS, _ANY, "Azure"),
    "blob-container": NameRule(
        "blob container",
        3,
        63,
        _LOWER_DIGITS_HYPHENS,
        _ALNUM_ENDS_NO_DOUBLE_HYPHEN,
        "storage account",
    ),
    "sql-server": NameRule("SQL server", 1, 63, _LOWER_DIGITS_HYPHENS, _NO_HYPHEN_ENDS, "Azure"),
    "sql-database": NameRule(
        "SQL database", 1, 128, _FREE_TEXT, _NO_TRAILING_DOT_OR_SPACE, "server"
    ),
    "postgresql-server": NameRule(
        "PostgreSQL flexible server", 3, 63, _LOWER_DIGITS_HYPHENS, _NO_HYPHEN_ENDS, "Azure"
    ),
    "postgresql-database": NameRule(
        "PostgreSQL database", 1, 63, _IDENTIFIER, _IDENTIFIER_SHAPE, "server"
    ),
    "redis-cache": NameRule(
        "Redis cache", 1, 63, _ALNUM_HYPHENS, _ALNUM_ENDS_NO_DOUBLE_HYPHEN, "Azure"
    ),
    "service-bus-namespace": NameRule(
        "Service Bus namespace",
        6,
        50,
        _ALNUM_HYPHENS,
        _LETTER_FIRST_ALNUM_LAST,
        "Azure",
        forbidden_suffixes=("-sb", "-mgmt"),
    ),
    "service-bus-entity": NameRule(
        "Service Bus topic or queue", 1, 260, _ENTITY, _ALNUM_ENDS, "namespace"
    ),
    "cosmos-account": NameRule(
        "Cosmos DB account", 3, 44, _LOWER_DIGITS_HYPHENS, _NO_HYPHEN_ENDS, "Azure"
    ),
    "cosmos-database": NameRule(
        "Cosmos DB database", 1, 255, _COSMOS_TEXT, _NO_TRAILING_DOT_OR_SPACE, "account"
    ),
}


def short_hash(*parts: str, length: int = HASH_LENGTH) -> str:
    """A stable lowercase hex digest of the parts: the same on every machine and run.

    >>> short_hash("contoso", "payments", "prod")
    '973e3f'
    """
    return hashlib.sha256("/".join(parts).encode("utf-8")).hexdigest()[:length]


def compact(slug: str) -> str:
    """A slug without its hyphens, for names that allow only letters and digits.

    >>> compact("orders-archive")
    'ordersarchive'
    """
    return slug.replace("-", "")


# --- derivations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Derivation:
    """How one store-derived name is built: the rule, the name, and the room the store name has."""

    rule: str
    name: str
    budget: int
    """How long the store name may be for this name to fit (its fixed part is the rest)."""


def store_names(kind: str, store: str, digest: str) -> dict[str, Derivation]:
    """The Azure names a store of `kind` gets in one environment (`digest`: its short hash)."""
    room = HASH_LENGTH
    if kind == "azure-sql":
        return {
            "server": _derive("sql-server", f"sql-{store}-{digest}", 63 - 5 - room),
            "database": _derive("sql-database", store, 128),
        }
    if kind == "postgresql":
        return {
            "server": _derive("postgresql-server", f"psql-{store}-{digest}", 63 - 6 - room),
            "database": _derive("postgresql-database", store.replace("-", "_"), 63),
        }
    if kind == "redis":
        return {"name": _derive("redis-cache", f"redis-{store}-{digest}", 63 - 7 - room)}
    if kind == "service-bus":
        return {
            "namespace": _derive("service-bus-namespace", f"sbns-{store}-{digest}", 50 - 6 - room)
        }
    if kind == "key-vault":
        return {"vault": _derive("key-vault", f"kv-{store}-{digest}", 24 - 4 - room)}
    if kind == "blob":
        return {
            "account": _derive("storage-account", f"st{compact(store)}{digest}", 24 - 2 - room),
            "container": _derive("blob-container", store, 63),
        }
    if kind == "cosmos":
        return {
            "account": _derive("cosmos-account", f"cosmos-{store}-{digest}", 44 - 8 - room),
            "database": _derive("cosmos-database", store, 255),
        }
    raise ValueError(f"unknown store kind {kind!r}")


ENDPOINTS: dict[str, dict[str, str]] = {
    "azure-sql": {"Host": "{server}.database.windows.net", "Database": "{database}"},
    "postgresql": {"Host": "{server}.postgres.database.azure.com", "Database": "{database}"},
    "redis": {"Host": "{name}.redis.cache.windows.net", "Port": "6380"},
    "service-bus": {"FullyQualifiedNamespace": "{namespace}.servicebus.windows.net"},
    "key-vault": {"VaultUri": "https://{vault}.vault.azure.net/"},
    "blob": {
        "BlobEndpoint": "https://{account}.blob.core.windows.net/",
        "Container": "{container}",
    },
    "cosmos": {"Endpoint": "https://{account}.documents.azure.com:443/", "Database": "{database}"},
}
"""How a client finds a store of each kind (Azure public cloud), from its Azure names: host
names, database names, namespaces and endpoints, never a key. Private endpoints keep these
names (their private DNS zones answer for the same host)."""


STORE_PORTS: dict[str, tuple[int, ...]] = {
    "azure-sql": (1433,),
    "postgresql": (5432,),
    "redis": (6380,),
    "service-bus": (5671, 443),
    "key-vault": (443,),
    "blob": (443,),
    "cosmos": (443,),
}
"""The TCP ports a client of each store kind connects to (TLS; AMQP for Service Bus)."""

ENTRA_PORT = 443
"""Workload identity's token exchange with Entra ID, and Application Insights ingestion."""


def store_endpoints(kind: str, names: dict[str, str]) -> dict[str, str]:
    """The connection information of one store in one environment.

    >>> store_endpoints("azure-sql", {"server": "sql-db-1a2b3c", "database": "db"})
    {'Host': 'sql-db-1a2b3c.database.windows.net', 'Database': 'db'}
    """
    return {key: shape.format(**names) for key, shape in ENDPOINTS[kind].items()}


def _derive(rule: str, name: str, budget: int) -> Derivation:
    return Derivation(rule, name, budget)


def resource_group_name(project: str, environment: str) -> str:
    """The project's resource group in one environment.

    >>> resource_group_name("payments", "dev")
    'rg-payments-dev'
    """
    return f"rg-{project}-{environment}"


def log_analytics_name(project: str, environment: str) -> str:
    """The workspace every module's Application Insights writes to (shortened to fit 63)."""
    name = f"log-{project}-{environment}"
    return (
        name
        if len(name) <= 63
        else f"log-{project[:45].rstrip('-')}-{short_hash(project, environment)}"
    )


def identity_name(module: str) -> str:
    return f"id-{module}"


def app_insights_name(module: str) -> str:
    return f"appi-{module}"


def project_vault_name(
    key_vault: str | None, tenant: str, project: str, environment: str, *, last: bool
) -> str:
    """The project's Key Vault in one environment.

    `spec.keyVault` names the production vault (the last environment) exactly; other
    environments get `<keyVault>-<environment>` when that fits 24 characters, else the
    vault name shortened with the environment's hash.  Without `spec.keyVault` the
    vault is `kv-<project>-<hash>`.

    >>> project_vault_name("kv-contoso-payments", "contoso", "payments", "prod", last=True)
    'kv-contoso-payments'
    >>> project_vault_name("kv-contoso-payments", "contoso", "payments", "dev", last=False)
    'kv-contoso-payments-dev'
    >>> project_vault_name("kv-contoso-payments", "contoso", "payments", "staging", last=False)
    'kv-contoso-paymen-bbff5a'
    """
    digest = short_hash(tenant, project, environment)
    if key_vault is None:
        return f"kv-{project[: 24 - 4 - HASH_LENGTH].rstrip('-')}-{digest}"
    if last:
        return key_vault
    wanted = f"{key_vault}-{environment}"
    if RULES["key-vault"].problem(wanted) is None:
        return wanted
    return f"{key_vault[: 24 - 1 - HASH_LENGTH].rstrip('-')}-{digest}"
