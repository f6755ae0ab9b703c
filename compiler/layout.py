"""Where generated things live: repository names, folders and file names, defined once.

Targets write these paths; verify, `shipspec gitops`, publish and explain read
them.  Everything here is a contract between generated repositories and the
tools (and pipelines) that edit or check them, so it is imported, never copied.
"""

from __future__ import annotations

TENANT_FOLDER = "_tenant"
"""The folder beside a tenant's projects that holds tenant-wide repositories (no slug starts with _)."""

TEMPLATES_REPOSITORY = "pipeline-templates"
"""The tenant's repository of pipeline templates that `mode: templates` pipelines extend."""

PIPELINE_FILE = "azure-pipelines.yml"
PIPELINE_DECLARATION = ".shipspec/pipeline.json"
"""What publish configures in Azure DevOps for a repository's pipeline."""
REPOSITORY_DECLARATION = ".shipspec/repository.json"
"""Where a repository lives and how its default branch is protected (publish applies it)."""

HELM_IMAGE_FILE = "image.yaml"
"""Per environment and module (Helm layout): `image.digest`, written by `shipspec gitops set-image`."""
KUSTOMIZE_IMAGE_FILE = "image/kustomization.yaml"
"""Per environment and module (Kustomize layout): a Component whose `images[0].digest` is the pin."""

KUSTOMIZE_RELEASE_FILE = "release.yaml"
"""Per environment and module (Kustomize layout): what the environment runs, as of its last
promotion - the base the environment before it ran, then its own objects - written by
`shipspec gitops set-image`; the overlay reads it instead of `base/<module>/`."""
KUSTOMIZE_NEXT_FILE = "next.yaml"
"""Beside each release (Kustomize layout, pipeline-owned, not applied): the later environments'
own objects of the state the release was taken from - what the next promotion takes."""
KUSTOMIZE_OWN_FILE = "objects.yaml"
"""Per environment and module (Kustomize layout, managed): the environment's own objects
(a canary or blue-green Rollout, a preview Service, a budget), copied into the release."""
PROMOTION_PATH_FILE = "promotion-path.yaml"
"""Kustomize layout: the environments in promotion order (what `set-image` copies a base from)."""

OUTPUTS_FILE = "outputs.yaml"
"""Per environment and module, both layouts: the workload identity's client id and tenant id,
written by `shipspec gitops set-outputs` from the environment's stack outputs."""

REVISION_FILE = "revision.yaml"
"""Helm layout, per environment and module: the module repository commit whose chart the
environment runs, written by `shipspec gitops set-image --revision` at each promotion."""

ENVIRONMENT_FOLDERS = ("environments", "overlays", "envs", "clusters")
"""Folders of a GitOps repository whose children are environments."""


def gitops_repository(project: str) -> str:
    return f"{project}-gitops"


def infra_repository(project: str) -> str:
    return f"{project}-infra"


def pipeline_name(name: str) -> str:
    """The Azure Pipelines definition of a module or of the infra repository: `<name>-ci`."""
    return f"{name}-ci"


def chart_path(module: str) -> str:
    """Where a module's chart lives inside its repository."""
    return f"charts/{module}"


def environment_folder(environment: str, module: str) -> str:
    """The Helm layout's folder of one module in one environment (values + image pin)."""
    return f"environments/{environment}/{module}"


def overlay_folder(environment: str, module: str) -> str:
    """The Kustomize layout's overlay of one module in one environment."""
    return f"overlays/{environment}/{module}"


def image_file(manifests: str, environment: str, module: str) -> str:
    """The one file of the GitOps repository whose digest line `set-image` edits."""
    if manifests == "kustomize":
        return f"{overlay_folder(environment, module)}/{KUSTOMIZE_IMAGE_FILE}"
    return f"{environment_folder(environment, module)}/{HELM_IMAGE_FILE}"


def release_file(environment: str, module: str) -> str:
    """The Kustomize layout's release of a module in one environment (what it runs)."""
    return f"{overlay_folder(environment, module)}/{KUSTOMIZE_RELEASE_FILE}"


def next_file(environment: str, module: str) -> str:
    return f"{overlay_folder(environment, module)}/{KUSTOMIZE_NEXT_FILE}"


def outputs_file(manifests: str, environment: str, module: str) -> str:
    """The one file of the GitOps repository that `set-outputs` edits for a module."""
    if manifests == "kustomize":
        return f"{overlay_folder(environment, module)}/{OUTPUTS_FILE}"
    return f"{environment_folder(environment, module)}/{OUTPUTS_FILE}"


def revision_file(engine: str, environment: str, module: str) -> str:
    """Where the chart revision an environment runs is pinned (Helm layout).

    Flux builds each environment folder with Kustomize, so the pin lives beside the
    HelmRelease; Argo CD's Applications are built from `argocd/` (the root Application).
    """
    if engine == "flux":
        return f"{environment_folder(environment, module)}/{REVISION_FILE}"
    return f"argocd/revisions/{environment}/{module}.yaml"
