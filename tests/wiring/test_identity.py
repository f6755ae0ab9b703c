"""The workload-identity wire: one federated credential per ServiceAccount the cluster runs.

For every environment and workload, the subject the environment's Pulumi stack
federates (`system:serviceaccount:<namespace>:<name>`) is exactly the namespace the
GitOps engine deploys into and the ServiceAccount the rendered pods run as, and the
module's program creates the credential from that subject.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from compiler.plan.naming import pascal
from compiler.resolve.identifiers import csharp_identifier
from tests.kubernetes.helpers import (
    environment_values,
    kustomize_build,
    promoted_copy,
    render_chart,
)
from tests.wiring.pipelines import estate_pipelines, steps_of


def _pods_service_account(folder, project, module, env) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(namespace, ServiceAccount) of the workload as the cluster would apply it."""
    gitops = folder / project.gitops_repository
    if project.manifests == "helm":
        chart = folder / module.repository / "charts" / module.name
        values = environment_values(gitops, env.name, module.name)
        objects = render_chart(chart, values, namespace=env.namespace)
        namespace = env.namespace  # the Argo CD / Flux destination, checked below
    else:  # as after a promotion: before it the overlay holds no workload
        objects = kustomize_build(gitops / "overlays" / env.name / module.name)
        namespace = next(o["metadata"]["namespace"] for o in objects if o["kind"] != "Namespace")
    (workload,) = [o for o in objects if o["kind"] in ("Deployment", "Rollout")]
    accounts = {o["metadata"]["name"] for o in objects if o["kind"] == "ServiceAccount"}
    account = workload["spec"]["template"]["spec"]["serviceAccountName"]
    assert account in accounts
    return namespace, account


def _destination(folder, project, env) -> str:  # type: ignore[no-untyped-def]
    gitops = folder / project.gitops_repository
    if project.engine == "argocd":
        apps = sorted((gitops / "argocd/applications").glob(f"*-{env.name}*.yaml"))
        spaces = {yaml.safe_load(p.read_text())["spec"]["destination"]["namespace"] for p in apps}
        (namespace,) = spaces
        return namespace
    docs = list(yaml.safe_load_all((gitops / f"flux/{env.name}.yaml").read_text()))
    return next(d["spec"]["targetNamespace"] for d in docs if d and d["kind"] == "Kustomization")


def test_every_running_service_account_has_its_federated_subject(estates, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """On the examples and the wiring estate, whose `edge` project owns no stores: a
    workload needs its identity and credential whether or not it owns a store."""
    checked = 0
    for compiled in estates:
        for project in compiled.estate.projects:
            if not project.workloads:
                continue
            gitops = compiled.folder(project) / project.gitops_repository
            folder = promoted_copy(gitops, tmp_path).parent
            program = folder / project.infra_repository
            for env in project.environments:
                config = yaml.safe_load((program / f"Pulumi.{env.name}.yaml").read_text())
                modules = config["config"][f"{project.name}:modules"]
                assert _destination(folder, project, env) == env.namespace
                for module in project.workloads:
                    namespace, account = _pods_service_account(folder, project, module, env)
                    subject = f"system:serviceaccount:{namespace}:{account}"
                    assert modules[module.name]["federatedSubject"] == subject
                    checked += 1
            for module in project.workloads:
                class_name = csharp_identifier(pascal(module.name) + "Stack")
                text = (program / "Modules" / f"{class_name}.cs").read_text()
                assert "FederatedIdentityCredential" in text and '"federatedSubject"' in text
    assert checked >= 12


def test_every_environment_s_up_stage_writes_the_identity_outputs(estates) -> None:  # type: ignore[no-untyped-def]
    """The ids reach the manifests only through the infra pipeline's `up_<env>` stage."""
    infra = {}
    for compiled in estates:
        for project, _repository, module, stages in estate_pipelines(compiled):
            if module is None:
                infra[project.tenant, project.name] = (project, stages)
    projects = [p for c in estates for p in c.estate.projects if p.workloads]
    assert {(p.tenant, p.name) for p in projects} <= set(infra)
    assert any(not p.stores for p in projects)
    for project, stages in infra.values():
        by_name = {stage["stage"]: stage for stage in stages}
        for env in project.environments:
            scripts = [
                step.get("inputs", {}).get("inlineScript", "") + step.get("bash", "")
                for step in steps_of(by_name[f"up_{env.identifier}"])
            ]
            assert any("shipspec gitops set-outputs" in script for script in scripts), env.name
