"""Checks the schema cannot make, over the plan and over the generated YAML.

Stage names are unique, every `dependsOn` names an earlier stage, deployment stages
follow the environment path, and every template reference resolves to a file of the
pipeline-templates repository with the parameters that file declares.
"""

from __future__ import annotations

import itertools
import re

import pytest
import yaml

from compiler.spec.validate import Spec
from compiler.targets.azure_pipelines import project_pipelines
from compiler.targets.azure_pipelines.contract import (
    TEMPLATE_FILES,
    nested_references,
    repository_problems,
    template_file,
)
from compiler.targets.azure_pipelines.values import PipelineSpec
from tests.pipelines.conftest import project_context

PROJECTS = [("contoso", "payments"), ("fabrikam", "shared-libs"), ("northwind", "orders")]


def all_pipelines(spec: Spec) -> list[tuple[object, PipelineSpec]]:
    out = []
    for tenant, name in PROJECTS:
        project = project_context(spec, tenant, name)
        out += [(project, pipeline) for pipeline in project_pipelines(project)]
    return out


def assert_graph(stages: list[tuple[str, list[str]]], where: str) -> None:
    names = [name for name, _ in stages]
    assert len(names) == len(set(names)), f"{where}: duplicate stage names {names}"
    for index, (name, depends_on) in enumerate(stages):
        for dependency in depends_on:
            assert dependency in names[:index], f"{where}: {name} depends on later {dependency}"
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name), f"{where}: bad stage name {name}"


def test_plan_stage_graphs_are_sound(example_spec: Spec) -> None:
    for _, pipeline in all_pipelines(example_spec):
        stages = [(s.name, list(s.depends_on)) for s in pipeline.stages]
        assert_graph(stages, f"{pipeline.repository}")


def test_deployment_stages_follow_the_environment_path(example_spec: Spec) -> None:
    for project, pipeline in all_pipelines(example_spec):
        path = [e.name for e in project.environments]  # type: ignore[attr-defined]
        for job in ("promote", "apply"):
            seen = [s.environment for s in pipeline.stages if s.job == job]
            assert seen in ([], path), f"{pipeline.repository}: {job} stages {seen}"
        previews = [s.environment for s in pipeline.stages if s.job == "preview"]
        assert previews in ([], path[:-1]), f"{pipeline.repository}: previews {previews}"
        chained = [s for s in pipeline.stages if s.job in ("promote", "apply")]
        for before, after in itertools.pairwise(chained):
            assert after.depends_on == (before.name,)


def test_inline_pipelines_expand_to_the_planned_stages(example_spec: Spec, example_tree) -> None:  # type: ignore[no-untyped-def]
    for project, pipeline in all_pipelines(example_spec):
        if project.pipelines_mode != "inline":  # type: ignore[attr-defined]
            continue
        path = f"{project.tenant}/{project.name}/{pipeline.repository}/azure-pipelines.yml"  # type: ignore[attr-defined]
        document = yaml.safe_load(example_tree[path])
        stages = [(s["stage"], list(s.get("dependsOn", []))) for s in document["stages"]]
        assert stages == [(s.name, list(s.depends_on)) for s in pipeline.stages]
        assert_graph(stages, path)


def test_templates_mode_pipelines_pass_the_planned_environment_stages(
    example_spec: Spec, example_tree
) -> None:  # type: ignore[no-untyped-def]
    for project, pipeline in all_pipelines(example_spec):
        if project.pipelines_mode != "templates":  # type: ignore[attr-defined]
            continue
        path = f"{project.tenant}/{project.name}/{pipeline.repository}/azure-pipelines.yml"  # type: ignore[attr-defined]
        extends = yaml.safe_load(example_tree[path])["extends"]
        assert extends["template"] == f"{pipeline.template}@templates"
        assert extends["parameters"] == dict(pipeline.parameters)


def test_the_templates_repository_is_consistent() -> None:
    assert repository_problems() == ()


@pytest.mark.parametrize("path", TEMPLATE_FILES)
def test_every_reference_resolves_with_declared_parameters(path: str) -> None:
    for target, given in nested_references(path):
        assert target in TEMPLATE_FILES, f"{path} -> {target}"
        declared = template_file(target).parameters
        assert set(given) <= set(declared), f"{path} -> {target}: {set(given) - set(declared)}"
        required = {name for name, p in declared.items() if p.required}
        assert required <= set(given), f"{path} -> {target}: missing {required - set(given)}"


def test_stage_templates_declare_the_fixed_stage_names() -> None:
    """The stage names the plan assumes are the ones the stage templates print."""
    fixed = {
        "stages/dotnet-ci.yml": "build",
        "stages/nuget-publish.yml": "publish",
        "stages/container.yml": "image",
    }
    for path, name in fixed.items():
        stages = yaml.safe_load(template_file(path).text)["stages"]
        assert [s["stage"] for s in stages] == [name]


def test_every_template_file_is_planned(example_tree) -> None:  # type: ignore[no-untyped-def]
    for tenant in ("contoso", "fabrikam"):
        for path in TEMPLATE_FILES:
            assert f"{tenant}/_tenant/pipeline-templates/{path}" in example_tree
    assert not any(p.startswith("northwind/_tenant/") for p in example_tree), "inline only"
