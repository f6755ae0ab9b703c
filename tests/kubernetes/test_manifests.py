"""What the charts and overlays render: Rollouts, the base equal to the chart, safety rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler.kubernetes.values import config_checksum
from compiler.verify.kubernetes import policy, validate_object
from tests.kubernetes.helpers import (
    PROMOTED,
    compile_platform,
    copy_specs,
    environment_values,
    kustomize_build,
    promoted_copy,
    render_chart,
)

PAYMENTS = "contoso/payments"
PAYMENTS_CHART = f"{PAYMENTS}/payments-api/charts/payments-api"
HELM_ONLY = {"helm.sh/chart", "app.kubernetes.io/managed-by"}


def _by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def _canary_weights(rollout: dict) -> list[int]:
    return [
        step["setWeight"]
        for step in rollout["spec"]["strategy"]["canary"]["steps"]
        if "setWeight" in step
    ]


def test_prod_canary_renders_a_valid_rollout_with_steps_10_and_50(examples: Path) -> None:
    gitops = examples / PAYMENTS / "payments-gitops"
    for module in ("payments-api", "payments-worker"):
        chart = examples / PAYMENTS / module / "charts" / module
        objects = render_chart(chart, environment_values(gitops, "prod", module), "payments-prod")
        (rollout,) = _by_kind(objects, "Rollout")
        assert not _by_kind(objects, "Deployment")
        assert _canary_weights(rollout) == [10, 50]
        assert validate_object(rollout) == []
    staging = render_chart(
        examples / PAYMENTS_CHART, environment_values(gitops, "staging", "payments-api")
    )
    assert _by_kind(staging, "Deployment") and not _by_kind(staging, "Rollout")


def test_prod_canary_rollout_targets_the_autoscaler(examples: Path) -> None:
    gitops = examples / PAYMENTS / "payments-gitops"
    objects = render_chart(
        examples / PAYMENTS_CHART, environment_values(gitops, "prod", "payments-api")
    )
    (hpa,) = _by_kind(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["kind"] == "Rollout"


def test_kustomize_prod_overlay_swaps_the_deployment_for_the_canary_rollout(
    variant, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    gitops = promoted_copy(variant("argocd", "kustomize") / PAYMENTS / "payments-gitops", tmp_path)
    objects = kustomize_build(gitops / "overlays/prod")
    rollouts = _by_kind(objects, "Rollout")
    assert len(rollouts) == 2 and not _by_kind(objects, "Deployment")
    assert all(_canary_weights(rollout) == [10, 50] for rollout in rollouts)
    assert {obj["metadata"]["namespace"] for obj in objects} == {"payments-prod"}


def test_blue_green_staging_has_active_and_preview_services(examples: Path, tmp_path: Path) -> None:
    gitops = promoted_copy(examples / "northwind/orders/orders-gitops", tmp_path)
    objects = kustomize_build(gitops / "overlays/staging")
    services = {obj["metadata"]["name"] for obj in _by_kind(objects, "Service")}
    assert {
        "orders-api",
        "orders-api-preview",
        "orders-fulfilment",
        "orders-fulfilment-preview",
    } <= services
    for rollout in _by_kind(objects, "Rollout"):
        name = rollout["metadata"]["name"]
        assert rollout["spec"]["strategy"]["blueGreen"]["activeService"] == name
        assert rollout["spec"]["strategy"]["blueGreen"]["previewService"] == f"{name}-preview"


def _comparable(obj: dict) -> dict:
    """An object without what only Helm or only Kustomize sets (helm.sh/chart, managed-by, namespace)."""
    obj = yaml.safe_load(yaml.safe_dump(obj))
    obj["metadata"].pop("namespace", None)
    for key in HELM_ONLY:
        obj["metadata"].get("labels", {}).pop(key, None)
    return obj


def _keyed(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(obj["kind"], obj["metadata"]["name"]): _comparable(obj) for obj in objects}


def _kustomize_trees(variant, examples: Path) -> list[Path]:  # type: ignore[no-untyped-def]
    return [
        variant("argocd", "kustomize") / PAYMENTS / "payments-gitops",
        examples / "northwind/orders/orders-gitops",
    ]


def _as_unpromoted(objects: list[dict]) -> list[dict]:
    """Objects rendered with PROMOTED as the base carries them: the `unpromoted` marker."""
    text = yaml.safe_dump_all(objects).replace(PROMOTED, "sha256:unpromoted")
    return list(yaml.safe_load_all(text.replace(PROMOTED.removeprefix("sha256:"), "unpromoted")))


def test_kustomize_base_equals_the_charts_default_render(variant, examples: Path) -> None:  # type: ignore[no-untyped-def]
    """Without a digest the chart renders only configuration; with one, what the base holds
    with the `unpromoted` marker where the digest goes."""
    for gitops in _kustomize_trees(variant, examples):
        project = gitops.parent
        for base in sorted(p for p in (gitops / "base").iterdir()):
            (chart,) = project.glob(f"*/charts/{base.name}")
            built = _keyed(kustomize_build(base))
            configuration = _keyed(render_chart(chart))
            assert {k: v for k, v in built.items() if k in configuration} == configuration
            promoted = render_chart(chart, {"image": {"digest": PROMOTED}})
            assert built == _keyed(_as_unpromoted(promoted))


def test_every_overlay_equals_the_chart_rendered_with_that_environments_values(
    variant, examples: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    helm_layouts = {
        "payments-gitops": variant("argocd", "helm") / PAYMENTS / "payments-gitops",
    }
    root = copy_specs(tmp_path, "northwind/orders.yaml")
    spec = root / "specs/northwind/orders.yaml"
    spec.write_text(spec.read_text().replace("manifests: kustomize", "manifests: helm"))
    helm_layouts["orders-gitops"] = compile_platform(root) / "northwind/orders/orders-gitops"
    for gitops in _kustomize_trees(variant, examples):
        values_tree = helm_layouts[gitops.name]
        gitops = promoted_copy(gitops, tmp_path)
        for overlay in sorted(p for p in (gitops / "overlays").glob("*/*") if p.is_dir()):
            environment, module = overlay.parent.name, overlay.name
            (chart,) = gitops.parent.glob(f"*/charts/{module}")
            expected = render_chart(chart, environment_values(values_tree, environment, module))
            assert _keyed(kustomize_build(overlay)) == _keyed(expected), overlay


def _all_rendered_objects(examples: Path, variant, tmp_path: Path) -> list[dict]:  # type: ignore[no-untyped-def]
    objects = []
    trees = [examples, *(variant(e, m) for e in ("argocd", "flux") for m in ("helm", "kustomize"))]
    for tree in trees:
        for gitops in [promoted_copy(g, tmp_path) for g in tree.glob("*/*/*-gitops")]:
            for values in gitops.glob("environments/*/*/values.yaml"):
                environment, module = values.parent.parent.name, values.parent.name
                (chart,) = gitops.parent.glob(f"*/charts/{module}")
                objects += render_chart(chart, environment_values(gitops, environment, module))
            for overlay in gitops.glob("overlays/*"):
                objects += kustomize_build(overlay)
            for env in gitops.glob("environments/*/kustomization.yaml"):
                objects += kustomize_build(env.parent)
            for document in [*gitops.glob("argocd/**/*.yaml"), *gitops.glob("flux/*.yaml")]:
                objects += [doc for doc in yaml.safe_load_all(document.read_text()) if doc]
    return objects


def test_no_object_runs_as_root_lacks_requests_or_carries_a_secret(
    examples: Path, variant, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    objects = _all_rendered_objects(examples, variant, tmp_path)
    workloads = [obj for obj in objects if obj["kind"] in {"Deployment", "Rollout"}]
    assert len(workloads) > 20
    assert {obj["kind"] for obj in objects} >= {"SecretProviderClass", "HelmRelease", "Application"}
    assert not _by_kind(objects, "Secret")
    for obj in objects:
        assert policy(obj) == [], obj["metadata"]["name"]
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert (
            pod["securityContext"]["runAsNonRoot"] is True
            and pod["securityContext"]["runAsUser"] != 0
        )
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])
            assert all(
                "value" not in env or env["name"] == "ASPNETCORE_HTTP_PORTS"
                for env in container.get("env", [])
            )


def test_policy_catches_root_missing_requests_and_secret_values() -> None:
    pod = {"containers": [{"name": "app", "securityContext": {"runAsUser": 0}}]}
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"template": {"spec": pod}},
    }
    assert len(policy(deployment)) == 2
    secret = {"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "dmFsdWU="}}
    assert policy(secret)
    config = {
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"DB": "Server=x;Password=hunter2;"},
    }
    assert policy(config)


HOSTILE = '{{ 7*7 }} {{ .Release.Name }} <&> "q" \u2028 é'


def test_spec_values_stay_data_for_helm(tmp_path: Path) -> None:
    root = copy_specs(tmp_path, "contoso/payments.yaml")
    spec = root / "specs/contoso/payments.yaml"
    spec.write_text(
        spec.read_text().replace(
            "Payments__Currency: EUR",
            f"Payments__Currency: {yaml.safe_dump(HOSTILE).strip().removesuffix('...').strip()}",
        )
    )
    generated = compile_platform(root)
    objects = render_chart(generated / PAYMENTS_CHART, {"image": {"digest": PROMOTED}})
    (config,) = _by_kind(objects, "ConfigMap")
    assert config["data"]["Payments__Currency"] == HOSTILE
    (deployment,) = _by_kind(objects, "Deployment")
    annotation = deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    assert annotation == config_checksum({"Payments__Currency": HOSTILE})
    chart_values = yaml.safe_load((generated / PAYMENTS_CHART / "values.yaml").read_text())
    assert chart_values["env"]["Payments__Currency"] == HOSTILE


@pytest.mark.parametrize("template", ["deployment.yaml", "_helpers.tpl", "rollout.yaml"])
def test_chart_templates_carry_no_spec_value(examples: Path, template: str) -> None:
    a = (examples / PAYMENTS_CHART / "templates" / template).read_text().split("\n", 1)[1]
    b = (
        examples
        / "northwind/orders/orders-fulfilment/charts/orders-fulfilment/templates"
        / template
    ).read_text()
    assert a == b.split("\n", 1)[1]
