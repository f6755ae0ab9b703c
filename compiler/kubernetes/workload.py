"""Every Kubernetes object of one workload, in a stable order, one file each in the Kustomize base.

These objects mirror the chart's templates (`templates/helm/chart/templates/`):
a test renders the chart with Helm's engine and requires the same objects, field
for field, as :func:`workload_objects` with the chart's default values (only the
`helm.sh/chart` label and the `managed-by` value differ, by design).
"""

from __future__ import annotations

from compiler.kubernetes import values as kv
from compiler.kubernetes.metadata import Obj
from compiler.kubernetes.network_policy import network_policy
from compiler.kubernetes.objects import (
    autoscaler,
    config_map,
    deployment,
    disruption_budget,
    ingress,
    pods,
    rollout_object,
    secret_provider_class,
    service,
    service_account,
)
from compiler.resolve.model import Environment


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
