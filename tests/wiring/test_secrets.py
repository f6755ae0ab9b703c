"""The secrets wire: every secret a pod or a pipeline reads is created or listed, and every
stage checks the ones it needs before it changes anything.

Read from what runs: the SecretProviderClasses each environment's cluster would apply
(Helm with that environment's values, or the Kustomize overlay), the `$(...)` secrets
and Key Vault-linked variable groups the pipelines use, and the Pulumi programs (which
create no secret at all: the stores take Microsoft Entra tokens).
"""

from __future__ import annotations

import json
import re

import yaml

from tests.kubernetes.helpers import environment_values, kustomize_build, render_chart
from tests.wiring.pipelines import estate_pipelines, preflight_env, readme_table

MACRO = re.compile(r"\$\(([a-z][a-z0-9-]*)\)")
CHANGING_JOBS = {"promote", "apply", "preview"}


def _applied_secrets(compiled, project, module, env) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(vault, secret) of every SecretProviderClass object the cluster would mount."""
    gitops = compiled.folder(project) / project.gitops_repository
    if project.manifests == "helm":
        chart = compiled.folder(project) / module.repository / "charts" / module.name
        objects = render_chart(chart, environment_values(gitops, env.name, module.name))
    else:
        objects = kustomize_build(gitops / "overlays" / env.name / module.name)
    found = set()
    for spc in (o for o in objects if o["kind"] == "SecretProviderClass"):
        parameters = spc["spec"]["parameters"]
        for entry in yaml.safe_load(parameters["objects"])["array"]:
            found.add((parameters["keyvaultName"], yaml.safe_load(entry)["objectName"]))
    return found


def _checklist(compiled, project) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    readme = compiled.folder(project) / project.infra_repository / "README.md"
    rows = readme_table(readme, "Secrets checklist")
    return {(r["environment"], r["Key Vault"], r["secret"]) for r in rows}


def test_every_secret_a_pod_reads_is_listed_and_checked_by_its_deploy_stage(estates) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for compiled in estates:
        for project, repository, module, stages in estate_pipelines(compiled):
            if module is None or not module.runs_container:
                continue
            listed = _checklist(compiled, project)
            by_stage = {s["stage"]: s for s in stages}
            for env in project.environments:
                applied = _applied_secrets(compiled, project, module, env)
                assert {(env.name, v, s) for v, s in applied} <= listed, repository
                required = preflight_env(by_stage[f"deploy_{env.identifier}"])["REQUIRED_SECRETS"]
                assert {tuple(e.split("/")) for e in required.split()} == applied, repository
                checked += len(applied)
    assert checked >= 14


def test_every_secret_a_pipeline_reads_is_listed_and_checked_first(estates) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for compiled in estates:
        for project, repository, _, stages in estate_pipelines(compiled):
            declaration = compiled.folder(project) / repository / ".shipspec/pipeline.json"
            groups = {g["name"]: g for g in json.loads(declaration.read_text())["variableGroups"]}
            listed = _checklist(compiled, project) if project.has_infrastructure else set()
            environments = {e.variable_group: e for e in project.environments}
            for stage in stages:
                group_names = [
                    v["group"]
                    for job in stage["jobs"]
                    for v in job.get("variables", ())
                    if "group" in v
                ]
                used = set(MACRO.findall(json.dumps(stage)))
                for name in group_names:
                    group, env = groups[name], environments[name]
                    assert set(group["secrets"]) >= used, stage["stage"]
                    needed = {(env.name, group["keyVault"], s) for s in used}
                    assert needed <= listed, f"{repository} {stage['stage']}: {needed - listed}"
                    required = preflight_env(stage)["REQUIRED_SECRETS"].split()
                    assert {f"{group['keyVault']}/{s}" for s in used} <= set(required)
                    checked += len(used)
    assert checked >= 20


def test_a_preflight_job_precedes_every_job_that_changes_something(estates) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for compiled in estates:
        for _, repository, _, stages in estate_pipelines(compiled):
            for stage in stages:
                jobs = {j.get("job") or j.get("deployment"): j for j in stage["jobs"]}
                if not CHANGING_JOBS & set(jobs):
                    continue
                assert "variables" not in stage, f"{repository} {stage['stage']}: stage-level group"
                first = stage["jobs"][0]
                assert first["job"] == "preflight" and "variables" not in first
                for name, job in jobs.items():
                    if name != "preflight":
                        assert "preflight" in job["dependsOn"], f"{repository} {stage['stage']}"
                checked += 1
    assert checked >= 30


def test_no_program_writes_a_secret_nothing_reads(estates) -> None:  # type: ignore[no-untyped-def]
    for compiled in estates:
        for project in compiled.estate.projects:
            if not project.has_infrastructure:
                continue
            program = compiled.folder(project) / project.infra_repository
            for source in program.rglob("*.cs"):
                text = source.read_text()
                assert "KeyVault.Secret(" not in text and "RandomPassword" not in text, source
                assert "AdministratorLoginPassword" not in text, source
