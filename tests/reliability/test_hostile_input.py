"""Hostile spec input is refused with a located error, never a crash, and file names and
values cannot change the shape of any generated file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compiler.errors import SpecError
from compiler.pipeline import CompileOptions, compile_specs
from tests.conftest import CASES, ROOT

SERVICE = """apiVersion: shipspec/v1
kind: Project
metadata: {tenant: fabrikam, name: shop}
spec:
  azureDevOps:
    organization: fabrikam
    project: Shop
    serviceConnections: {azure: fabrikam-arm, registry: fabrikam-acr}
  registry: fabrikamacr.azurecr.io
  environments:
    - {name: dev, cluster: aks-dev, region: westeurope}
    - name: prod
      cluster: aks-prod
      region: westeurope
      approvals: {required: 1, approvers: [APPROVER]}
  modules:
    - name: web
      type: microservice
      dotnet: {version: "8.0"}
      container: {port: 8080}
      deploy:
        env: {GREETING: VALUE}
"""


def validate(path: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "compiler", "validate", str(path)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_thirty_thousand_flow_levels_are_refused_not_a_segfault(tmp_path: Path) -> None:
    spec = CASES / "invalid/deep-flow-nesting/spec.yaml"
    assert spec.stat().st_size > 60_000
    result = validate(spec, tmp_path)
    assert result.returncode == 1, (result.returncode, result.stderr[-500:])
    assert ":4:70: the document nests deeper than 64 levels" in result.stdout


def test_thirty_thousand_block_levels_are_refused_not_a_segfault(tmp_path: Path) -> None:
    result = validate(CASES / "invalid/deep-block-sequence/spec.yaml", tmp_path)
    assert result.returncode == 1, (result.returncode, result.stderr[-500:])
    assert "nests deeper than 64 levels" in result.stdout


def spec_file(root: Path, name: str, approver: str = "QA Leads", value: str = "hello") -> Path:
    folder = root / "specs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = SERVICE.replace("APPROVER", yaml_quote(approver)).replace("VALUE", yaml_quote(value))
    path.write_text(text, encoding="utf-8")
    return path


def yaml_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_a_newline_in_a_spec_file_name_is_refused_shown_escaped(tmp_path: Path) -> None:
    spec_file(tmp_path, "shop\nvariables: {system.debug: true}\n#.yaml")
    result = validate(tmp_path / "specs", tmp_path)
    assert result.returncode == 1
    assert "specs/shop\\u000avariables: {system.debug: true}\\u000a#.yaml:1:1:" in result.stdout
    assert "the file name holds U+000A" in result.stdout
    assert "\nvariables:" not in result.stdout


def test_comment_terminators_in_a_spec_file_name_stay_inside_the_header(tmp_path: Path) -> None:
    spec_file(tmp_path, "shop ---> }} -- -.yaml")
    compile_specs(CompileOptions((tmp_path / "specs",), tmp_path / "generated"))
    readme = (tmp_path / "generated/fabrikam/shop/web/README.md").read_text()
    header = readme.splitlines()[0]
    assert header.startswith("<!-- ") and header.endswith(" -->")
    assert "--" not in header[4:-3] and "-->" not in header[:-3]


def key_paths(document: Any, prefix: str = "") -> set[str]:
    """Every key path of a YAML document (list positions collapsed)."""
    if isinstance(document, dict):
        paths = set()
        for key, value in document.items():
            paths |= {f"{prefix}/{key}"} | key_paths(value, f"{prefix}/{key}")
        return paths
    if isinstance(document, list):
        return set().union(*(key_paths(item, f"{prefix}[]") for item in document))
    return set()


def yaml_shapes(output: Path) -> dict[str, set[str]]:
    shapes = {}
    for path in sorted(output.rglob("*")):
        if path.suffix in (".yml", ".yaml") and "templates" not in path.parts:
            documents = list(yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader))
            shapes[path.relative_to(output).as_posix()] = set().union(
                *(key_paths(d) for d in documents)
            )
    return shapes


def compiled_shapes(root: Path, name: str, approver: str, value: str) -> dict[str, set[str]] | None:
    spec_file(root, name, approver, value)
    try:
        compile_specs(CompileOptions((root / "specs",), root / "generated"))
    except SpecError:
        return None
    return yaml_shapes(root / "generated/fabrikam/shop")


names = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=30,
)
values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30
) | st.sampled_from(
    ["a\nvariables: {system.debug: true}", "x\u0085y: z", "}}\n{{", '"\n- evil: 1', "-->\nkey: v"]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@example(name="shop\nvariables: {system.debug: true}\n#", approver="x", value="y")
@example(name="shop", approver="a\nevil: 1", value="b\u2028evil: 2")
@given(name=names, approver=values, value=values)
def test_no_spec_string_or_file_name_adds_a_key_to_any_generated_yaml(
    tmp_path_factory: Any, name: str, approver: str, value: str
) -> None:
    baseline = compiled_shapes(tmp_path_factory.mktemp("base"), "shop.yaml", "QA Leads", "hello")
    assert baseline
    root = tmp_path_factory.mktemp("hostile")
    shapes = compiled_shapes(root, name.replace(".", "_") + ".yaml", approver or "x", value)
    if shapes is not None:
        assert shapes == baseline
