"""Kubernetes objects of a workload as plain data: the Kustomize base and the overlays' Rollouts.

These builders mirror the chart's templates (`templates/helm/chart/templates/`):
a test renders the chart with Helm's engine and requires the same objects, field
for field, as :func:`workload_objects` with the chart's default values (only the
`helm.sh/chart` label and the `managed-by` value differ, by design).
"""

from __future__ import annotations

from typing import Any

from compiler.kubernetes import values as kv
from compiler.resolve.model import Environment

MANAGED_BY = "kustomize"

Obj = dict[str, Any]


def labels(workload: kv.Workload) -> dict[str, str]:
    return {
        **selector(workload),
        "app.kubernetes.io/component": workload.component,
        "app.kubernetes.io/part-of": workload.project.name,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def selector(workload: kv.Workload) -> dict[str, str]:
    return {"app.kubernetes.io/name": workload.name, "app.kubernetes.io/instance": workload.name}


def _meta(workload: kv.Workload, name: str | None = None, **extra: Any) -> Obj:
    return {"name": name or workload.name, "labels": labels(workload), **extra}


def workload_objects(workload: kv.Workload, environment: Environment | None = None) -> list[Obj]:
    """Every object the chart renders for these values, in a stable order."""
    values = kv.merged_values(workload, environment)
    rollout = values["strategy"]["type"] in kv.ROLLOUT_STRATEGIES
    objects = [service_account(workload), config_map(workload)]
    objects += [secret_provider_class(workload, vault) for vault in values["secrets"]["vaults"]]
    objects.append(rollout_object(workload, values) if rollout else deployment(workload, values))
    if workload.has_service or values["strategy"]["type"] == "blueGreen":
        objects.append(service(workload, values))
    if values["strategy"]["type"] == "blueGreen":
        objects.append(service(workload, values, "-preview"))
    if values["autoscaling"]["enabled"]:
        objects.append(autoscaler(workload, values, rollout))
    if pods(values) > 1:
        objects.append(disruption_budget(workload, values))
    if values["ingress"]["enabled"] and workload.has_service and workload.port:
        objects.append(ingress(workload, values))
    objects.append(network_policy(workload, values))
    return objects


def pods(values: dict[str, Any]) -> int:
    autoscaling = values["autoscaling"]
    return int(autoscaling["minReplicas"] if autoscaling["enabled"] else values["replicaCount"])


def service_account(workload: kv.Workload) -> Obj:
    annotations = {"azure.workload.identity/client-id": "", "azure.workload.identity/tenant-id": ""}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(workload, annotations=annotations),
        "automountServiceAccountToken": False,
    }


def config_map(workload: kv.Workload) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(workload),
        "data": kv.config_data(workload),
    }


def vault_object_name(workload: kv.Workload, vault: dict[str, Any]) -> str:
    return f"{workload.name}-{vault['name'].lower()}"


def secret_provider_class(workload: kv.Workload, vault: dict[str, Any]) -> Obj:
    objects = "array:\n" + "".join(
        f"  - |\n    objectName: {name}\n    objectType: secret\n" for name in vault["objects"]
    )
    name = vault_object_name(workload, vault)
    return {
        "apiVersion": "secrets-store.csi.x-k8s.io/v1",
        "kind": "SecretProviderClass",
        "metadata": _meta(workload, name),
        "spec": {
            "provider": "azure",
            "parameters": {
                "usePodIdentity": "false",
                "clientID": "",
                "tenantId": "",
                "keyvaultName": vault["keyvaultName"],
                "objects": objects,
            },
            "secretObjects": [
                {
                    "secretName": name,
                    "type": "Opaque",
                    "data": [
                        {"objectName": ref["secret"], "key": ref["env"]} for ref in vault["env"]
                    ],
                }
            ],
        },
    }


