"""The Key Vault wire: one vault name per environment, the same in every output that names it.

For each project and environment, the vault the SecretProviderClass reads (as the
cluster would apply it: the chart rendered with Helm's engine and that environment's
values, or the Kustomize overlay built with `kubectl kustomize`), the vault the
environment's variable group links, and the vault the environment's Pulumi stack
creates are one name.  Checked on the examples as compiled, and with each example
switched to the other manifest style and engine.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from compiler.pipeline import CompileOptions, compile_specs, resolve_specs
from tests.conftest import ROOT, SPECS
from tests.kubernetes.helpers import environment_values, kustomize_build, render_chart

SWITCHED = {
    "helm": ("manifests: helm", "manifests: kustomize"),
    "kustomize": ("manifests: kustomize", "manifests: helm"),
}


def _compiled(tmp_path: Path, switch: bool) -> tuple[Path, Path]:
    """The generated folder and the specs it was compiled from."""
    if not switch:
        return ROOT / "generated", SPECS
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    for spec in specs.rglob("*.yaml"):
        text = spec.read_text()
        for old, new in (("engine: argocd", "engine: @flux"), ("engine: flux", "engine: argocd")):
            text = text.replace(old, new)
        for old, new in (
            ("manifests: helm", "manifests: @k"),
            ("manifests: kustomize", "manifests: helm"),
        ):
            text = text.replace(old, new)
        spec.write_text(text.replace("@flux", "flux").replace("@k", "kustomize"))
    compile_specs(CompileOptions((specs,), tmp_path / "generated"))
    return tmp_path / "generated", specs


def _applied_vaults(
    folder: Path, project: object, module: object, environment: object
) -> list[str]:
    """keyvaultName of every SecretProviderClass the environment's cluster would get."""
    gitops = folder / project.gitops_repository  # type: ignore[attr-defined]
    name = module.name  # type: ignore[attr-defined]
    if project.manifests == "helm":  # type: ignore[attr-defined]
        chart = folder / module.repository / "charts" / name  # type: ignore[attr-defined]
        objects = render_chart(chart, environment_values(gitops, environment.name, name))  # type: ignore[attr-defined]
    else:
        objects = kustomize_build(gitops / "overlays" / environment.name / name)  # type: ignore[attr-defined]
    return [
        o["spec"]["parameters"]["keyvaultName"]
        for o in objects
        if o["kind"] == "SecretProviderClass"
    ]


@pytest.mark.parametrize("switch", [False, True], ids=["as-written", "other-style"])
def test_one_vault_per_environment_across_outputs(tmp_path: Path, switch: bool) -> None:
    generated, specs = _compiled(tmp_path, switch)
    estate = resolve_specs([specs], base=specs.parent)
    checked = 0
    for project in estate.projects:
        folder = generated / project.tenant / project.name
        for env in project.environments:
            if project.has_infrastructure:
                stack = folder / project.infra_repository / f"Pulumi.{env.name}.yaml"
                config = yaml.safe_load(stack.read_text())["config"]
                assert config[f"{project.name}:keyVault"] == env.key_vault
            for module in project.modules:
                declaration = folder / module.repository / ".shipspec/pipeline.json"
                if declaration.is_file():
                    groups = json.loads(declaration.read_text())["variableGroups"]
                    linked = {g["name"]: g["keyVault"] for g in groups}
                    assert linked.get(env.variable_group, env.key_vault) == env.key_vault
                if module.runs_container and any(s.vault is None for s in module.secrets):
                    assert env.key_vault in _applied_vaults(folder, project, module, env)
                    checked += 1
    assert checked >= 4, "the examples must exercise secrets from the project vault"
