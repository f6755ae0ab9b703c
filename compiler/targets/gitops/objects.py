"""What the GitOps repository's documents share: labels, namespaces, pins, kustomizations.

The engines' own documents live beside this module: :mod:`.argocd` (AppProject and
Applications), :mod:`.flux` (sources, Kustomizations and HelmReleases) and
:mod:`.overlays` (the Kustomize layout's environment overlays).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler import layout
from compiler.kubernetes import values as kv
from compiler.resolve.model import Environment, Project

Obj = dict[str, Any]

NAMESPACED_KINDS = (
    ("", "ConfigMap"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("apps", "Deployment"),
    ("argoproj.io", "Rollout"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("policy", "PodDisruptionBudget"),
    ("secrets-store.csi.x-k8s.io", "SecretProviderClass"),
)
"""What a project may create in its namespaces: exactly the kinds shipspec generates."""

SYNC_INTERVAL = "5m"


def labels(project: Project, environment: Environment | None = None) -> dict[str, str]:
    labels = {"app.kubernetes.io/part-of": project.name, "shipspec/tenant": project.tenant}
    if environment is not None:
        labels["shipspec/environment"] = environment.name
    return labels


def namespace(project: Project, environment: Environment) -> Obj:
    """The environment's namespace, enforcing the `restricted` Pod Security Standard."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": environment.namespace,
            "labels": namespace_labels(project, environment),
        },
    }


def namespace_labels(project: Project, environment: Environment) -> dict[str, str]:
    return {
        **labels(project, environment),
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    }


@dataclass(frozen=True)
class RevisionPin:
    """Where one module's chart revision is pinned in one environment, and what it moves."""

    path: str
    name: str
    """The local-config ConfigMap's name."""
    kind: str
    target: str
    field_path: str


def revision_pin(project: Project, workload: kv.Workload, environment: Environment) -> RevisionPin:
    path = layout.revision_file(project.engine, environment.name, workload.name)
    if project.engine == "flux":
        return RevisionPin(
            path, f"{workload.name}-revision", "GitRepository", workload.name, "spec.ref.commit"
        )
    app = kv.application_name(project, environment.name, workload.name)
    name = f"{environment.name}-{workload.name}-revision"
    return RevisionPin(path, name, "Application", app, "spec.sources.0.targetRevision")


def revision_replacement(pin: RevisionPin) -> Obj:
    """Copy the pinned commit into the Application's chart source or the chart GitRepository."""
    return {
        "source": {"kind": "ConfigMap", "name": pin.name, "fieldPath": "data.revision"},
        "targets": [
            {
                "select": {"kind": pin.kind, "name": pin.target},
                "fieldPaths": [pin.field_path],
                "options": {"create": True},
            }
        ],
    }


def kustomization(**fields: Any) -> Obj:
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", **fields}
