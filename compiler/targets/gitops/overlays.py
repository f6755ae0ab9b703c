"""The Kustomize layout's overlays: each environment's view of a module's base."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler import layout
from compiler.kubernetes import objects as k
from compiler.kubernetes import values as kv
from compiler.resolve.model import Environment
from compiler.targets.gitops.objects import (
    Obj,
    kustomization,
)


@dataclass
class Overlay:
    kustomization: Obj
    files: dict[str, list[Obj]] = field(default_factory=dict)
    """The patch files, by name."""
    own: list[Obj] = field(default_factory=list)
    """The environment's own objects (a Rollout, a preview Service, a budget): the overlay
    does not read them itself; each promotion copies them into `release.yaml`."""


def overlay(workload: kv.Workload, environment: Environment) -> Overlay:
    """`overlays/<env>/<module>/`: the base, re-targeted and patched for one environment.

    A rollingUpdate environment patches the base Deployment; a canary or blue-green
    environment deletes it and adds the complete Rollout (and the preview Service).
    """
    values = kv.merged_values(workload, environment)
    result = Overlay(kustomization={})
    patches = _strategy_objects(workload, environment, values, result)
    if values["ingress"]["enabled"] and workload.has_service and workload.port:
        patches.append(_ingress_patch(workload, values))
    patches += _disruption_budget(workload, values, result)
    _add_patches(workload, values, patches, result)
    result.kustomization = _overlay_kustomization(workload, environment, values, result)
    return result


def _strategy_objects(
    workload: kv.Workload, environment: Environment, values: dict[str, Any], result: Overlay
) -> list[Obj]:
    """The environment's own objects for its strategy (into `result`), and its first patches."""
    patches = [_configmap_patch(workload, environment)]
    if environment.strategy not in kv.ROLLOUT_STRATEGIES:
        return [*patches, _deployment_patch(workload, values)]
    result.own.append(k.rollout_object(workload, values))
    patches.append(_delete(workload, "apps/v1", "Deployment"))
    if environment.strategy == "blueGreen":
        if not workload.has_service:
            result.own.append(k.service(workload, values))
        result.own.append(k.service(workload, values, "-preview"))
    if values["autoscaling"]["enabled"]:
        patches.append(_hpa_patch(workload))
    return patches


def _add_patches(
    workload: kv.Workload, values: dict[str, Any], patches: list[Obj], result: Overlay
) -> None:
    """One file per patch, then each vault's, then (last) the delete of what is unpromoted."""
    for patch in patches:
        result.files[f"patch-{patch['kind'].lower()}.yaml"] = [patch]
    for vault in values["secrets"]["vaults"]:
        name = k.vault_object_name(workload, vault)
        result.files[f"patch-secretproviderclass-{vault['name'].lower()}.yaml"] = [
            _vault_patch(name, vault)
        ]
    result.files[UNPROMOTED_PATCH] = [_delete_unpromoted()]


def _overlay_kustomization(
    workload: kv.Workload, environment: Environment, values: dict[str, Any], result: Overlay
) -> Obj:
    """The overlay reads what the environment was last promoted with (`release.yaml`), never
    `base/<module>/` itself; each patch names its target, so a patch for an object that
    release does not have yet applies to nothing instead of failing the build."""
    config = kustomization(
        namespace=environment.namespace,
        resources=[layout.KUSTOMIZE_RELEASE_FILE, layout.OUTPUTS_FILE],
        components=["image", f"../../../base/{workload.name}/{PROMOTION_COMPONENT}"],
    )
    config["patches"] = [
        {"path": name, "target": _patch_target(name, docs[0])}
        for name, docs in result.files.items()
    ]
    config["replacements"] = identity_replacements(workload, values)
    return config


def _patch_target(name: str, patch: Obj) -> Obj:
    if name == UNPROMOTED_PATCH:
        return _unpromoted_selector()
    return {"kind": patch["kind"], "name": patch["metadata"]["name"]}


PROMOTION_COMPONENT = "promotion"
UNPROMOTED_PATCH = "patch-unpromoted.yaml"


def promotion_component(workload: kv.Workload) -> Obj:
    """`base/<module>/promotion/`: stamp the pinned digest on every object that waits for one.

    Nothing unpromoted runs, in Kustomize as in Helm: the base's Deployment runs
    `<image>@sha256:unpromoted`; the environment's image Component (applied first) pins the
    real digest; this Component copies the image's digest (what follows `sha256:`) into
    the `shipspec/image-digest` annotation of every object that waits for a digest; the
    overlay's last patch deletes whatever still says `unpromoted`.  Each step keys on the
    one line `shipspec gitops set-image` edits, so a promotion stays a one-line change.
    """
    image = f"spec.template.spec.containers.[name={workload.name}].image"
    source = {
        "kind": "Deployment",
        "name": workload.name,
        "fieldPath": image,
        "options": {"delimiter": "sha256:", "index": 1},
    }
    target = {
        "select": {"annotationSelector": kv.DIGEST_ANNOTATION},
        "fieldPaths": [f"metadata.annotations.{kv.DIGEST_ANNOTATION}"],
    }
    return {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1",
        "kind": "Component",
        "replacements": [{"source": source, "targets": [target]}],
    }


