"""Flux documents: a GitRepository for the GitOps repository and one Kustomization per
environment (`targetNamespace` pins everything into the project's namespace); with Helm,
a GitRepository for each chart and a HelmRelease per module, its values from the
environment's files via ConfigMaps.
"""

from __future__ import annotations

from compiler import layout
from compiler.kubernetes import values as kv
from compiler.resolve.model import Environment, Project
from compiler.targets.gitops.objects import (
    SYNC_INTERVAL,
    Obj,
    kustomization,
    labels,
    revision_pin,
    revision_replacement,
)


def _flux_source_name(project: Project) -> str:
    return f"{project.tenant}-{project.gitops_repository}"


def _git_repository(
    name: str, namespace: str | None, url: str, branch: str, labels: dict[str, str]
) -> Obj:
    metadata: Obj = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    metadata["labels"] = labels
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": metadata,
        "spec": {
            "interval": "1m",
            "url": url,
            "ref": {"branch": branch},
            "secretRef": {"name": f"{name}-auth"},
        },
    }


def flux_gitops_source(project: Project) -> Obj:
    """The GitOps repository itself; `<name>-auth` holds the Azure DevOps credentials (a reference)."""
    return _git_repository(
        _flux_source_name(project),
        kv.FLUX_NAMESPACE,
        kv.gitops_url(project),
        project.default_branch,
        labels(project),
    )


def flux_kustomization(project: Project, environment: Environment) -> Obj:
    layout = "overlays" if project.manifests == "kustomize" else "environments"
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {
            "name": kv.application_name(project, environment.name),
            "namespace": kv.FLUX_NAMESPACE,
            "labels": labels(project, environment),
        },
        "spec": {
            "interval": SYNC_INTERVAL,
            "path": f"./{layout}/{environment.name}",
            "prune": True,
            "wait": True,
            "timeout": "10m",
            "targetNamespace": environment.namespace,
            "sourceRef": {"kind": "GitRepository", "name": _flux_source_name(project)},
        },
    }


def flux_chart_source(project: Project, workload: kv.Workload) -> Obj:
    """The module repository, where the chart lives (namespaced into the environment by Flux)."""
    url = project.git_url(workload.module.repository)
    source = _git_repository(workload.name, None, url, project.default_branch, labels(project))
    source["spec"]["ref"]["commit"] = (
        ""  # the environment's revision.yaml sets it (empty: the branch)
    )
    return source


def values_config_map(workload: kv.Workload) -> str:
    return f"{workload.name}-values"


def helm_release(workload: kv.Workload) -> Obj:
    config = values_config_map(workload)
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": workload.name, "labels": labels(workload.project)},
        "spec": {
            "interval": SYNC_INTERVAL,
            "releaseName": workload.name,
            "chart": {
                "spec": {
                    "chart": f"./{layout.chart_path(workload.name)}",
                    "reconcileStrategy": "Revision",
                    "sourceRef": {"kind": "GitRepository", "name": workload.name},
                }
            },
            "install": {"remediation": {"retries": 3}},
            "upgrade": {"remediation": {"retries": 3}, "cleanupOnFail": True},
            "valuesFrom": [
                {"kind": "ConfigMap", "name": config, "valuesKey": "values.yaml"},
                {"kind": "ConfigMap", "name": config, "valuesKey": layout.HELM_IMAGE_FILE},
                {"kind": "ConfigMap", "name": config, "valuesKey": layout.OUTPUTS_FILE},
            ],
        },
    }


def flux_environment_kustomization(
    project: Project, workloads: list[kv.Workload], environment: Environment
) -> Obj:
    """`environments/<env>/kustomization.yaml`: HelmReleases plus their values as ConfigMaps."""
    resources = []
    generators = []
    replacements = []
    for workload in workloads:
        folder = workload.name
        pin = revision_pin(project, workload, environment)
        resources += [f"{folder}/helmrelease.yaml", f"{folder}/{layout.REVISION_FILE}"]
        replacements.append(revision_replacement(pin))
        generators.append(
            {
                "name": values_config_map(workload),
                "files": [
                    f"values.yaml={folder}/values.yaml",
                    f"{layout.HELM_IMAGE_FILE}={folder}/{layout.HELM_IMAGE_FILE}",
                    f"{layout.OUTPUTS_FILE}={folder}/{layout.OUTPUTS_FILE}",
                ],
            }
        )
    return {
        **kustomization(resources=resources),
        "namespace": environment.namespace,
        "configMapGenerator": generators,
        "generatorOptions": {
            "disableNameSuffixHash": True,
            "labels": {"reconcile.fluxcd.io/watch": "Enabled"},
        },
        "replacements": replacements,
    }
