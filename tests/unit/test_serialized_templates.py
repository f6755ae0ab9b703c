"""Templates exempt from the parse-back self-check print nothing but a serializer's output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compiler.assets import templates_root
from compiler.ir import Lineage, OutputFile, Ownership
from compiler.render import SERIALIZED, needs_parse_back
from tests.conftest import ROOT

IMPORT = r'\{% from "_lines\.j2" import print_lines %\}\n'
SHAPES = {
    ".json": re.compile(r"\{\{ \w+ \| json\((indent=)?2\) \}\}\n?"),
    ".yaml": re.compile(
        IMPORT
        + r"(# [^{}%\n]*\n)*\{\{ print_lines\(\w+\) \}\}\n?"
        + r"|"
        + IMPORT
        + r"\{% for document in documents %\}\n\{% if not loop\.first %\}\n---\n\{% endif %\}\n"
        + r"\{\{ print_lines\(document\) \}\}\n\{%- endfor %\}\n?"
    ),
}


@pytest.mark.parametrize("template", sorted(SERIALIZED))
def test_a_serialized_template_is_one_serializer_call_as_a_whole(template: str) -> None:
    source = (templates_root() / template).read_text(encoding="utf-8")
    shape = SHAPES[Path(template).with_suffix("").suffix]
    assert shape.fullmatch(source), f"{template} holds more than a serializer's output"


def test_a_template_with_more_than_one_call_is_not_serializer_output() -> None:
    two_calls = "{{ declaration | json(indent=2) }}\n{{ extra | json(2) }}\n"
    assert not SHAPES[".json"].fullmatch(two_calls)
    hand_written = (
        '{% from "_lines.j2" import print_lines %}\nkey: {{ x }}\n{{ print_lines(lines) }}\n'
    )
    assert not SHAPES[".yaml"].fullmatch(hand_written)


def test_every_serialized_template_is_used_and_exists() -> None:
    manifests = (ROOT / "generated").rglob("manifest.json")
    used = {entry for path in manifests for entry in _templates(path.read_text(encoding="utf-8"))}
    assert used >= SERIALIZED


def output_file(path: str, template: str) -> OutputFile:
    return OutputFile(path, template, {}, Ownership.MANAGED, Lineage("s.yaml", "spec", template))


def test_hand_written_yaml_is_still_parsed_back() -> None:
    assert needs_parse_back(
        output_file("shop-gitops/environments/dev/a/image.yaml", "gitops/image.yaml.j2")
    )
    assert needs_parse_back(
        output_file("api/azure-pipelines.yml", "azure-pipelines/module-pipeline.yml.j2")
    )
    assert not needs_parse_back(
        output_file("shop-gitops/argocd/a.yaml", "gitops/documents.yaml.j2")
    )
    assert not needs_parse_back(
        output_file("api/charts/api/templates/x.yaml", "helm/chart/templates/x.yaml.j2")
    )


def _templates(manifest: str) -> set[str]:
    return set(re.findall(r'"template": "([^"]+)"', manifest))


def test_helm_templates_are_told_apart_as_the_glob_does() -> None:
    import fnmatch

    from compiler.render import is_helm_template

    paths = [
        "api/charts/api/templates/deployment.yaml",
        "api/charts//templates/a.yaml",
        "api/charts/templates/a.yaml",
        "charts/api/templates/a.yaml",
        "/charts/x/templates/",
        "gitops/charts/x/values.yaml",
        "a/charts/b/c/templates/d/e.tpl",
        "a/templates/b/charts/c",
    ]
    for path in paths:
        assert is_helm_template(path) == fnmatch.fnmatch(path, "*/charts/*/templates/*"), path
