"""The network wire: no production store takes public traffic, and each has a private
endpoint in its environment's declared network, registered in its private DNS zone.

Read from the program (parsed with tree-sitter) and each stack's config: a store's public
network access follows the stack's network (`platform.PublicNetworkAccess`), every store
creates its private endpoint with its kind's group id and zone, every environment that
runs a production-tier store declares a network (so those stores are private), and where
no network is declared the SQL and PostgreSQL servers open their firewall to Azure only.
"""

from __future__ import annotations

import yaml

from compiler.resolve.network import PRIVATE_LINKS
from tests.wiring.csharp import assignments, calls, creations, store_blocks

FIREWALLS = {
    "azure-sql": "AzureNative.Sql.FirewallRule",
    "postgresql": "AzureNative.DBforPostgreSQL.FirewallRule",
}


def _blocks(compiled, project):  # type: ignore[no-untyped-def]
    program = compiled.folder(project) / project.infra_repository
    blocks = {}
    for path in sorted((program / "Modules").glob("*.cs")):
        blocks.update(store_blocks(path))
    return blocks


def test_every_store_follows_the_network_and_has_its_private_endpoint(estates) -> None:  # type: ignore[no-untyped-def]
    kinds = set()
    for compiled in estates:
        for project in compiled.estate.projects:
            if not project.has_infrastructure:
                continue
            blocks = _blocks(compiled, project)
            for store in project.stores:
                block = blocks[store.name]
                access = assignments(block, "PublicNetworkAccess")
                vault_args = calls(block, "Platform.VaultProperties")
                assert access == ["platform.PublicNetworkAccess(settings.StoreTier(store))"] or (
                    store.kind == "key-vault"
                    and vault_args[0][-1]
                    == "platform.PublicNetworkAccess(settings.StoreTier(store))"
                ), store.name
                group, zone = PRIVATE_LINKS[store.kind]
                (endpoint,) = calls(block, "PrivateEndpoint")
                assert endpoint[0] == "store" and endpoint[2].endswith(".Id")
                assert endpoint[3:] == [f'"{group}"', f'"{zone}"'], store.name
                if store.kind in FIREWALLS:
                    assert FIREWALLS[store.kind] in creations(block)
                kinds.add(store.kind)
    assert kinds == set(PRIVATE_LINKS)


def test_no_production_store_is_public(estates) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for compiled in estates:
        for project in compiled.estate.projects:
            if not project.has_infrastructure:
                continue
            program = compiled.folder(project) / project.infra_repository
            for env in project.environments:
                stack = yaml.safe_load((program / f"Pulumi.{env.name}.yaml").read_text())
                network = stack["config"].get(f"{project.name}:network")
                production = [s for s in project.stores if s.tiers[env.name] == "production"]
                if production and env.cluster:
                    assert network, f"{project.name}/{env.name}: production stores are public"
                    assert {"resourceGroup", "vnet", "subnet"} <= set(network)
                    checked += len(production)
                if network:
                    expected = env.network
                    assert network["subnet"] == expected.subnet and network["vnet"] == expected.vnet
    assert checked >= 10


def test_the_private_dns_zones_are_the_hubs_or_the_stacks_own(estates) -> None:  # type: ignore[no-untyped-def]
    """With `privateDnsZones` the program uses the hub's zones; without, it creates and links them."""
    platform_sources = set()
    for compiled in estates:
        for project in compiled.estate.projects:
            if project.has_infrastructure:
                program = compiled.folder(project) / project.infra_repository
                platform_sources.add((program / "Platform.cs").read_text())
    for text in platform_sources:
        assert '"privateDnsZones"' in text
        assert "new AzureNative.PrivateDns.PrivateZone(" in text
        assert "new AzureNative.PrivateDns.VirtualNetworkLink(" in text
    hub = [
        e.network.private_dns_zones
        for c in estates
        for p in c.estate.projects
        for e in p.environments
        if e.network
    ]
    assert "" in hub and any(hub), "the estates exercise both kinds of zones"
