"""Hardening wires: probes for every worker, a NetworkPolicy per workload, TLS in production.

After a simulated `up` and a promotion of every module everywhere, what each
environment's cluster applies gives: every container a liveness and a readiness probe
(HTTP on the port, or exec probes on the heartbeat file the scaffolded Worker.cs
writes, for a worker without one); every workload exactly one NetworkPolicy selecting
its pods, denying by default, letting in only the ingress controller (when it has an
ingress) and the modules that depend on it, and out only DNS, the modules it depends on
and the Azure ports of its stores; every Ingress of a production environment TLS for
its host.  On the examples and the suite's own estate, every engine and style.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.resolve.azure_names import STORE_PORTS
from compiler.verify.kubernetes import validate_object
from tests.conftest import SPECS
from tests.wiring.cluster import VARIANTS, WIRING_SPECS, by_kind, compile_estate, module_objects

ESTATES = [("examples", SPECS, "", ""), *(("shop", WIRING_SPECS, e, m) for e, m in VARIANTS)]


def _selected(policy: dict, pod_labels: dict) -> bool:
    wanted = policy["spec"]["podSelector"]["matchLabels"]
    return all(pod_labels.get(k) == v for k, v in wanted.items())


def _peers(policy: dict) -> list[dict]:
    return [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]


def _check_policy(project, module, objects: list[dict]) -> None:  # type: ignore[no-untyped-def]
    (workload,) = by_kind(module_objects(objects, module.name), "Deployment", "Rollout")
    labels = workload["spec"]["template"]["metadata"]["labels"]
    policies = [p for p in by_kind(objects, "NetworkPolicy") if _selected(p, labels)]
    assert len(policies) == 1, module.name
    (policy,) = policies
    assert validate_object(policy) == []
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    egress = policy["spec"]["egress"]
    ports = {(p["protocol"], p["port"]) for rule in egress for p in rule.get("ports", [])}
    assert {("UDP", 53), ("TCP", 53)} <= ports
    for store in module.stores_used:
        assert {("TCP", p) for p in STORE_PORTS[store.kind]} <= ports, store.name
    workloads = {m.name: m for m in project.workloads}
    for name in module.depends_on:
        if name in workloads and workloads[name].spec.container.port:
            pods = [
                rule for rule in egress
                if {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": name}}}
                in rule.get("to", [])
            ]  # fmt: skip
            assert pods and pods[0]["ports"][0]["port"] == workloads[name].spec.container.port
    dependents = {m.name for m in project.workloads if module.name in m.depends_on}
    allowed = {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/instance"]
        for peer in _peers(policy)
        if "podSelector" in peer
    }
    port = module.spec.container.port
    assert allowed == (dependents if port else set())
    from_ingress = any("namespaceSelector" in peer for peer in _peers(policy))
    assert from_ingress == bool(module.spec.deploy.ingress and port)


def _check_probes(module, objects: list[dict], folder: Path) -> None:  # type: ignore[no-untyped-def]
    (workload,) = by_kind(module_objects(objects, module.name), "Deployment", "Rollout")
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert probe in container, (module.name, probe)
    if module.spec.container.port is None:
        script = container["livenessProbe"]["exec"]["command"][-1]
        code = next((folder / module.repository / "src").rglob("Worker.cs")).read_text()
        heartbeat = code.split('Heartbeat = "', 1)[1].split('"', 1)[0]
        assert (
            heartbeat in script and heartbeat in container["readinessProbe"]["exec"]["command"][-1]
        )
        assert "WriteAllTextAsync(Heartbeat" in code


@pytest.mark.parametrize(("name", "specs", "engine", "manifests"), ESTATES, ids=[
    f"{n}-{e or 'as-written'}-{m or ''}".rstrip("-") for n, _, e, m in ESTATES
])  # fmt: skip
def test_probes_network_policies_and_production_tls(
    tmp_path: Path, name: str, specs: Path, engine: str, manifests: str
) -> None:
    estate = compile_estate(tmp_path, specs, engine, manifests)
    portless = tls = 0
    for project in estate.projects:
        for env in project.environments:
            estate.up(project, env)
            for module in project.workloads:
                estate.promote(project, env, module.name)
            objects = estate.applied(project, env)
            for module in project.workloads:
                _check_policy(project, module, objects)
                _check_probes(module, objects, estate.folder(project))
                portless += module.spec.container.port is None
            for ingress in by_kind(objects, "Ingress"):
                if env.tier == "production":
                    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
                    (entry,) = ingress["spec"]["tls"]
                    assert entry["hosts"] == hosts and entry["secretName"]
                    tls += 1
    assert portless and tls
