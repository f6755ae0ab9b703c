"""The Pulumi target alone produces exactly the infra repositories committed under generated/.

The committed `generated/` is the golden of whole trees; refresh it with
`shipspec compile specs/` and review `git diff generated/` line by line.
"""

from __future__ import annotations

import pytest

from compiler.ir import Plan
from compiler.workers import render_plan
from tests.conftest import ROOT, SPECS
from tests.pulumi.conftest import plan_pulumi

EXAMPLES = ["contoso/payments", "northwind/orders"]


@pytest.fixture(scope="module")
def example_plan() -> Plan:
    return plan_pulumi([SPECS])


@pytest.mark.parametrize("project", EXAMPLES)
def test_infra_repository(example_plan: Plan, project: str) -> None:
    (planned,) = [p for p in example_plan.projects if p.root == project]
    (output,) = render_plan(Plan((planned,)))
    committed = ROOT / "generated" / project
    infra = committed / f"{project.split('/')[1]}-infra"
    expected = {p.relative_to(committed).as_posix() for p in infra.rglob("*") if p.is_file()}
    pipeline_files = {f"{infra.name}/azure-pipelines.yml", f"{infra.name}/.shipspec/pipeline.json"}
    assert {rendered.path for rendered in output.files} == expected - pipeline_files
    for rendered in output.files:
        assert rendered.data.decode() == (committed / rendered.path).read_text(), rendered.path


def test_output_is_deterministic(example_plan: Plan) -> None:
    first = [f.data for p in render_plan(example_plan) for f in p.files]
    second = [f.data for p in render_plan(plan_pulumi([SPECS])) for f in p.files]
    assert first == second
