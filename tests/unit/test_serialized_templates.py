"""Templates exempt from the parse-back self-check print nothing but a serializer's output."""

from __future__ import annotations

import re

import pytest

from compiler.assets import templates_root
from compiler.ir import Lineage, OutputFile, Ownership
from compiler.render import SERIALIZED, needs_parse_back
from tests.conftest import ROOT

ALLOWED = [
    re.compile(r'\{% from "_lines\.j2" import print_lines %\}'),
    re.compile(r"\{\{ print_lines\(\w+\) \}\}"),
    re.compile(r"\{\{ \w+ \| json\((indent=)?2\) \}\}"),
    re.compile(r"# [^{}%]*"),
    re.compile(r"\{% for document in documents %\}"),
    re.compile(r"\{% if not loop\.first %\}"),
    re.compile(r"---"),
    re.compile(r"\{% endif %\}"),
    re.compile(r"\{%- endfor %\}"),
]


@pytest.mark.parametrize("template", sorted(SERIALIZED))
def test_a_serialized_template_holds_only_a_serializer_call(template: str) -> None:
    source = (templates_root() / template).read_text(encoding="utf-8")
    for number, line in enumerate(source.splitlines(), 1):
        if line.strip():
            assert any(p.fullmatch(line) for p in ALLOWED), f"{template}:{number}: {line!r}"


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
