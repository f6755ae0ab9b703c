"""The NetworkPolicy of a workload: default deny, then what its ingress and dependencies need."""

from __future__ import annotations

from typing import Any

from compiler.kubernetes import values as kv
from compiler.kubernetes.metadata import Obj, meta, selector


def network_policy(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    """Default deny for the module's pods, then what its ingress and dependencies need."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta(workload),
        "spec": {
            "podSelector": {"matchLabels": selector(workload)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": _ingress(values),
            "egress": _egress(values["networkPolicy"]),
        },
    }


def _ingress(values: dict[str, Any]) -> list[Obj]:
    """In from the ingress controller (when the module is exposed) and from its dependents."""
    policy = values["networkPolicy"]
    port = values["container"].get("port")
    peers: list[Obj] = []
    if values["ingress"]["enabled"] and port:
        namespace = {"kubernetes.io/metadata.name": policy["ingressNamespace"]}
        peers.append({"namespaceSelector": {"matchLabels": namespace}})
    peers += [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": name}}}
        for name in policy["dependents"]
    ]
    return [{"from": peers, "ports": [{"protocol": "TCP", "port": port}]}] if peers else []


def _egress(policy: dict[str, Any]) -> list[Obj]:
    """Out to the cluster's DNS, to each dependency's port, and on the allowed ports."""
    dns = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": kv.DNS_SELECTOR},
    }
    egress: list[Obj] = [
        {
            "to": [dns],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]
    egress += [
        {
            "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/instance": d["name"]}}}],
            "ports": [{"protocol": "TCP", "port": d["port"]}],
        }
        for d in policy["dependencies"]
    ]
    egress.append({"ports": [{"protocol": "TCP", "port": p} for p in policy["egressPorts"]]})
    return egress
