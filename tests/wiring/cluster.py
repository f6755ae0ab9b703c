"""What each environment's cluster would apply, after simulated pipeline runs.

The wiring suites compile an estate, copy its GitOps repository as a checkout, run
the pipeline-owned edits the real pipelines run (`shipspec gitops set-outputs` after a
simulated `pulumi up`, `shipspec gitops set-image` for a simulated promotion) and then
render what the engine applies for one environment: for Helm, the chart with exactly the
value files the Argo CD Application or Flux HelmRelease names (Helm's own engine), for
Kustomize the folder the Application or Flux Kustomization points at (`kubectl kustomize`).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from compiler.cli.gitops import gitops_group
from compiler.pipeline import CompileOptions, compile_specs, resolve_specs
from compiler.resolve.identifiers import stack_output
from compiler.resolve.model import Environment, Project
from tests.kubernetes.helpers import kustomize_build, render_chart

WIRING_SPECS = Path(__file__).parent / "specs" / "acme"
"""The suite's own estate (beside other wiring specs in specs/)."""
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
VARIANTS = [(e, m) for e in ("argocd", "flux") for m in ("helm", "kustomize")]


def client_id(project: Project, environment: str, module: str) -> str:
    """The fake client id a simulated `up` reports for one module and environment."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{project.tenant}/{project.name}/{environment}/{module}")
    )


def digest(module: str, environment: str, build: int = 1) -> str:
    return "sha256:" + hashlib.sha256(f"{module}/{environment}/{build}".encode()).hexdigest()


@dataclass
class Estate:
    """A compiled platform and a writable checkout of each project's GitOps repository."""

    generated: Path
    projects: tuple[Project, ...]

    def project(self, name: str) -> Project:
        return next(project for project in self.projects if project.name == name)

    def folder(self, project: Project) -> Path:
        return self.generated / project.tenant / project.name

    def gitops(self, project: Project) -> Path:
        return self.folder(project) / project.gitops_repository

    def up(self, project: Project, environment: Environment) -> dict[str, Any]:
        """A simulated `pulumi up`: the stack outputs written into the checkout by the CLI."""
        outputs: dict[str, Any] = {"keyVaultName": environment.key_vault}
        for module in project.modules:
            outputs[stack_output(module.name, "IdentityClientId")] = client_id(
                project, environment.name, module.name
            )
            outputs[stack_output(module.name, "AppInsightsConnectionString")] = "[secret]"
        file = self.generated / f"outputs-{project.name}-{environment.name}.json"
        file.write_text(json.dumps(outputs))
        self.gitops_cli(
            "set-outputs", project, "--env", environment.name,
            "--stack-outputs", str(file), "--tenant-id", TENANT_ID,
        )  # fmt: skip
        return outputs

    def promote(
        self, project: Project, environment: Environment, module: str, revision: str = ""
    ) -> str:
        """A simulated deploy stage: pin the module's digest (and chart revision) there."""
        pinned = digest(module, environment.name)
        args = ["--env", environment.name, "--module", module, "--digest", pinned]
        self.gitops_cli(
            "set-image", project, *args, *(["--revision", revision] if revision else [])
        )
        return pinned

    def chart_revisions(self, project: Project, environment: Environment) -> dict[str, str]:
        """module -> the chart revision the engine reads for it in the environment (Helm layout)."""
        gitops = self.gitops(project)
        if project.engine == "argocd":
            apps = kustomize_build(gitops / "argocd")
            return {
                a["spec"]["sources"][0]["helm"]["releaseName"]: a["spec"]["sources"][0][
                    "targetRevision"
                ]
                for a in by_kind(apps, "Application")
                if a["metadata"]["labels"].get("shipspec/environment") == environment.name
            }
        built = kustomize_build(gitops / "environments" / environment.name)
        return {
            r["metadata"]["name"]: r["spec"]["ref"].get("commit", "")
            for r in by_kind(built, "GitRepository")
        }

    def republish(self, old: str, new: str) -> None:
        """A spec edit, compiled and published: the files shipspec manages change, the
        pipeline-owned ones (scaffold, created once) keep what the pipelines wrote."""
        kept: dict[Path, bytes] = {}
        for project in self.projects:
            manifest = json.loads((self.folder(project) / ".shipspec/manifest.json").read_text())
            for relative, entry in manifest["files"].items():
                path = self.folder(project) / relative
                if entry["ownership"] == "scaffold" and path.is_file():
                    kept[path] = path.read_bytes()
        specs = self.generated.parent / "specs"
        for spec in specs.rglob("*.yaml"):
            spec.write_text(spec.read_text().replace(old, new))
        compile_specs(CompileOptions((specs,), self.generated))
        for path, data in kept.items():
            path.write_bytes(data)

    def gitops_cli(self, command: str, project: Project, *args: str) -> str:
        result = CliRunner().invoke(
            gitops_group(), [command, "--repo", str(self.gitops(project)), *args]
        )
        assert result.exit_code == 0, result.output
        return result.output

    def applied(self, project: Project, environment: Environment) -> list[dict[str, Any]]:
        """Every object the engine applies to the environment's namespace."""
        gitops = self.gitops(project)
        if project.manifests == "kustomize":
            return kustomize_build(gitops / _kustomize_path(project, environment, gitops))
        objects = []
        for module, value_files in _helm_value_files(project, environment, gitops).items():
            chart = self.folder(project) / _repository(project, module) / "charts" / module
            values: dict[str, Any] = {}
            for file in value_files:
                values = _merge(values, yaml.safe_load((gitops / file).read_text()) or {})
            objects += render_chart(chart, values, namespace=environment.namespace)
        return objects


