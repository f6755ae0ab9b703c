"""Spec values reach outputs only through quoting filters: they come out as literal text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from compiler.render import csharp_string, markdown_text, xml_text, yaml_scalar
from tests.unit.compile.helpers import compile_into, platform_repo

HOSTILE = [
    "a: b\n- c",
    "{{ 7*7 }}",
    "${{ variables.x }}",
    "'\"quotes\"'",
    "ünï©ødé ✓",
    "<x>&amp;</x>",
    "#{not}",
    "",
]
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40
) | st.sampled_from(HOSTILE)


@given(texts)
def test_yaml_scalar_round_trips(value: str) -> None:
    loaded = YAML(typ="safe").load(f"key: {yaml_scalar(value)}\n")
    assert loaded == {"key": value}


@given(texts.filter(lambda t: not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", t)))
def test_xml_text_round_trips_in_text_and_attributes(value: str) -> None:
    quoted = xml_text(value)
    element = ElementTree.fromstring(f'<a b="{quoted}">{quoted}</a>')
    assert element.get("b") == value.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    assert (element.text or "") == value.replace("\r\n", "\n").replace("\r", "\n")


def _decode_csharp(literal: str) -> str:
    assert literal.startswith('"') and literal.endswith('"')
    body = literal[1:-1]
    assert not re.search(r'(?<!\\)(\\\\)*"', body), "an unescaped quote would end the literal"
    simple = {"\\\\": "\\", '\\"': '"', "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\0": "\0"}
    return re.sub(
        r'\\u[0-9a-f]{4}|\\[\\"nrt0]',
        lambda m: chr(int(m.group()[2:], 16)) if m.group().startswith("\\u") else simple[m.group()],
        body,
    )


@given(texts)
def test_csharp_string_round_trips(value: str) -> None:
    literal = csharp_string(value)
    assert "\n" not in literal and "\r" not in literal
    assert _decode_csharp(literal) == value


@given(texts)
def test_markdown_text_has_no_active_markup(value: str) -> None:
    shown = markdown_text(value)
    assert "\n" not in shown and "<" not in shown
    assert not re.search(r"(?<!\\)[*_`\[\]]", shown)


def test_hostile_spec_values_come_out_literally_in_every_format(tmp_path: Path) -> None:
    root = platform_repo(tmp_path)
    spec = root / "specs/contoso/payments.yaml"
    project = "Pay ments & ü (x) @!^~"  # as hostile as an Azure DevOps project name may be
    approver = "[Payments]\\\\Release {{ 7*7 }} *Managers* <b>"
    text = spec.read_text().replace("project: Payments\n", f'project: "{project}"\n')
    text = text.replace(
        'approvers: ["[Payments]\\\\Release Managers"]', f'approvers: ["{approver}"]', 1
    )
    spec.write_text(text)
    compile_into(root)
    repo = root / "generated/contoso/payments/payments-api"
    expected_project = project

    declared = json.loads((repo / ".shipspec/repository.json").read_text())
    assert declared["project"] == expected_project

    props = ElementTree.fromstring((repo / "Directory.Build.props").read_bytes())
    url = props.find("PropertyGroup/RepositoryUrl")
    assert url is not None and url.text and "{{" not in url.text and " " not in url.text

    readme = (repo / "README.md").read_text()
    assert "49" not in readme
    assert "\\*Managers\\*" in readme and "&lt;b&gt;" in readme

    evaluated = re.compile(r"(?<![0-9a-f])49(?![0-9a-f])")
    for path in (root / "generated").rglob("*"):
        if path.is_file():
            assert not evaluated.search(path.read_text(encoding="utf-8")), path
