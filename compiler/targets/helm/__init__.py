"""Helm chart target: one chart per microservice and worker, in its repository at `charts/<module>/`.

The chart's templates are the same for every module and carry no spec value:
everything that differs (image, port, probes, resources, settings, secret
references, autoscaling, ingress, rollout strategy) is data in `values.yaml`,
and `values.schema.json` (from the same plan) makes Helm refuse a bad override.
A spec value can therefore never be evaluated as a Helm template.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from compiler import layout
from compiler.contexts import TemplateContext
from compiler.ir import OutputFile
from compiler.kubernetes import values as kv
from compiler.resolve.model import Project
from compiler.serialize import Line, lines
from compiler.targets.helm.schema import values_schema

FAMILY = "helm"
KUBE_VERSION = ">=1.27.0-0"

CHART_TEMPLATES = (
    "NOTES.txt",
    "_helpers.tpl",
    "configmap.yaml",
    "deployment.yaml",
    "hpa.yaml",
    "ingress.yaml",
    "networkpolicy.yaml",
    "pdb.yaml",
    "rollout.yaml",
    "secretproviderclass.yaml",
    "service-preview.yaml",
    "service.yaml",
    "serviceaccount.yaml",
)
"""Static Helm templates (Go templates kept raw): every chart renders them from its values."""

VALUES_COMMENTS = {
    "nameOverride": "Names: objects are called after the release (GitOps installs release <module>).",
    "partOf": "app.kubernetes.io/part-of and app.kubernetes.io/component labels.",
    "image": "The image, always by digest. GitOps pins `digest` per environment (shipspec\n"
    "gitops set-image); while it is empty the environment runs nothing (no pod, no ingress).",
    "replicaCount": "Pods when autoscaling is off (per environment in the GitOps repository).",
    "strategy": "rollingUpdate: a Deployment. canary / blueGreen: an Argo Rollouts Rollout.",
    "container": "The container port and its HTTP health endpoints; a worker without a port has\n"
    "`heartbeat` instead: the file its exec probes check (fresh within 2 minutes).",
    "resources": "Requests and limits of the container (every pod has requests).",
    "autoscaling": "A HorizontalPodAutoscaler on CPU; it then owns the replica count.",
    "podDisruptionBudget": "Applied when more than one pod runs.",
    "service": "The ClusterIP Service of a microservice (port `http`).",
    "ingress": "An Ingress for the Service; `tlsSecretName` adds TLS for `host` (every production\n"
    "environment sets `<module>-tls`).",
    "env": "Non-secret settings, as a ConfigMap loaded into the environment (per environment:\n"
    "also each used store's connection information, Stores__<Store>__Host and the like).",
    "networkPolicy": "A NetworkPolicy denies everything else: in from the ingress controller's\n"
    "namespace and the modules that depend on this one; out to DNS, the modules it depends\n"
    "on and the Azure ports of Entra ID and its stores.",
    "secrets": "Key Vault references (never values): one SecretProviderClass per vault; each\n"
    "secret reaches the container as the environment variable named by `env`.",
    "workloadIdentity": "Azure workload identity of the pods' ServiceAccount: per environment from\n"
    "the stack outputs (outputs.yaml in the GitOps repository, shipspec gitops set-outputs).",
}


class HelmCharts:
    name = "helm"

    def files(self, project: Project) -> Iterator[OutputFile]:
        for workload in kv.workloads(project):
            yield from chart_files(workload)


def chart_files(workload: kv.Workload) -> Iterator[OutputFile]:
    project, module = workload.project, workload.module
    root = f"{module.repository}/{layout.chart_path(module.name)}"
    key = module.key_path
    values = kv.chart_values(workload)
    context = ChartContext(
        chart_metadata(workload), lines(values, VALUES_COMMENTS), values_schema(values)
    )

    def managed(path: str, template: str, key_path: str = key) -> OutputFile:
        return project.file(f"{root}/{path}", f"{FAMILY}/chart/{template}", context, key_path)

    yield managed("Chart.yaml", "Chart.yaml.j2")
    yield managed(".helmignore", "helmignore.j2")
    yield managed("values.yaml", "values.yaml.j2", f"{key}.deploy")
    yield managed("values.schema.json", "values.schema.json.j2", f"{key}.deploy")
    for template in CHART_TEMPLATES:
        yield managed(f"templates/{template}", f"templates/{template}.j2")


@dataclass(frozen=True)
class ChartMetadata:
    name: str
    description: str
    version: str
    kube_version: str
    component: str
    tenant: str
    project: str


@dataclass(frozen=True)
class ChartContext(TemplateContext):
    """What every file of a chart prints: its metadata, values and values schema."""

    chart: ChartMetadata
    lines: list[Line]
    """values.yaml, as the serializer's lines (with the section comments)."""
    schema: Mapping[str, Any]


def chart_metadata(workload: kv.Workload) -> ChartMetadata:
    project = workload.project
    return ChartMetadata(
        name=workload.name,
        description=f"The {workload.name} {workload.module.type} of {project.tenant}/{project.name}",
        version=kv.chart_version(),
        kube_version=KUBE_VERSION,
        component=workload.component,
        tenant=project.tenant,
        project=project.name,
    )
