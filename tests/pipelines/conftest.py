"""Fixtures for the Azure Pipelines target: the example specs planned and rendered once.

Only this target (and the repository layout it sits beside) is planned, so these tests
neither depend on nor wait for the other targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from compiler.ir import Plan
from compiler.pipeline import load_spec
from compiler.plan.build import plan
from compiler.plan.context import ProjectContext
from compiler.render import render_file
from compiler.spec.validate import Spec
from compiler.targets.azure_pipelines import AzurePipelines
from tests.conftest import ROOT, SPECS

TARGETS = {"azure-pipelines": AzurePipelines()}


def load(specs: Path = SPECS) -> Spec:
    return load_spec([specs], base=ROOT)


def plan_pipelines(spec: Spec) -> Plan:
    return plan(spec, TARGETS)


def render_tree(planned: Plan) -> dict[str, bytes]:
    """`<tenant>/<folder>/<path>` -> bytes, for every planned file."""
    return {
        f"{project.root}/{file.path}": render_file(file)
        for project in planned.projects
        for file in project.files
    }


def write_tree(files: Mapping[str, bytes], root: Path) -> Path:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


@pytest.fixture(scope="session")
def example_spec() -> Spec:
    return load()


@pytest.fixture(scope="session")
def example_tree(example_spec: Spec) -> dict[str, bytes]:
    return render_tree(plan_pipelines(example_spec))


@pytest.fixture(scope="session")
def generated(example_tree: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(example_tree, tmp_path_factory.mktemp("pipelines") / "generated")


def project_context(spec: Spec, tenant: str, name: str) -> ProjectContext:
    source = spec.find_project(tenant, name)
    assert source is not None
    return ProjectContext.of(source)
