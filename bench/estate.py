"""Write a synthetic estate of specs for benchmarks: deterministic for a given size and seed.

    python bench/estate.py OUT_DIR --modules 1000 [--seed 7]

Projects hold ten modules each (six microservices, two workers, two libraries),
spread over tenants of ten projects; every project has four environments, and
modules own a rotating mix of all seven store kinds, secrets and dependencies.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

MODULES_PER_PROJECT = 10
PROJECTS_PER_TENANT = 10
STORE_KINDS = ("azure-sql", "postgresql", "redis", "service-bus", "key-vault", "blob", "cosmos")
TYPES = ("microservice",) * 6 + ("worker",) * 2 + ("library",) * 2


def project_yaml(tenant: str, project: str, rng: random.Random) -> str:
    lines = [
        "apiVersion: shipspec/v1",
        "kind: Project",
        f"metadata: {{tenant: {tenant}, name: {project}}}",
        "spec:",
        f"  azureDevOps: {{organization: {tenant}, project: {project.title()},"
        f" serviceConnections: {{azure: {tenant}-arm, registry: {tenant}-acr}}}}",
        f"  registry: {tenant.replace('-', '')}acr.azurecr.io",
        f"  feed: {project.title()}/{project}-packages",
        f"  keyVault: kv-{project[:20]}",
        "  environments:",
        "    - {name: dev, cluster: aks-dev, region: westeurope}",
        "    - {name: test, cluster: aks-dev, region: westeurope}",
        "    - {name: staging, cluster: aks-prod, region: westeurope,"
        ' approvals: {required: 1, approvers: ["[Platform]\\\\Release Managers"]}}',
        "    - {name: prod, cluster: aks-prod, region: westeurope, strategy: canary,"
        ' canary: {steps: [10, 50]}, approvals: {required: 1, approvers: ["[Platform]\\\\Release Managers"]},'
        " network: {resourceGroup: rg-network, vnet: vnet-aks-prod, subnet: snet-endpoints}}",
        "  modules:",
    ]
    for index, kind in enumerate(TYPES):
        lines += module_yaml(project, index, kind, rng)
    return "\n".join(lines) + "\n"


def module_yaml(project: str, index: int, kind: str, rng: random.Random) -> list[str]:
    name = f"{project}-m{index}"
    out = [f"    - name: {name}", f"      type: {kind}", '      dotnet: {version: "8.0"}']
    if kind == "library":
        return [*out, f"      package: {{id: Bench.{project.title().replace('-', '')}.M{index}}}"]
    if kind == "microservice":
        out.append("      container: {port: 8080}")
        out.append(f"      deploy: {{replicas: {{default: 2, dev: 1, prod: {rng.randint(2, 6)}}},"
                   f" autoscaling: {{min: 2, max: 8}}, ingress: {{host: {name}.example.com}},"
                   f" env: {{Feature__Flag{index}: on}}}}")  # fmt: skip
    store = STORE_KINDS[(index + rng.randint(0, 6)) % len(STORE_KINDS)]
    out.append(f"      stores: [{{name: {project}-s{index}, kind: {store}}}]")
    out.append(f"      secrets: [{{env: ConnectionStrings__M{index}, secret: {name}-conn}}]")
    if index > 0:
        out.append(f"      dependsOn: [{project}-m{index - 1}]")
    return out


def write_estate(out: Path, modules: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    projects = max(1, modules // MODULES_PER_PROJECT)
    written = []
    for number in range(projects):
        tenant = f"tenant{number // PROJECTS_PER_TENANT:03d}"
        project = f"svc{number:04d}"
        path = out / tenant / f"{project}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(project_yaml(tenant, project, rng), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--modules", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    files = write_estate(arguments.out, arguments.modules, arguments.seed)
    print(f"wrote {len(files)} project spec(s) to {arguments.out}")


if __name__ == "__main__":
    main()