def _unpromoted_selector() -> Obj:
    return {"annotationSelector": f"{kv.DIGEST_ANNOTATION}={kv.UNPROMOTED}"}


def _delete_unpromoted() -> Obj:
    """Deletes each object the selector matches (the patch's own kind and name are ignored)."""
    return {
        "$patch": "delete",
        "apiVersion": "v1",
        "kind": "Unpromoted",
        "metadata": {"name": kv.UNPROMOTED},
    }


def outputs_config_map(workload: kv.Workload) -> str:
    """The local-config ConfigMap of `outputs.yaml` (Kustomize layout): never applied."""
    return f"{workload.name}-outputs"


def identity_replacements(workload: kv.Workload, values: dict[str, Any]) -> list[Obj]:
    """Copy the pipeline-owned identity ids into the ServiceAccount and every SecretProviderClass."""
    account = {"select": {"kind": "ServiceAccount", "name": workload.name}}
    vaults = [k.vault_object_name(workload, vault) for vault in values["secrets"]["vaults"]]
    out = []
    for key, annotation, parameter in (
        ("clientId", "client-id", "clientID"),
        ("tenantId", "tenant-id", "tenantId"),
    ):
        targets = [
            {
                **account,
                "fieldPaths": [f"metadata.annotations.[azure.workload.identity/{annotation}]"],
            }
        ]
        targets += [
            {
                "select": {"kind": "SecretProviderClass", "name": name},
                "fieldPaths": [f"spec.parameters.{parameter}"],
            }
            for name in vaults
        ]
        source = {
            "kind": "ConfigMap",
            "name": outputs_config_map(workload),
            "fieldPath": f"data.{key}",
        }
        out.append({"source": source, "targets": targets})
    return out


def _disruption_budget(workload: kv.Workload, values: dict[str, Any], result: Overlay) -> list[Obj]:
    """Replicas differ per environment, so the budget may appear or disappear in an overlay."""
    in_base = k.pods(kv.merged_values(workload, None)) > 1
    wanted = k.pods(values) > 1
    if wanted and not in_base:
        result.own.append(k.disruption_budget(workload, values))
    if in_base and not wanted:
        return [_delete(workload, "policy/v1", "PodDisruptionBudget")]
    return []


def _patch_meta(workload: kv.Workload, api_version: str, kind: str) -> Obj:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": workload.name}}


def _delete(workload: kv.Workload, api_version: str, kind: str) -> Obj:
    return {**_patch_meta(workload, api_version, kind), "$patch": "delete"}


def _configmap_patch(workload: kv.Workload, environment: Environment) -> Obj:
    """The environment's settings: the spec's and the connection information of its stores."""
    data = kv.config_data(workload, environment)
    return {**_patch_meta(workload, "v1", "ConfigMap"), "data": data}


def _deployment_patch(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    """Replicas ride in the patch, not `replicas:` (whose transformer fails once the
    unpromoted Deployment is deleted)."""
    pod = k.pod_template(workload, values)
    spec: Obj = {} if values["autoscaling"]["enabled"] else {"replicas": values["replicaCount"]}
    spec["template"] = {
        "metadata": {"annotations": pod["metadata"]["annotations"]},
        "spec": {"containers": [{"name": workload.name, "resources": values["resources"]}]},
    }
    return {**_patch_meta(workload, "apps/v1", "Deployment"), "spec": spec}


def _vault_patch(name: str, vault: dict[str, Any]) -> Obj:
    """The environment's Key Vault: each environment's stack creates its own."""
    return {
        "apiVersion": "secrets-store.csi.x-k8s.io/v1",
        "kind": "SecretProviderClass",
        "metadata": {"name": name},
        "spec": {"parameters": {"keyvaultName": vault["keyvaultName"]}},
    }


def _hpa_patch(workload: kv.Workload) -> Obj:
    return {
        **_patch_meta(workload, "autoscaling/v2", "HorizontalPodAutoscaler"),
        "spec": {"scaleTargetRef": k.scale_target(workload, rollout=True)},
    }


def _ingress_patch(workload: kv.Workload, values: dict[str, Any]) -> Obj:
    ingress = k.ingress(workload, values)
    return {**_patch_meta(workload, "networking.k8s.io/v1", "Ingress"), "spec": ingress["spec"]}
