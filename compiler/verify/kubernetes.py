"""Verify charts, overlays and every Kubernetes object of a generated tree with the real tools.

- every chart (`*/charts/<chart>/Chart.yaml`) passes Helm v4's lint in strict mode and
  renders, with its defaults and with each environment's values from the project's
  GitOps repository, through Helm's own engine (helm-python-sdk);
- every Kustomization (`kustomization.yaml` that is not a Component) builds with
  `kubectl kustomize`;
- both as after a promotion: an environment without a digest renders no workload, so
  an empty pin is checked with a placeholder digest (`PLACEHOLDER_DIGEST`) and the
  workload objects are checked too;
- every object those produce, and every document of a GitOps repository's `argocd/`
  and `flux/` folders, validates: built-in kinds with kubernetes-validate (strict,
  Kubernetes 1.30), Argo CD / Argo Rollouts / Flux / Secrets Store CSI kinds and
  kustomization files against the CRD schemas in `compiler/schemas/`;
- policy: no pod runs as root, every container requests CPU and memory, and no object
  carries a Secret's data or a value that looks like a credential.

A missing tool is a finding that says what to install, never a silent skip.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from compiler.layout import HELM_IMAGE_FILE, OUTPUTS_FILE
from compiler.schemas import load_schema

if TYPE_CHECKING:
    from compiler.verify import Finding

KUBERNETES_VERSION = "1.30.0"

PLACEHOLDER_DIGEST = "sha256:" + "0" * 64
"""The digest an empty pin is checked with (what a promotion would set)."""

CRD_SCHEMAS = {
    ("argoproj.io/v1alpha1", "Application"): "argocd-application-v1alpha1",
    ("argoproj.io/v1alpha1", "AppProject"): "argocd-appproject-v1alpha1",
    ("argoproj.io/v1alpha1", "ApplicationSet"): "argocd-applicationset-v1alpha1",
    ("argoproj.io/v1alpha1", "Rollout"): "argo-rollouts-rollout-v1alpha1",
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"): "flux-kustomization-v1",
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease"): "flux-helmrelease-v2",
    ("source.toolkit.fluxcd.io/v1", "GitRepository"): "flux-gitrepository-v1",
    ("source.toolkit.fluxcd.io/v1", "HelmRepository"): "flux-helmrepository-v1",
    ("secrets-store.csi.x-k8s.io/v1", "SecretProviderClass"): "secretproviderclass-v1",
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"): "kustomization",
    ("kustomize.config.k8s.io/v1alpha1", "Component"): "kustomization",
}
"""Kinds that kubernetes-validate does not know, and the schema in compiler/schemas/ for each."""

INSTALL_HELM = "install helm-python-sdk (pip install helm-python-sdk, or pip install -e '.[dev]')"
INSTALL_KUBECTL = "install kubectl (it includes kustomize): https://kubernetes.io/docs/tasks/tools/"
INSTALL_VALIDATE = (
    "install kubernetes-validate (pip install kubernetes-validate, or pip install -e '.[dev]')"
)


@dataclass(frozen=True)
class Source:
    """Where objects came from, for findings: a file and, optionally, the values used."""

    file: str
    context: str = ""

    def note(self, message: str) -> str:
        return f"[{self.context}] {message}" if self.context else message


class KubernetesChecker:
    name = "kubernetes"

    def check(self, root: Path, folder: Path | None = None) -> Iterator[Finding]:
        checker = _Run(root, folder or root)
        yield from checker.charts()
        yield from checker.kustomizations()
        yield from checker.gitops_documents()


def _finding(file: str, obj: str, message: str) -> Finding:
    from compiler.verify import Finding

    return Finding(file, obj, message)


def _object_name(obj: Any) -> str:
    if not isinstance(obj, dict):
        return ""
    name = (obj.get("metadata") or {}).get("name", "?")
    return f"{obj.get('kind', '?')}/{name}"


class _Run:
    """One pass over `folder` (all of `root`, or one project folder of it); files named from root."""

    def __init__(self, root: Path, folder: Path) -> None:
        self.root = root
        self.folder = folder

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # --- Helm ---------------------------------------------------------------------------------------

    def charts(self) -> Iterator[Finding]:
        charts = sorted(p.parent for p in self.folder.glob("**/charts/*/Chart.yaml"))
        if not charts:
            return
        try:
            import helm_python
        except ImportError:
            yield _finding(self.rel(charts[0]), "", f"cannot lint or render charts: {INSTALL_HELM}")
            return
        for chart in charts:
            yield from self._chart(helm_python, chart)

    def _chart(self, helm: Any, chart: Path) -> Iterator[Finding]:
        metadata = _load_yaml(chart / "Chart.yaml")
        for error in _crd_validator("helm-chart").iter_errors(metadata):
            yield _finding(self.rel(chart / "Chart.yaml"), "", _message(error))
        for label, values, namespace in self._chart_values(chart):
            source = Source(self.rel(chart), label)
            report = helm.lint(
                str(chart),
                values,
                strict=True,
                kube_version=f"v{KUBERNETES_VERSION}",
                namespace=namespace,
            )
            for message in report.get("messages", []):
                if message.get("severity", 0) >= 2:
                    file = f"{self.rel(chart)}/{message.get('path', '')}".rstrip("/")
                    yield _finding(
                        file, "", source.note(f"helm lint: {str(message.get('error')).strip()}")
                    )
            yield from self._render(helm, chart, values, namespace, label)

    def _render(
        self, helm: Any, chart: Path, values: Any, namespace: str, label: str
    ) -> Iterator[Finding]:
        try:
            with helm.Chart.load(str(chart)) as loaded:
                rendered = loaded.render(values, name=chart.name, namespace=namespace)
        except helm.HelmError as error:
            yield _finding(
                self.rel(chart),
                "",
                Source("", label).note(f"helm render failed: {str(error).strip()}"),
            )
            return
        for template, text in sorted(rendered.items()):
            if template.endswith("NOTES.txt"):
                continue
            file = self.rel(chart.parent / template)
            yield from self.validate_text(Source(file, label), text)

    def _chart_values(self, chart: Path) -> Iterator[tuple[str, Any, str]]:
        """Defaults, then each environment's values from the project's GitOps repository."""
        yield "default values", _promoted({}), "default"
        project = chart.parents[2]
        gitops = project / f"{project.name}-gitops" / "environments"
        for values_file in sorted(gitops.glob(f"*/{chart.name}/values.yaml")):
            environment = values_file.parent.parent.name
            values = _load_yaml(values_file) or {}
            for owned in (HELM_IMAGE_FILE, OUTPUTS_FILE):  # the pipeline-owned value files
                pin = values_file.parent / owned
                if pin.is_file():
                    values = _merge(values, _load_yaml(pin) or {})
            yield f"{environment} values", _promoted(values), f"{project.name}-{environment}"

    # --- Kustomize ------------------------------------------------------------------------------------

    def kustomizations(self) -> Iterator[Finding]:
        folders = [
            p.parent
            for p in sorted(self.folder.glob("**/kustomization.yaml"))
            if not _is_component(p)
        ]
        if not folders:
            return
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            yield _finding(
                self.rel(folders[0]), "", f"cannot build Kustomize overlays: {INSTALL_KUBECTL}"
            )
            return
        referenced = {ref for folder in folders for ref in _referenced_folders(folder)}
        with tempfile.TemporaryDirectory() as scratch:
            promoted = _promoted_copy(self.folder, Path(scratch))
            for folder in folders:
                yield from self._build(kubectl, folder, promoted, folder.resolve() in referenced)

    def _build(
        self, kubectl: str, folder: Path, promoted: Path, included: bool
    ) -> Iterator[Finding]:
        """Build `folder` as promoted (from the copy); findings name `folder`."""
        copy = promoted / folder.relative_to(self.folder)
        result = subprocess.run(
            [kubectl, "kustomize", str(copy)], capture_output=True, text=True, check=False
        )
        rel = self.rel(folder)
        if result.returncode != 0:
            error = result.stderr.strip().replace(str(promoted), str(self.folder))
            yield _finding(rel, "", f"kubectl kustomize failed: {error}")
        elif not included:
            yield from self.validate_text(Source(rel, "kubectl kustomize"), result.stdout)

    # --- GitOps documents ---------------------------------------------------------------------------

    def gitops_documents(self) -> Iterator[Finding]:
        for repository in self.gitops_repositories():
            files = sorted(
                [*repository.glob("argocd/**/*.yaml"), *repository.glob("flux/**/*.yaml")]
            )
            files += sorted(repository.glob("**/kustomization.yaml"))
            for file in files:
                yield from self.validate_text(
                    Source(self.rel(file)), file.read_text(encoding="utf-8")
                )

    def gitops_repositories(self) -> list[Path]:
        """`<tenant>/<project>/<project>-gitops` folders of the tree that lie inside `folder`."""
        found = self.root.glob("*/*/*-gitops")
        return sorted(p for p in found if p.is_dir() and p.is_relative_to(self.folder))

    # --- validation -----------------------------------------------------------------------------------

    def validate_text(self, source: Source, text: str) -> Iterator[Finding]:
        try:
            documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
        except yaml.YAMLError as error:
            yield _finding(source.file, "", source.note(f"not valid YAML: {error}"))
            return
        yield from self.validate_documents(source, documents)

    def validate_documents(self, source: Source, documents: Iterable[Any]) -> Iterator[Finding]:
        for document in documents:
            name = _object_name(document)
            for message in validate_object(document):
                yield _finding(source.file, name, source.note(message))
            for message in policy(document):
                yield _finding(source.file, name, source.note(message))


# --- one object ------------------------------------------------------------------------------------------


def validate_object(obj: Any) -> list[str]:
    """Schema problems of one object: built-in kinds by kubernetes-validate, others by CRD schema."""
    if not isinstance(obj, dict) or "kind" not in obj or "apiVersion" not in obj:
        return ["not a Kubernetes object (no apiVersion/kind)"]
    schema = CRD_SCHEMAS.get((obj["apiVersion"], obj["kind"]))
    if schema is not None:
        return [_message(error) for error in _crd_validator(schema).iter_errors(obj)]
    try:
        import kubernetes_validate
    except ImportError:
        return [f"cannot validate Kubernetes objects: {INSTALL_VALIDATE}"]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [_message(error)]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"no schema for {obj['apiVersion']} {obj['kind']} in Kubernetes {error.version}"]
    return []


def _message(error: Any) -> str:
    where = ".".join(str(part) for part in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"


@functools.cache
def _crd_validator(name: str) -> Any:
    import jsonschema

    schema = load_schema(f"{name}.schema.json")
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema)


POD_KINDS = {"Deployment", "Rollout", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}


def policy(obj: Any) -> list[str]:
    """The rules every generated object keeps: non-root, resource requests, no secret values."""
    if not isinstance(obj, dict):
        return []
    problems = []
    if obj.get("kind") == "Secret" and (obj.get("data") or obj.get("stringData")):
        problems.append("carries Secret data: secrets must stay in Key Vault (SecretProviderClass)")
    if obj.get("kind") in POD_KINDS:
        pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
        problems += _pod_policy(pod)
    problems += [
        f"{path}: looks like a {kind}; use a Key Vault reference"
        for path, kind in _secret_values(obj)
    ]
    return problems


def _pod_policy(pod: dict[str, Any]) -> list[str]:
    problems = []
    pod_context = pod.get("securityContext") or {}
    for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
        context = container.get("securityContext") or {}
        non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        user = context.get("runAsUser", pod_context.get("runAsUser"))
        if non_root is not True or user == 0:
            problems.append(
                f"container {container.get('name')} may run as root (runAsNonRoot is not true)"
            )
        requests = (container.get("resources") or {}).get("requests") or {}
        if not {"cpu", "memory"} <= set(requests):
            problems.append(f"container {container.get('name')} lacks cpu and memory requests")
    return problems


def _secret_values(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    from compiler.spec.secrets import secret_kind

    if isinstance(value, dict):
        for key, item in value.items():
            yield from _secret_values(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _secret_values(item, f"{path}[{index}]")
    elif isinstance(value, str) and (kind := secret_kind(value)):
        yield path, kind


# --- files ------------------------------------------------------------------------------------------------


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _promoted(values: dict[str, Any]) -> dict[str, Any]:
    """Values as after a promotion: an empty digest becomes the placeholder."""
    image = dict(values.get("image") or {})
    image["digest"] = image.get("digest") or PLACEHOLDER_DIGEST
    return {**values, "image": image}


_EMPTY_DIGEST = re.compile(r'^(\s*(?:- )?digest:\s*)""', re.MULTILINE)


def _promoted_copy(folder: Path, scratch: Path) -> Path:
    """A copy of `folder` whose empty Kustomize image pins hold the placeholder digest."""
    copy = scratch / "tree"
    shutil.copytree(folder, copy, symlinks=True)
    for pin in copy.glob("**/image/kustomization.yaml"):
        text = pin.read_text(encoding="utf-8")
        pin.write_text(_EMPTY_DIGEST.sub(rf'\1"{PLACEHOLDER_DIGEST}"', text), encoding="utf-8")
    return copy


def _is_component(path: Path) -> bool:
    try:
        document = _load_yaml(path)
    except yaml.YAMLError:
        return False
    return isinstance(document, dict) and document.get("kind") == "Component"


def _referenced_folders(folder: Path) -> Iterator[Path]:
    """Folders another Kustomization includes: their objects are validated in the including build."""
    try:
        document = _load_yaml(folder / "kustomization.yaml") or {}
    except yaml.YAMLError:
        return
    for entry in document.get("resources", []) if isinstance(document, dict) else []:
        target = (folder / str(entry)).resolve()
        if target.is_dir():
            yield target
