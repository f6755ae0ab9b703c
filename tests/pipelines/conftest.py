"""Fixtures for the Azure Pipelines target: the example specs planned and rendered once.

Only this target (and the repository layout it sits beside) is planned, so these tests
neither depend on nor wait for the other targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from compiler.ir import Plan
from compiler.pipeline import resolve_specs
from compiler.plan.build import plan
from compiler.render import render_file
from compiler.resolve import Estate, Project
from compiler.targets.azure_pipelines import AzurePipelines
from tests.conftest import ROOT, SPECS

TARGETS = {"azure-pipelines": AzurePipelines()}


def load(specs: Path = SPECS) -> Estate:
    return resolve_specs([specs], base=ROOT)


def plan_pipelines(spec: Estate) -> Plan:
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
def example_spec() -> Estate:
    return load()


@pytest.fixture(scope="session")
def example_tree(example_spec: Estate) -> dict[str, bytes]:
    return render_tree(plan_pipelines(example_spec))


@pytest.fixture(scope="session")
def generated(example_tree: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(example_tree, tmp_path_factory.mktemp("pipelines") / "generated")


def project_context(spec: Estate, tenant: str, name: str) -> Project:
    project = spec.find(tenant, name)
    assert project is not None
    return project