def compile_estate(tmp_path: Path, specs: Path, engine: str = "", manifests: str = "") -> Estate:
    """Compile `specs` (optionally switched to an engine and manifests style) into tmp_path."""
    root = tmp_path / "platform"
    shutil.copytree(specs, root / "specs")
    for spec in (root / "specs").rglob("*.yaml"):
        text = spec.read_text()
        if engine:
            text = re.sub(r"engine: \w+", f"engine: {engine}", text)
        if manifests:
            text = re.sub(r"manifests: \w+", f"manifests: {manifests}", text)
        spec.write_text(text)
    generated = root / "generated"
    compile_specs(CompileOptions((root / "specs",), generated))
    estate = resolve_specs([root / "specs"], base=root)
    return Estate(generated, tuple(p for p in estate.projects if p.workloads))


def _repository(project: Project, module: str) -> str:
    return next(m.repository for m in project.modules if m.name == module)


def _kustomize_path(project: Project, environment: Environment, gitops: Path) -> str:
    """The folder the engine builds for the environment, read from the engine's own file."""
    if project.engine == "argocd":
        (app,) = [
            yaml.safe_load(p.read_text())
            for p in sorted((gitops / "argocd/applications").glob("*.yaml"))
            if yaml.safe_load(p.read_text())["metadata"]["labels"]["shipspec/environment"]
            == environment.name
        ]
        return app["spec"]["source"]["path"]
    docs = yaml.safe_load_all((gitops / f"flux/{environment.name}.yaml").read_text())
    kustomization = next(d for d in docs if d and d["kind"] == "Kustomization")
    return kustomization["spec"]["path"].removeprefix("./")


def _helm_value_files(
    project: Project, environment: Environment, gitops: Path
) -> dict[str, list[str]]:
    """module -> the value files, in order, that the engine hands to Helm."""
    out: dict[str, list[str]] = {}
    if project.engine == "argocd":
        for path in sorted((gitops / "argocd/applications").glob("*.yaml")):
            app = yaml.safe_load(path.read_text())
            if app["metadata"]["labels"]["shipspec/environment"] != environment.name:
                continue
            chart = app["spec"]["sources"][0]
            files = [f.removeprefix("$values/") for f in chart["helm"]["valueFiles"]]
            out[chart["helm"]["releaseName"]] = files
        return out
    folder = gitops / "environments" / environment.name
    config = yaml.safe_load((folder / "kustomization.yaml").read_text())
    generators = {
        g["name"]: dict(f.split("=", 1) for f in g["files"]) for g in config["configMapGenerator"]
    }
    for resource in config["resources"]:
        for doc in yaml.safe_load_all((folder / resource).read_text()):
            if doc and doc["kind"] == "HelmRelease":
                keys = [(v["name"], v["valuesKey"]) for v in doc["spec"]["valuesFrom"]]
                out[doc["metadata"]["name"]] = [
                    f"environments/{environment.name}/{generators[name][key]}" for name, key in keys
                ]
    return out


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of value files: maps merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def by_kind(objects: list[dict[str, Any]], *kinds: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] in kinds]


def module_objects(objects: list[dict[str, Any]], module: str) -> list[dict[str, Any]]:
    """The objects of one module (its instance label)."""
    return [
        o
        for o in objects
        if o["metadata"].get("labels", {}).get("app.kubernetes.io/instance") == module
    ]
