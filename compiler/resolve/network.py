"""How each store is reached: through a private endpoint in the environment's declared
network, or (where none is declared) publicly with Microsoft Entra authentication.

A store at tier `production` takes no public traffic.  Where the environment runs a
cluster (its workloads must reach the stores), it must declare `network`; the rule is
located at that environment.  Elsewhere such a store has public access disabled and no
endpoint until a network is declared.  Service Bus offers private
endpoints only on Premium, which is its `production` tier.
"""

from __future__ import annotations

from compiler.errors import Diagnostic
from compiler.resolve.model import Project

PRIVATE_LINKS: dict[str, tuple[str, str]] = {
    "azure-sql": ("sqlServer", "privatelink.database.windows.net"),
    "postgresql": ("postgresqlServer", "privatelink.postgres.database.azure.com"),
    "redis": ("redisCache", "privatelink.redis.cache.windows.net"),
    "service-bus": ("namespace", "privatelink.servicebus.windows.net"),
    "key-vault": ("vault", "privatelink.vaultcore.azure.net"),
    "blob": ("blob", "privatelink.blob.core.windows.net"),
    "cosmos": ("Sql", "privatelink.documents.azure.com"),
}
"""Store kind -> (private link group id, private DNS zone), as Azure documents them."""


def network_problems(project: Project) -> list[Diagnostic]:
    """Production-tier stores without a network; private Service Bus below Premium."""
    problems = []
    for env in project.environments:
        production = [s.name for s in project.stores if s.tiers[env.name] == "production"]
        if production and env.network is None and env.cluster:
            problems.append(
                project.problem(
                    list(env.path),
                    f"environment `{env.name}` runs production-tier stores "
                    f"({', '.join(production)}) but declares no `network`: production "
                    "stores take no public traffic, only private endpoints",
                    "add `network: {resourceGroup: <the vnet's group>, vnet: <the cluster's "
                    "vnet>, subnet: <a subnet for private endpoints>}`",
                )
            )
        if env.network is None:
            continue
        for store in project.stores:
            if store.kind == "service-bus" and store.tiers[env.name] != "production":
                problems.append(
                    project.problem(
                        [*store.path, "tiers"],
                        f"Service Bus `{store.name}` is private in `{env.name}` (it declares a "
                        f"network) but at tier `{store.tiers[env.name]}`: private endpoints "
                        "need Premium",
                        f"set `tiers: {{{env.name}: production}}` on the store",
                    )
                )
    return problems
