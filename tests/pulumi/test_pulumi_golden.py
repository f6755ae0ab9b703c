"""Golden snapshots of the infra repository of each example project.

Update with `python3 -m pytest --snapshot-update tests/pulumi/test_pulumi_golden.py` and review
`git diff tests/golden/test_pulumi_golden/` line by line.
"""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from compiler.ir import Plan
from compiler.pipeline import render_plan
from tests.conftest import SPECS
from tests.pulumi.conftest import plan_pulumi

EXAMPLES = ["contoso/payments", "northwind/orders"]


@pytest.fixture(scope="module")
def example_plan() -> Plan:
    return plan_pulumi([SPECS])


@pytest.mark.parametrize("project", EXAMPLES)
def test_infra_repository(example_plan: Plan, project: str, golden: SnapshotAssertion) -> None:
    (planned,) = [p for p in example_plan.projects if p.root == project]
    (output,) = render_plan(Plan((planned,)))
    text = "".join(
        f"=== {rendered.path}\n{rendered.data.decode('utf-8')}" for rendered in output.files
    )
    assert text == golden


def test_output_is_deterministic(example_plan: Plan) -> None:
    first = [f.data for p in render_plan(example_plan) for f in p.files]
    second = [f.data for p in render_plan(plan_pulumi([SPECS])) for f in p.files]
    assert first == second
