"""Compile specs into a folder for the Kubernetes tests, and read generated objects back."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from compiler.pipeline import resolve_specs
from compiler.plan.build import plan
from compiler.staging import emit
from compiler.targets.gitops import GitOpsRepository
from compiler.targets.helm import HelmCharts
from compiler.workers import render_plan
from tests.conftest import SPECS


def copy_specs(tmp_path: Path, *names: str) -> Path:
    """A platform folder holding copies of the example specs (all, or the named ones)."""
    root = tmp_path / "platform"
    (root / "specs").mkdir(parents=True)
    tenants = {name.split("/")[0] + "/tenant.yaml" for name in names}
    for spec in sorted(SPECS.rglob("*.yaml")):
        relative = spec.relative_to(SPECS).as_posix()
        if not names or relative in names or relative in tenants:  # with its Tenant document
            target = root / "specs" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(spec, target)
    return root


KUBERNETES_TARGETS = {"helm": HelmCharts(), "gitops": GitOpsRepository()}
"""Only this suite's targets: the other targets are tested (and may be rebuilt) elsewhere."""


def compile_platform(root: Path) -> Path:
    """Compile the platform's specs with the Kubernetes targets into `root/generated`."""
    spec = resolve_specs([root / "specs"], base=root)
    outputs = render_plan(plan(spec, KUBERNETES_TARGETS))
    emit(outputs, root / "generated")
    return root / "generated"


def load_objects(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def render_chart(chart: Path, values: dict | None = None, namespace: str = "default") -> list[dict]:
    """Every object Helm's engine renders from a chart (helm-python-sdk)."""
    import helm_python

    with helm_python.Chart.load(str(chart)) as loaded:
        rendered = loaded.render(values, name=chart.name, namespace=namespace)
    return [
        doc
        for name, text in sorted(rendered.items())
        if not name.endswith("NOTES.txt")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


PROMOTED = "sha256:" + "5e" * 32
"""The digest the suites pin when they render an environment as after its first promotion."""


def environment_values(gitops: Path, environment: str, module: str, promoted: bool = True) -> dict:
    """An environment's values for a chart: values.yaml, then the pipeline-owned files over it.

    `promoted`: as after the first promotion (an empty pin becomes PROMOTED); without it an
    unpromoted environment renders no workload.
    """
    folder = gitops / "environments" / environment / module
    values = yaml.safe_load((folder / "values.yaml").read_text())
    values["image"] = yaml.safe_load((folder / "image.yaml").read_text())["image"]
    values.update(yaml.safe_load((folder / "outputs.yaml").read_text()))
    if promoted and not values["image"]["digest"]:
        values["image"]["digest"] = PROMOTED
    return values


def promote_all(gitops: Path, digest: str = PROMOTED) -> Path:
    """Pin `digest` for every module in every environment of a GitOps checkout (set-image)."""
    from compiler.gitops_image import set_image

    pins = [
        *gitops.glob("environments/*/*/image.yaml"),
        *gitops.glob("overlays/*/*/image/kustomization.yaml"),
    ]
    for pin in pins:
        module = pin.parent if pin.name == "image.yaml" else pin.parent.parent
        set_image(gitops, module.parent.name, module.name, digest)
    return gitops


def promoted_copy(gitops: Path, tmp_path: Path, digest: str = PROMOTED) -> Path:
    """A copy of a GitOps repository (beside copies of its project's module repositories)
    with every module promoted everywhere."""
    import tempfile

    project = Path(tempfile.mkdtemp(dir=tmp_path)) / gitops.parent.parent.name / gitops.parent.name
    shutil.copytree(gitops.parent, project, dirs_exist_ok=True)
    return promote_all(project / gitops.name, digest)


def kustomize_build(folder: Path) -> list[dict]:
    import subprocess

    output = subprocess.run(
        ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]
