"""Rules on what the estate deploys, which the schema accepts but Azure or the cluster would
not: a worker's ingress without a port, two services on one ingress host and path, one
globally unique Key Vault name in several projects, a region Azure does not have."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic
from compiler.spec.azure_regions import AZURE_REGIONS
from compiler.spec.hints import did_you_mean
from compiler.spec.locate import Path_
from compiler.spec.models.modules import Worker
from compiler.spec.source import ProjectSource


def worker_ingress_needs_a_port(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        for index, module in enumerate(source.model.spec.modules):
            if isinstance(module, Worker) and module.deploy.ingress and not module.container.port:
                yield source.problem(
                    ["spec", "modules", index, "deploy", "ingress"],
                    f"worker `{module.name}` has an ingress but no `container.port` to send it to",
                    "add container.port, or remove deploy.ingress",
                )


def unique_ingress_routes(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    seen: dict[tuple[str, str], tuple[ProjectSource, Path_, str]] = {}
    for source in sources:
        for index, module in enumerate(source.model.spec.modules):
            ingress = getattr(getattr(module, "deploy", None), "ingress", None)
            if ingress is None:
                continue
            route = (ingress.host.casefold(), ingress.path.rstrip("/") or "/")
            path: Path_ = ["spec", "modules", index, "deploy", "ingress", "host"]
            if route in seen:
                earlier, earlier_path, name = seen[route]
                yield source.problem(
                    path,
                    f"{ingress.host}{ingress.path} is already the ingress of `{name}` "
                    f"at {earlier.span(earlier_path)}",
                    "two services cannot share a host and path; change the host or the path",
                )
            else:
                seen[route] = (source, path, f"{source.tenant}/{source.name}/{module.name}")


def unique_key_vaults(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    """Key Vault names are unique across all of Azure: two projects cannot both own one."""
    seen: dict[str, ProjectSource] = {}
    for source in sources:
        name = source.model.spec.keyVault
        if name is None:
            continue
        if name.casefold() in seen:
            earlier = seen[name.casefold()]
            yield source.problem(
                ["spec", "keyVault"],
                f"Key Vault `{name}` is already the vault of project "
                f"{earlier.tenant}/{earlier.name} at {earlier.span(['spec', 'keyVault'])}",
                "Key Vault names are unique across Azure; give each project its own",
            )
        else:
            seen[name.casefold()] = source


def known_regions(sources: Sequence[ProjectSource]) -> Iterator[Diagnostic]:
    for source in sources:
        for index, environment in enumerate(source.model.spec.environments):
            region = environment.region
            if region is not None and region not in AZURE_REGIONS:
                yield source.problem(
                    ["spec", "environments", index, "region"],
                    f"`{region}` is not an Azure region",
                    did_you_mean(region, sorted(AZURE_REGIONS))
                    or "use a name from `az account list-locations`, e.g. westeurope",
                )


DEPLOY_RULES = (
    worker_ingress_needs_a_port,
    unique_ingress_routes,
    unique_key_vaults,
    known_regions,
)
