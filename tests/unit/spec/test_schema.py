"""The exported JSON Schema: valid draft 2020-12, in step with the models, and in the repo."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.cli import cli
from compiler.spec.discover import discover
from compiler.spec.load import load_files
from compiler.spec.models.documents import Project
from compiler.spec.schema import spec_validator
from tests.conftest import CASES, ROOT, SPECS

# Invalid cases whose problem is the schema's business (the rest need rules or the loader).
SCHEMA_MATTERS = [
    "approvals-zero-required",
    "canary-steps-not-increasing",
    "dotnet-version-float",
    "empty-environments",
    "enum-typo",
    "infrastructure-with-dotnet",
    "library-missing-package",
    "library-with-deploy",
    "many-errors-at-once",
    "microservice-missing-dotnet-container",
    "missing-api-version",
    "missing-required-top",
    "null-mapping",
    "path-traversal-name",
    "unknown-key-typo",
    "unknown-kind",
    "unknown-module-type",
    "unknown-store-kind",
    "worker-missing-dotnet",
    "wrong-api-version",
    "wrong-type-replicas",
]


@pytest.fixture(scope="module")
def printed_schema() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    return json.loads(result.output)


@pytest.fixture(scope="module")
def validator(printed_schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(printed_schema)
    return jsonschema.Draft202012Validator(printed_schema)


def documents(folder: Path) -> list[dict[str, Any]]:
    loaded = load_files(discover([folder], cwd=folder))
    assert not loaded.diagnostics
    return [document.data for document in loaded.documents]


def test_schema_is_draft_2020_12(printed_schema: dict[str, Any]) -> None:
    assert printed_schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_committed_schema_file_is_current(printed_schema: dict[str, Any]) -> None:
    committed = json.loads((ROOT / "schema" / "shipspec.schema.json").read_text(encoding="utf-8"))
    assert committed == printed_schema, "run: shipspec schema > schema/shipspec.schema.json"


@pytest.mark.parametrize(
    "folder", [SPECS, *sorted((CASES / "valid").iterdir())], ids=lambda p: p.name
)
def test_schema_accepts_valid_specs(
    validator: jsonschema.Draft202012Validator, folder: Path
) -> None:
    for data in documents(folder):
        assert list(validator.iter_errors(data)) == []


@pytest.mark.parametrize("case", SCHEMA_MATTERS)
def test_schema_rejects_schema_matters(
    validator: jsonschema.Draft202012Validator, case: str
) -> None:
    datas = documents(CASES / "invalid" / case)
    assert any(list(validator.iter_errors(data)) for data in datas)


def _leaf_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [path] + [p for k, v in node.items() for p in _leaf_paths(v, (*path, k))]
    if isinstance(node, list):
        return [path] + [p for i, v in enumerate(node) for p in _leaf_paths(v, (*path, i))]
    return [path]


PAYMENTS = documents(SPECS / "contoso")[0]
PATHS = [p for p in _leaf_paths(PAYMENTS) if p]
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 200)
    | st.text(max_size=12)
    | st.sampled_from(["8.0", "dev", "250m"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _replace(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    node = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return changed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=values)
def test_schema_and_models_agree(path: tuple[Any, ...], value: Any) -> None:
    data = _replace(PAYMENTS, path, value)
    schema_ok = not list(spec_validator().iter_errors(data))
    try:
        Project.model_validate(data)
        model_ok = True
    except ValueError:
        model_ok = False
    assert schema_ok == model_ok, (path, value)
