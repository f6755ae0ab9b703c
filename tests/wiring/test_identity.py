"""The workload-identity wire: one federated credential per ServiceAccount the cluster runs.

For every environment and workload, the subject the environment's Pulumi stack
federates (`system:serviceaccount:<namespace>:<name>`) is exactly the namespace the
GitOps engine deploys into and the ServiceAccount the rendered pods run as, and the
module's program creates the credential from that subject.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from compiler.pipeline import resolve_specs
from tests.conftest import ROOT, SPECS
from tests.kubernetes.helpers import (
    environment_values,
    kustomize_build,
    promoted_copy,
    render_chart,
)


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


def test_every_running_service_account_has_its_federated_subject(tmp_path: Path) -> None:
    estate = resolve_specs([SPECS], base=ROOT)
    checked = 0
    for project in estate.projects:
        if not project.workloads:
            continue
        compiled = ROOT / "generated" / project.tenant / project.name
        folder = promoted_copy(compiled / project.gitops_repository, tmp_path).parent
        program = folder / project.infra_repository
        for env in project.environments:
            config = yaml.safe_load((program / f"Pulumi.{env.name}.yaml").read_text())["config"]
            modules = config[f"{project.name}:modules"]
            assert _destination(folder, project, env) == env.namespace
            for module in project.workloads:
                namespace, account = _pods_service_account(folder, project, module, env)
                subject = f"system:serviceaccount:{namespace}:{account}"
                assert modules[module.name]["federatedSubject"] == subject
                checked += 1
        for module in project.workloads:
            stack = next(
                (program / "Modules").glob(f"*{module.name.split('-')[-1].title()}Stack.cs")
            )
            text = stack.read_text()
            assert "FederatedIdentityCredential" in text and '"federatedSubject"' in text
    assert checked >= 8
