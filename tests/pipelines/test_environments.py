"""Environments, approvals and strategies reach the deployment stages in path order, per module type."""

from __future__ import annotations

import json
from typing import Any

import yaml

from compiler.verify.pipelines import expand_directives

PAYMENTS = "contoso/payments"
ORDERS = "northwind/orders"


def document(tree: dict[str, bytes], path: str) -> Any:
    return yaml.safe_load(tree[path])


def declaration(tree: dict[str, bytes], repo: str) -> Any:
    return json.loads(tree[f"{repo}/.shipspec/pipeline.json"])


def inline_stages(tree: dict[str, bytes], repo: str) -> list[dict[str, Any]]:
    return document(tree, f"{repo}/azure-pipelines.yml")["stages"]


def test_microservice_inline_deploys_in_path_order_with_strategy_and_groups(example_tree) -> None:  # type: ignore[no-untyped-def]
    stages = inline_stages(example_tree, f"{ORDERS}/orders-api")
    deploys = [s for s in stages if s["stage"].startswith("deploy_")]
    assert [s["stage"] for s in deploys] == ["deploy_dev", "deploy_staging", "deploy_prod"]
    assert [s["dependsOn"] for s in deploys] == [["image"], ["deploy_dev"], ["deploy_staging"]]
    assert all(s["jobs"][0]["job"] == "preflight" for s in deploys)
    jobs = [s["jobs"][1] for s in deploys]
    assert [j["environment"] for j in jobs] == ["orders-dev", "orders-staging", "orders-prod"]
    assert all(j["dependsOn"] == ["preflight"] for j in jobs)
    assert [j["variables"][0] for j in jobs] == [
        {"group": f"orders-{e}"} for e in ("dev", "staging", "prod")
    ]
    assert all(list(j["strategy"]) == ["runOnce"] for j in jobs)
    strategies = [
        {v.get("name"): v.get("value") for v in j["variables"]}["ROLLOUT_STRATEGY"] for j in jobs
    ]
    assert strategies == ["rollingUpdate", "blueGreen", "rollingUpdate"]
    assert jobs[1]["displayName"] == "Promote orders-api to staging"
    assert all(s["lockBehavior"] == "sequential" for s in deploys)
    script = jobs[0]["strategy"]["runOnce"]["deploy"]["steps"][-1]
    assert "shipspec gitops set-image --repo" in script["bash"]
    assert script["env"]["ENVIRONMENT"] == "dev" and script["env"]["MODULE"] == "orders-api"


def test_microservice_templates_mode_passes_environments_in_path_order(example_tree) -> None:  # type: ignore[no-untyped-def]
    extends = document(example_tree, f"{PAYMENTS}/payments-api/azure-pipelines.yml")["extends"]
    environments = extends["parameters"]["environments"]
    assert [e["name"] for e in environments] == ["dev", "test", "staging", "prod"]
    assert [e["azureDevOpsEnvironment"] for e in environments] == [
        "payments-dev", "payments-test", "payments-staging", "payments-prod",
    ]  # fmt: skip
    prod = environments[-1]
    assert prod["strategy"] == "canary" and "canarySteps" not in prod
    assert prod["jobDisplayName"] == "Promote payments-api to prod"  # no churn on a steps edit


def test_worker_gets_the_same_delivery_as_a_microservice(example_tree) -> None:  # type: ignore[no-untyped-def]
    stages = inline_stages(example_tree, f"{ORDERS}/orders-fulfilment")
    assert [s["stage"] for s in stages] == [
        "build", "image", "deploy_dev", "deploy_staging", "deploy_prod",
    ]  # fmt: skip
    pushed = [st for st in stages[1]["jobs"][0]["steps"] if st.get("name") == "pushed"]
    assert pushed and "isOutput=true" in pushed[0]["bash"]


def test_approvals_are_declared_for_publish_per_environment(example_tree) -> None:  # type: ignore[no-untyped-def]
    environments = declaration(example_tree, f"{PAYMENTS}/payments-worker")["environments"]
    assert [e["name"] for e in environments] == [
        "payments-dev", "payments-test", "payments-staging", "payments-prod",
    ]  # fmt: skip
    assert [e["approvals"] and e["approvals"]["required"] for e in environments] == [
        None, None, 1, 2,
    ]  # fmt: skip
    assert environments[-1]["approvals"]["approvers"] == [
        "[Payments]\\Release Managers", "[Payments]\\Security",
    ]  # fmt: skip
    assert all(e["checks"] == {"exclusiveLock": True} for e in environments)
    assert environments[-1]["strategy"] == "canary"