def _image(values: dict[str, Any]) -> str:
    """Always by digest: the pinned one, else the `unpromoted` marker no registry serves."""
    image = values["image"]
    return f"{image['repository']}@{image['digest'] or 'sha256:' + kv.UNPROMOTED}"


def _promoted_meta(workload: kv.Workload, values: dict[str, Any], name: str | None = None) -> Obj:
    """Metadata of an object that runs only once promoted: it carries the digest it runs."""
    pinned = values["image"]["digest"].removeprefix("sha256:") or kv.UNPROMOTED
    return _meta(workload, name, annotations={kv.DIGEST_ANNOTATION: pinned})


def container(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    port = values["container"].get("port")
    vaults = values["secrets"]["vaults"]
    spec: Obj = {"name": workload.name, "image": _image(values), "imagePullPolicy": "IfNotPresent"}
    if port:
        spec["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    env: list[Obj] = [{"name": "ASPNETCORE_HTTP_PORTS", "value": str(port)}] if port else []
    for vault in vaults:
        secret = vault_object_name(workload, vault)
        env += [
            {"name": ref["env"], "valueFrom": {"secretKeyRef": {"name": secret, "key": ref["env"]}}}
            for ref in vault["env"]
        ]
    if env:
        spec["env"] = env
    spec["envFrom"] = [{"configMapRef": {"name": workload.name}}]
    if port:
        health = values["container"]["health"]
        spec["livenessProbe"] = _probe(health["liveness"], initialDelaySeconds=10, periodSeconds=10)
        spec["readinessProbe"] = _probe(health["readiness"], periodSeconds=5)
    else:
        heartbeat = values["container"]["heartbeat"]
        spec["livenessProbe"] = _exec_probe(
            heartbeat_fresh(heartbeat), initialDelaySeconds=30, periodSeconds=30
        )
        spec["readinessProbe"] = _exec_probe(f"test -f {heartbeat}", periodSeconds=10)
    spec["resources"] = values["resources"]
    spec["securityContext"] = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    spec["volumeMounts"] = [{"name": "tmp", "mountPath": "/tmp"}] + [
        {
            "name": f"secrets-{vault['name'].lower()}",
            "mountPath": f"/mnt/secrets/{vault['name'].lower()}",
            "readOnly": True,
        }
        for vault in vaults
    ]
    return spec


def _probe(path: str, **timing: int) -> Obj:
    return {
        "httpGet": {"path": path, "port": "http"},
        **timing,
        "timeoutSeconds": 3,
        "failureThreshold": 3,
    }


def heartbeat_fresh(file: str) -> str:
    """The liveness check of a worker without a port: its heartbeat file is under 2 minutes old."""
    return f'test -n "$(find {file} -mmin -2 2>/dev/null)"'


def _exec_probe(script: str, **timing: int) -> Obj:
    return {
        "exec": {"command": ["/bin/sh", "-c", script]},
        **timing,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }


def pod_template(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    volumes: list[Obj] = [{"name": "tmp", "emptyDir": {}}]
    for vault in values["secrets"]["vaults"]:
        volumes.append(
            {
                "name": f"secrets-{vault['name'].lower()}",
                "csi": {
                    "driver": "secrets-store.csi.k8s.io",
                    "readOnly": True,
                    "volumeAttributes": {"secretProviderClass": vault_object_name(workload, vault)},
                },
            }
        )
    return {
        "metadata": {
            "labels": {**selector(workload), "azure.workload.identity/use": "true"},
            "annotations": {"checksum/config": kv.config_checksum(values["env"])},
        },
        "spec": {
            "serviceAccountName": workload.name,
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": kv.APP_UID,
                "runAsGroup": kv.APP_UID,
                "fsGroup": kv.APP_UID,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [container(workload, values)],
            "volumes": volumes,
        },
    }


def _controller_spec(workload: kv.Workload, values: dict[str, Any], strategy: Obj) -> Obj:
    spec: Obj = {} if values["autoscaling"]["enabled"] else {"replicas": values["replicaCount"]}
    spec["revisionHistoryLimit"] = 5
    spec["selector"] = {"matchLabels": selector(workload)}
    spec["strategy"] = strategy
    spec["template"] = pod_template(workload, values)
    return spec


def deployment(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _promoted_meta(workload, values),
        "spec": _controller_spec(workload, values, strategy),
    }


def rollout_strategy(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    strategy = values["strategy"]
    if strategy["type"] == "canary":
        steps: list[Obj] = []
        for weight in strategy["canary"]["steps"]:
            steps += [{"setWeight": weight}, {"pause": {"duration": strategy["canary"]["pause"]}}]
        return {"canary": {"maxSurge": "25%", "maxUnavailable": 0, "steps": steps}}
    return {
        "blueGreen": {
            "activeService": workload.name,
            "previewService": f"{workload.name}-preview",
            "autoPromotionEnabled": True,
            "autoPromotionSeconds": strategy["blueGreen"]["autoPromotionSeconds"],
            "scaleDownDelaySeconds": 30,
        }
    }


def rollout_object(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": _promoted_meta(workload, values),
        "spec": _controller_spec(workload, values, rollout_strategy(workload, values)),
    }


def service(workload: kv.Workload, values: dict[str, Any], suffix: str = "") -> Obj:
    spec: Obj = {"type": values["service"]["type"]}
    if workload.port:
        spec["ports"] = [
            {
                "name": "http",
                "port": values["service"]["port"],
                "targetPort": "http",
                "protocol": "TCP",
            }
        ]
    else:
        spec["clusterIP"] = "None"
    spec["selector"] = selector(workload)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(workload, workload.name + suffix),
        "spec": spec,
    }


def scale_target(workload: kv.Workload, rollout: bool) -> Obj:
    if rollout:
        return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": workload.name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload.name}


def autoscaler(workload: kv.Workload, values: dict[str, Any], rollout: bool) -> Obj:
    autoscaling = values["autoscaling"]
    target = {
        "type": "Utilization",
        "averageUtilization": autoscaling["targetCPUUtilizationPercentage"],
    }
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _promoted_meta(workload, values),
        "spec": {
            "scaleTargetRef": scale_target(workload, rollout),
            "minReplicas": autoscaling["minReplicas"],
            "maxReplicas": autoscaling["maxReplicas"],
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": target}}],
        },
    }


def disruption_budget(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _promoted_meta(workload, values),
        "spec": {
            "minAvailable": values["podDisruptionBudget"]["minAvailable"],
            "selector": {"matchLabels": selector(workload)},
        },
    }


def ingress(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    settings = values["ingress"]
    backend = {"service": {"name": workload.name, "port": {"name": "http"}}}
    path = {"path": settings["path"], "pathType": "Prefix", "backend": backend}
    spec: Obj = {}
    if settings["tlsSecretName"]:
        spec["tls"] = [{"hosts": [settings["host"]], "secretName": settings["tlsSecretName"]}]
    spec["rules"] = [{"host": settings["host"], "http": {"paths": [path]}}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _promoted_meta(workload, values),
        "spec": spec,
    }


def file_name(obj: Obj) -> str:
    """One object per file in the base: `deployment.yaml`, `service-preview.yaml`, ..."""
    kind = obj["kind"].lower()
    if kind == "horizontalpodautoscaler":
        kind = "hpa"
    elif kind == "poddisruptionbudget":
        kind = "pdb"
    name = obj["metadata"]["name"]
    suffix = name.removeprefix(obj["metadata"]["labels"]["app.kubernetes.io/instance"])
    return f"{kind}{suffix}.yaml"


def network_policy(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    """Default deny for the module's pods, then what its ingress and dependencies need."""
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
    ingress = [{"from": peers, "ports": [{"protocol": "TCP", "port": port}]}] if peers else []
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
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(workload),
        "spec": {
            "podSelector": {"matchLabels": selector(workload)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }
