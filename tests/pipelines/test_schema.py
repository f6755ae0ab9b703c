"""Every generated pipeline and every pipeline-templates file validates against the official schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler.verify import verify
from compiler.verify.pipelines import (
    PipelinesChecker,
    pipeline_files,
    pipeline_validator,
    schema_path,
    validate_document,
)
from tests.pipelines.conftest import load, plan_pipelines, render_tree

PIPELINE_PATHS = sorted(
    path
    for path in render_tree(plan_pipelines(load()))
    if path.endswith(".yml") and ("azure-pipelines.yml" in path or "pipeline-templates" in path)
)


def test_the_walk_covers_every_pipeline_and_template(generated: Path) -> None:
    walked = {p.relative_to(generated).as_posix() for p in pipeline_files(generated)}
    assert walked == set(PIPELINE_PATHS)
    assert sum(p.endswith("/azure-pipelines.yml") for p in walked) == 8
    assert sum("pipeline-templates/" in p for p in walked) == 2 * 21


@pytest.mark.parametrize("path", PIPELINE_PATHS)
def test_file_validates_against_the_official_schema(path: str, example_tree) -> None:  # type: ignore[no-untyped-def]
    document = yaml.safe_load(example_tree[path])
    assert list(validate_document(document, pipeline_validator())) == []


def test_verify_reports_nothing_for_the_examples(generated: Path) -> None:
    assert list(PipelinesChecker().check(generated)) == []


def test_module_pipelines_use_no_template_directives(example_tree) -> None:  # type: ignore[no-untyped-def]
    """Only template files may hold `${{ }}`; a module pipeline is validated as written."""
    for path in PIPELINE_PATHS:
        if path.endswith("/azure-pipelines.yml"):
            assert "${{" not in example_tree[path].decode(), path


def test_a_bad_task_input_is_reported_at_the_input(tmp_path: Path) -> None:
    pipeline = tmp_path / "repo" / "azure-pipelines.yml"
    pipeline.parent.mkdir()
    pipeline.write_text(
        "steps:\n  - task: Docker@2\n    inputs:\n      command: buildAndPushh\n",
        encoding="utf-8",
    )
    findings = list(PipelinesChecker().check(tmp_path))
    assert [(f.file, f.object) for f in findings] == [
        ("repo/azure-pipelines.yml", "steps[0].inputs.command")
    ]
    assert "buildAndPush" in findings[0].message


def test_a_directive_body_is_validated_too(tmp_path: Path) -> None:
    template = tmp_path / "acme" / "_tenant" / "pipeline-templates" / "steps" / "x.yml"
    template.parent.mkdir(parents=True)
    template.write_text(
        "steps:\n  - ${{ if true }}:\n    - task: UseDotNet@2\n      inputs: {packageType: jdk}\n",
        encoding="utf-8",
    )
    findings = list(PipelinesChecker().check(tmp_path))
    assert [f.object for f in findings] == ["steps[0].inputs.packageType"]


def test_a_missing_schema_is_a_finding_not_a_skip(
    generated: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("compiler.verify.pipelines.schema_path", lambda: tmp_path / "none.json")
    findings = list(PipelinesChecker().check(generated))
    assert len(findings) == 1
    assert "schema is missing" in findings[0].message
    assert f"{len(PIPELINE_PATHS)} pipeline file(s)" in findings[0].message


def test_the_checker_is_registered(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "azure-pipelines.yml").write_text("bogus: 1\n", encoding="utf-8")
    assert {f.file for f in verify(tmp_path)} == {"r/azure-pipelines.yml"}


def test_schema_is_the_vendored_official_copy() -> None:
    assert str(schema_path()).endswith("compiler/schemas/azure-pipelines.schema.json")
