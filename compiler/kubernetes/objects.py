"""Kubernetes objects of a workload as plain data, one builder per object.

The Kustomize base assembles them (:mod:`compiler.kubernetes.workload`) and the
GitOps overlays reuse them for what differs per environment (Rollouts, services,
pod templates).  They mirror the chart's templates field for field.
"""

from __future__ import annotations

from typing import Any

from compiler.kubernetes import values as kv
from compiler.kubernetes.metadata import Obj, meta, promoted_meta, selector


def pods(values: dict[str, Any]) -> int:
    autoscaling = values["autoscaling"]
    return int(autoscaling["minReplicas"] if autoscaling["enabled"] else values["replicaCount"])


def service_account(workload: kv.Workload) -> Obj:
    annotations = {"azure.workload.identity/client-id": "", "azure.workload.identity/tenant-id": ""}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta(workload, annotations=annotations),
        "automountServiceAccountToken": False,
    }


def config_map(workload: kv.Workload) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(workload),
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
        "metadata": meta(workload, name),
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


def container(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    port = values["container"].get("port")
    vaults = values["secrets"]["vaults"]
    spec: Obj = {"name": workload.name, "image": _image(values), "imagePullPolicy": "IfNotPresent"}
    if port:
        spec["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    env = _env(workload, port, vaults)
    if env:
        spec["env"] = env
    spec["envFrom"] = [{"configMapRef": {"name": workload.name}}]
    spec.update(_probes(values["container"], port))
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


def _env(workload: kv.Workload, port: int | None, vaults: list[dict[str, Any]]) -> list[Obj]:
    """The port ASP.NET Core listens on, then each Key Vault secret the module reads."""
    env: list[Obj] = [{"name": "ASPNETCORE_HTTP_PORTS", "value": str(port)}] if port else []
    for vault in vaults:
        secret = vault_object_name(workload, vault)
        env += [
            {"name": ref["env"], "valueFrom": {"secretKeyRef": {"name": secret, "key": ref["env"]}}}
            for ref in vault["env"]
        ]
    return env


def _probes(settings: dict[str, Any], port: int | None) -> Obj:
    """HTTP health endpoints where the module serves a port, else its heartbeat file."""
    if port:
        health = settings["health"]
        return {
            "livenessProbe": _probe(health["liveness"], initialDelaySeconds=10, periodSeconds=10),
            "readinessProbe": _probe(health["readiness"], periodSeconds=5),
        }
    heartbeat = settings["heartbeat"]
    return {
        "livenessProbe": _exec_probe(
            heartbeat_fresh(heartbeat), initialDelaySeconds=30, periodSeconds=30
        ),
        "readinessProbe": _exec_probe(f"test -f {heartbeat}", periodSeconds=10),
    }


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
        "metadata": promoted_meta(workload, values),
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
        "metadata": promoted_meta(workload, values),
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
        "metadata": meta(workload, workload.name + suffix),
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
        "metadata": promoted_meta(workload, values),
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
        "metadata": promoted_meta(workload, values),
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
        "metadata": promoted_meta(workload, values),
        "spec": spec,
    }
