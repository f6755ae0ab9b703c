"""A template parameter mismatch is a compile error naming the module and the file."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from compiler.errors import PlanError
from compiler.spec.validate import Spec
from compiler.targets import azure_pipelines as target
from compiler.targets.azure_pipelines import contract
from compiler.targets.azure_pipelines.values import PipelineSpec
from tests.pipelines.conftest import plan_pipelines


def patch_parameters(monkeypatch: pytest.MonkeyPatch, module: str, change: Any) -> None:
    original = target.pipeline_for

    def patched(project: Any, context: Any) -> PipelineSpec:
        pipeline = original(project, context)
        if context.name != module:
            return pipeline
        return replace(pipeline, parameters=change(dict(pipeline.parameters)))

    monkeypatch.setattr(target, "pipeline_for", patched)


def diagnostics(spec: Spec) -> list[str]:
    with pytest.raises(PlanError) as raised:
        plan_pipelines(spec)
    return [str(d) for d in raised.value.diagnostics]


def test_an_undeclared_parameter_is_a_located_compile_error(
    example_spec: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_parameters(monkeypatch, "payments-api", lambda p: {**p, "replicas": 3})
    assert diagnostics(example_spec) == [
        "specs/contoso/payments.yaml:42:7: spec.modules[0]: payments-api/azure-pipelines.yml: "
        "`pipelines/dotnet-service.yml` declares no parameter `replicas`"
    ]


def test_a_missing_required_parameter_is_a_compile_error(
    example_spec: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_parameters(
        monkeypatch, "ledger-client", lambda p: {k: v for k, v in p.items() if k != "packageFeed"}
    )
    (message,) = diagnostics(example_spec)
    assert message.startswith("specs/contoso/payments.yaml:66:7: spec.modules[2]: ")
    assert "ledger-client/azure-pipelines.yml: `pipelines/dotnet-library.yml` requires " in message
    assert "`packageFeed`" in message


def test_a_template_that_gains_a_required_parameter_breaks_every_user(
    example_spec: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = contract.template_file

    def stricter(path: str) -> contract.TemplateFile:
        file = original(path)
        if path != "pipelines/dotnet-service.yml":
            return file
        extra = contract.Parameter("region", "string", required=True)
        return replace(file, parameters={**file.parameters, "region": extra})

    monkeypatch.setattr(contract, "template_file", stricter)
    found = diagnostics(example_spec)
    assert [m.split(": ")[1:3] for m in found] == [
        ["spec.modules[0]", "payments-api/azure-pipelines.yml"],
        ["spec.modules[1]", "payments-worker/azure-pipelines.yml"],
    ]
    assert all("requires parameter `region`" in m for m in found)


def test_an_environment_entry_missing_a_field_the_template_reads(
    example_spec: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    def drop(parameters: dict[str, Any]) -> dict[str, Any]:
        first, *rest = parameters["environments"]
        first = {k: v for k, v in first.items() if k != "variableGroup"}
        return {**parameters, "environments": [first, *rest]}

    patch_parameters(monkeypatch, "payments-worker", drop)
    (message,) = diagnostics(example_spec)
    assert "reads `variableGroup` of environments[0]" in message


def test_a_value_outside_the_declared_values(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = contract.reference_problems(
        "stages/deploy.yml",
        {
            **dict.fromkeys(contract.template_file("stages/deploy.yml").parameters, "x"),
            "strategy": "rolling",
        },
    )
    assert problems == [
        "`stages/deploy.yml` parameter `strategy` takes rollingUpdate, blueGreen, canary; "
        "got `rolling`"
    ]


def test_an_unknown_template_is_named() -> None:
    assert contract.reference_problems("stages/nope.yml", {}) == [
        "template `stages/nope.yml` is not a file of the pipeline-templates repository"
    ]


def test_inline_projects_have_no_template_references(example_tree) -> None:  # type: ignore[no-untyped-def]
    inline = [path for path in example_tree if path.startswith("northwind/")]
    assert len(inline) == 6
    for path in inline:
        lines = example_tree[path].decode().splitlines()
        text = "\n".join(line for line in lines if not line.startswith("#"))
        assert "pipeline-templates" not in text and "template:" not in text, path
