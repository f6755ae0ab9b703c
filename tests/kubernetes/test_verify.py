"""`shipspec verify` for Kubernetes: every example and every engine x manifests variant verifies."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from compiler.verify import verify
from compiler.verify.kubernetes import KubernetesChecker

CHECKER = (KubernetesChecker(),)


def test_every_example_verifies(examples: Path) -> None:
    assert verify(examples, CHECKER) == []


def test_library_only_project_has_no_chart_and_no_gitops_repository(examples: Path) -> None:
    project = examples / "fabrikam" / "shared-libs"
    assert not list(project.glob("*/charts")) and not (project / "shared-libs-gitops").exists()


EXPECTED = {
    ("argocd", "helm"): [
        "payments-gitops/argocd/appproject.yaml",
        "payments-gitops/argocd/applications/contoso-payments-prod-payments-api.yaml",
        "payments-gitops/environments/prod/payments-api/values.yaml",
        "payments-gitops/environments/prod/payments-api/image.yaml",
    ],
    ("argocd", "kustomize"): [
        "payments-gitops/argocd/appproject.yaml",
        "payments-gitops/argocd/applications/contoso-payments-prod.yaml",
        "payments-gitops/base/payments-api/deployment.yaml",
        "payments-gitops/overlays/prod/payments-api/objects.yaml",
        "payments-gitops/overlays/prod/payments-api/image/kustomization.yaml",
    ],
    ("flux", "helm"): [
        "payments-gitops/flux/source.yaml",
        "payments-gitops/flux/prod.yaml",
        "payments-gitops/environments/prod/kustomization.yaml",
        "payments-gitops/environments/prod/payments-api/helmrelease.yaml",
        "payments-gitops/environments/prod/payments-api/image.yaml",
    ],
    ("flux", "kustomize"): [
        "payments-gitops/flux/prod.yaml",
        "payments-gitops/base/payments-worker/kustomization.yaml",
        "payments-gitops/overlays/prod/kustomization.yaml",
    ],
}


@pytest.mark.parametrize(("engine", "manifests"), sorted(EXPECTED))
def test_each_engine_and_manifests_combination_verifies(
    variant, engine: str, manifests: str
) -> None:  # type: ignore[no-untyped-def]
    generated = variant(engine, manifests)
    project = generated / "contoso" / "payments"
    for path in EXPECTED[engine, manifests]:
        assert (project / path).is_file(), path
    other = "flux" if engine == "argocd" else "argocd"
    assert not (project / "payments-gitops" / other).exists()
    assert verify(generated, CHECKER) == []


def test_a_broken_object_is_reported_with_its_file_and_kind_name(variant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tree = tmp_path / "generated"
    shutil.copytree(variant("argocd", "kustomize"), tree)
    deployment = tree / "contoso/payments/payments-gitops/base/payments-worker/deployment.yaml"
    deployment.write_text(
        deployment.read_text().replace("revisionHistoryLimit", "revisionHistoryLimt")
    )
    application = (
        tree / "contoso/payments/payments-gitops/argocd/applications/contoso-payments-dev.yaml"
    )
    application.write_text(application.read_text().replace("selfHeal: true", 'selfHeal: "yes"'))
    findings = verify(tree, CHECKER)
    assert {(f.file, f.object) for f in findings} >= {
        ("contoso/payments/payments-gitops/base/payments-worker", "Deployment/payments-worker"),
        (
            "contoso/payments/payments-gitops/argocd/applications/contoso-payments-dev.yaml",
            "Application/contoso-payments-dev",
        ),
    }
    assert any("revisionHistoryLimt" in f.message for f in findings)


def test_a_bad_environment_value_fails_the_charts_schema(examples: Path, tmp_path: Path) -> None:
    tree = tmp_path / "generated"
    shutil.copytree(examples, tree)
    values = tree / "contoso/payments/payments-gitops/environments/dev/payments-api/values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 1", 'replicaCount: "lots"'))
    findings = verify(tree, CHECKER)
    assert findings and all("[dev values]" in f.message for f in findings)
    assert any("/replicaCount" in f.message for f in findings)


def test_a_missing_kubectl_is_a_finding_not_a_skip(
    variant, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(shutil, "which", lambda name: None)
    findings = verify(variant("flux", "kustomize"), CHECKER)
    assert any("install kubectl" in f.message for f in findings)


def test_a_missing_helm_sdk_is_a_finding_not_a_skip(
    examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "helm_python", None)
    findings = verify(examples, CHECKER)
    assert any("install helm-python-sdk" in f.message for f in findings)