def test_library_publishes_on_the_default_branch_and_never_deploys(example_tree) -> None:  # type: ignore[no-untyped-def]
    path = "fabrikam/shared-libs/telemetry/azure-pipelines.yml"
    extends = document(example_tree, path)["extends"]
    assert extends["template"] == "pipelines/dotnet-library.yml@templates"
    assert extends["parameters"]["packageFeed"] == "Platform/fabrikam-internal"
    assert "environments" not in extends["parameters"]
    assert declaration(example_tree, "fabrikam/shared-libs/telemetry")["environments"] == []
    template = expand_directives(
        document(example_tree, "fabrikam/_tenant/pipeline-templates/stages/nuget-publish.yml")
    )
    stage = template["stages"][0]
    assert "ne(variables['Build.Reason'], 'PullRequest')" in stage["condition"]
    assert "refs/heads/${{ parameters.defaultBranch }}" in stage["condition"]


def test_infrastructure_module_previews_on_pr_and_applies_in_path_order(example_tree) -> None:  # type: ignore[no-untyped-def]
    assert f"{ORDERS}/orders-platform/azure-pipelines.yml" not in example_tree
    for repo in ("orders-infra",):
        pipeline = document(example_tree, f"{ORDERS}/{repo}/azure-pipelines.yml")
        assert pipeline["lockBehavior"] == "sequential"
        stages = pipeline["stages"]
        previews = [s for s in stages if s["stage"].startswith("preview_")]
        ups = [s for s in stages if s["stage"].startswith("up_")]
        assert all(
            s["condition"] == "eq(variables['Build.Reason'], 'PullRequest')" for s in previews
        )
        assert [s["dependsOn"] for s in ups] == [[], ["up_dev"], ["up_staging"]]
        assert [s["jobs"][1]["environment"] for s in ups] == [
            "orders-dev", "orders-staging", "orders-prod",
        ]  # fmt: skip
        assert all(s["lockBehavior"] == "sequential" for s in ups)


def test_project_infra_repository_in_templates_mode(example_tree) -> None:  # type: ignore[no-untyped-def]
    pipeline = document(example_tree, f"{PAYMENTS}/payments-infra/azure-pipelines.yml")
    assert pipeline["lockBehavior"] == "sequential"
    parameters = pipeline["extends"]["parameters"]
    assert parameters["azureServiceConnection"] == "contoso-arm"
    assert [e["stage"] for e in parameters["environments"]] == [
        "up_dev", "up_test", "up_staging", "up_prod",
    ]  # fmt: skip
    groups = declaration(example_tree, f"{PAYMENTS}/payments-infra")["variableGroups"]
    assert groups[0] == {
        "name": "payments-dev",
        "keyVault": "kv-contoso-payments-dev",
        "serviceConnection": "contoso-arm",
        "secrets": ["pulumi-backend-url", "pulumi-config-passphrase", "cluster-oidc-issuer"],
    }


def test_coverage_threshold_and_dotnet_version_come_from_the_spec(example_tree) -> None:  # type: ignore[no-untyped-def]
    steps = inline_stages(example_tree, f"{ORDERS}/orders-api")[0]["jobs"][0]["steps"]
    gate = next(s for s in steps if s.get("displayName") == "Coverage gate")
    assert gate["env"]["COVERAGE_THRESHOLD"] == 80
    assert "refs/heads/main" in gate["condition"]
    setup = next(s for s in steps if s.get("task") == "UseDotNet@2")
    assert setup["inputs"]["version"] == "8.0.x"
    tasks = [s.get("task") or next(iter(s)) for s in steps]
    assert tasks[1:] == [
        "UseDotNet@2", "NuGetAuthenticate@1", "DotNetCoreCLI@2", "bash", "DotNetCoreCLI@2",
        "DotNetCoreCLI@2", "PublishTestResults@2", "PublishCodeCoverageResults@2", "bash",
    ]  # fmt: skip
