"""What a module runs on Kubernetes, resolved once for the chart, the GitOps repository and Kustomize.

One plan feeds every Kubernetes output: the chart's `values.yaml` (the module's
defaults) and `values.schema.json`, each environment's values file in the GitOps
repository, and the Kustomize base and overlays (which must equal what the chart
renders).  Names shared by those outputs are defined here, once.

Spec values reach YAML only as data: the chart's templates are static and read
`.Values`, so a spec value such as `{{ 7*7 }}` can never be evaluated by Helm.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from compiler.resolve.model import Environment, Module, Project
from compiler.spec.models.modules import Microservice, Worker
from compiler.version import __version__

APP_UID = 1654
"""The non-root `app` user of the official .NET images (the repository target's Dockerfile uses it)."""

UNPROMOTED = "unpromoted"
"""What the Kustomize base carries instead of a digest (`<image>@sha256:unpromoted`, which no
registry serves): until a promotion pins a digest, the overlays drop every object carrying it."""

DIGEST_ANNOTATION = "shipspec/image-digest"
"""On the objects that run only once promoted (the Deployment or Rollout, its autoscaler,
disruption budget and ingress): the pinned digest's hex, or `unpromoted`."""

CANARY_PAUSE = "5m"
"""How long a canary step holds before the next weight (overridable per environment in values)."""

BLUE_GREEN_PROMOTION_SECONDS = 300
"""How long a blue-green preview runs before it becomes active."""

ARGOCD_NAMESPACE = "argocd"
FLUX_NAMESPACE = "flux-system"

HEARTBEAT_FILE = "/tmp/healthy"
"""A worker without a port touches this file while its loop runs (the scaffolded Worker.cs
does); its exec probes check it: present for readiness, written in the last two minutes
for liveness."""

INGRESS_NAMESPACE = "ingress-nginx"
"""Where the ingress controller runs: its pods may reach a service that has an ingress
(override `networkPolicy.ingressNamespace` per environment)."""

DNS_SELECTOR = {"k8s-app": "kube-dns"}
"""CoreDNS in kube-system, which every pod may ask (AKS labels it so)."""

ROLLOUT_STRATEGIES = ("canary", "blueGreen")
DIGEST_PATTERN = r"^sha256:[a-f0-9]{64}$"


# --- names ------------------------------------------------------------------------------------------


def app_project(project: Project) -> str:
    """The Argo CD AppProject of a project; tenant-qualified because Argo CD is shared."""
    return f"{project.tenant}-{project.name}"


def application_name(project: Project, environment: str, module: str | None = None) -> str:
    base = f"{project.tenant}-{project.name}-{environment}"
    return f"{base}-{module}" if module else base


def ingress_host(host: str, environment: str, last: bool) -> str:
    """The last environment serves the spec's host; earlier ones a sub-domain named after them.

    >>> ingress_host("pay.contoso.com", "dev", last=False)
    'dev.pay.contoso.com'
    """
    return host if last else f"{environment}.{host}"


# --- the values of one module -----------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """A microservice or worker as Kubernetes sees it."""

    project: Project
    module: Module

    @property
    def model(self) -> Microservice | Worker:
        model = self.module.spec
        assert isinstance(model, Microservice | Worker)
        return model

    @property
    def name(self) -> str:
        return self.module.name

    @property
    def port(self) -> int | None:
        return self.model.container.port

    @property
    def component(self) -> str:
        return "api" if self.module.type == "microservice" else "worker"

    @property
    def image(self) -> str:
        return self.module.image

    @property
    def has_service(self) -> bool:
        return self.module.type == "microservice"

    def replicas(self, environment: str | None = None) -> int:
        if environment is None:
            return int(self.model.deploy.replicas.default)
        return self.module.replicas[environment]


def workloads(project: Project) -> Iterator[Workload]:
    for module in project.workloads:
        yield Workload(project, module)


def config_data(workload: Workload, environment: Environment | None = None) -> dict[str, str]:
    """The non-secret settings as ConfigMap data: every value a string (`true`, `8080`), keys sorted.

    In an environment: also the connection information of every store the module uses
    there (`Stores__<Store>__Host`, ...; the spec's `deploy.env` wins on a clash).
    """
    settings = workload.module.store_settings(environment.name) if environment else {}
    settings.update({key: _setting(value) for key, value in workload.model.deploy.env.items()})
    return dict(sorted(settings.items()))


def _setting(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def config_checksum(data: Mapping[str, str]) -> str:
    """sha256 of the settings as Helm's `toJson | sha256sum` computes it (Go's encoding/json).

    >>> config_checksum({}) == hashlib.sha256(b"{}").hexdigest()
    True
    >>> config_checksum({"A": "<&>"}) == hashlib.sha256(b'{"A":"\\\\u003c\\\\u0026\\\\u003e"}').hexdigest()
    True
    """
    text = json.dumps(dict(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in _GO_JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_GO_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
"""Where Go's json.Marshal (HTML-safe by default) writes a string differently from Python's json."""


def secret_vaults(
    workload: Workload, environment: Environment | None = None
) -> list[dict[str, Any]]:
    """Secret references grouped by Key Vault: each vault becomes one SecretProviderClass.

    `name` is the vault as the spec names it (objects are named after it, the same in
    every environment); `keyvaultName` is the Azure vault in this environment: the
    project's vault of that environment (the one its Pulumi stack creates) for
    references without their own `vault`.  Without an environment: the last one's.
    """
    project = workload.project
    default = project.key_vault or None
    in_force = (environment or project.last).key_vault
    vaults: dict[str, list[dict[str, str]]] = {}
    for secret in workload.model.secrets:
        vault = secret.vault or default
        assert vault is not None, "validation requires spec.keyVault for a secret without vault"
        vaults.setdefault(vault, []).append({"env": secret.env, "secret": secret.secret})
    return [
        {
            "name": vault,
            "keyvaultName": in_force if vault == default else vault,
            "objects": sorted({ref["secret"] for ref in refs}),
            "env": refs,
        }
        for vault, refs in sorted(vaults.items())
    ]


def chart_values(workload: Workload) -> dict[str, Any]:
    """The chart's `values.yaml`: the module's defaults (rollingUpdate, default replicas)."""
    return {
        "nameOverride": "",
        "fullnameOverride": "",
        "partOf": workload.project.name,
        "component": workload.component,
        "image": {"repository": workload.image, "digest": "", "pullPolicy": "IfNotPresent"},
        "replicaCount": workload.replicas(),
        "strategy": strategy_values(None),
        "container": _container_values(workload),
        "resources": _resources_values(workload),
        "autoscaling": _autoscaling_values(workload),
        "podDisruptionBudget": {"minAvailable": 1},
        "service": {"enabled": workload.has_service, "type": "ClusterIP", "port": 80},
        "ingress": _ingress_values(workload),
        "env": config_data(workload),
        "networkPolicy": network_policy_values(workload),
        "secrets": {"vaults": secret_vaults(workload)},
        "workloadIdentity": {"clientId": "", "tenantId": ""},
    }


def _container_values(workload: Workload) -> dict[str, Any]:
    """A service is probed on its port; a worker without one by its heartbeat file."""
    health = workload.model.container.health
    probes = {"health": {"liveness": health.liveness, "readiness": health.readiness}}
    if workload.port is not None:
        return {"port": workload.port, **probes}
    return {"heartbeat": HEARTBEAT_FILE, **probes}


def _resources_values(workload: Workload) -> dict[str, Any]:
    resources = workload.model.deploy.resources
    return {
        "requests": {"cpu": resources.requests.cpu, "memory": resources.requests.memory},
        "limits": {"cpu": resources.limits.cpu, "memory": resources.limits.memory},
    }


def _autoscaling_values(workload: Workload) -> dict[str, Any]:
    autoscaling = workload.model.deploy.autoscaling
    return {
        "enabled": autoscaling is not None,
        "minReplicas": autoscaling.min if autoscaling else 1,
        "maxReplicas": autoscaling.max if autoscaling else 1,
        "targetCPUUtilizationPercentage": autoscaling.targetCpu if autoscaling else 80,
    }


def _ingress_values(workload: Workload) -> dict[str, Any]:
    """The spec's host and path; each environment's file qualifies the host and adds TLS."""
    ingress = workload.model.deploy.ingress
    return {
        "enabled": ingress is not None,
        "className": "",
        "host": ingress.host if ingress else "",
        "path": ingress.path if ingress else "/",
        "tlsSecretName": "",
    }


def network_policy_values(workload: Workload) -> dict[str, Any]:
    """Who may reach the pods and what they may reach; everything else is denied.

    In: the ingress controller (when the module has an ingress) and the pods of the
    modules that depend on it, on its port. Out: DNS, the ports of the workloads it
    depends on, and the Azure ports of Entra ID and its stores (private endpoints keep
    those ports, so the rule holds with or without them).
    """
    project, module = workload.project, workload.module
    workloads = {m.name: m for m in project.workloads}
    port = workload.port
    dependents = sorted(m.name for m in project.workloads if module.name in m.depends_on)
    return {
        "ingressNamespace": INGRESS_NAMESPACE,
        "dependents": dependents if port else [],
        "dependencies": [
            {"name": name, "port": workloads[name].spec.container.port}
            for name in module.depends_on
            if name in workloads and workloads[name].spec.container.port
        ],
        "egressPorts": list(module.egress_ports),
    }


def strategy_values(environment: Environment | None) -> dict[str, Any]:
    kind = environment.strategy if environment else "rollingUpdate"
    steps = list(environment.canary_steps) if environment else []
    return {
        "type": kind,
        "canary": {"steps": steps, "pause": CANARY_PAUSE},
        "blueGreen": {"autoPromotionSeconds": BLUE_GREEN_PROMOTION_SECONDS},
    }


def environment_values(workload: Workload, environment: Environment) -> dict[str, Any]:
    """What one environment sets over the chart's defaults (its values file in the GitOps repo)."""
    defaults = chart_values(workload)
    ingress = dict(defaults["ingress"])
    if ingress["enabled"]:
        ingress["host"] = ingress_host(ingress["host"], environment.name, environment.is_last)
        ingress["tlsSecretName"] = workload.module.tls_secrets.get(environment.name, "")
    values = {
        "replicaCount": workload.replicas(environment.name),
        "strategy": strategy_values(environment),
        "ingress": ingress,
        "env": config_data(workload, environment),
    }
    vaults = secret_vaults(workload, environment)
    if vaults:
        values["secrets"] = {"vaults": vaults}
    return values


def merged_values(workload: Workload, environment: Environment | None) -> dict[str, Any]:
    """The values an environment's release renders with (defaults, then the environment's file)."""
    values = chart_values(workload)
    if environment is not None:
        values.update(environment_values(workload, environment))
    return values


def gitops_url(project: Project) -> str:
    return project.git_url(project.gitops_repository)


def chart_version() -> str:
    """Charts are versioned by the compiler that wrote them: a new shipspec may change a chart."""
    return __version__
