"""Fixtures of the Pulumi target tests: infra trees compiled with this target alone.

Only the Pulumi target is planned, so these tests stay independent of the other
targets; the tree is rendered exactly as `shipspec compile` renders it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.ir import Plan
from compiler.pipeline import resolve_specs
from compiler.plan.build import plan
from compiler.targets.pulumi import PulumiStacks
from compiler.workers import render_plan
from tests.conftest import CASES, SPECS

ROOT = SPECS.parent
SPEC_SOURCES = [SPECS, *sorted(p for p in (CASES / "valid").iterdir() if p.is_dir())]


def plan_pulumi(paths: list[Path]) -> Plan:
    return plan(resolve_specs(paths, base=ROOT), {"pulumi": PulumiStacks()})


def write_tree(planned: Plan, root: Path) -> Path:
    for project in render_plan(planned):
        for rendered in project.files:
            target = root / project.plan.root / rendered.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(rendered.data)
    return root


@pytest.fixture(scope="session")
def examples_plan() -> Plan:
    """The Pulumi files of every example spec and every valid test case."""
    return plan_pulumi(SPEC_SOURCES)


@pytest.fixture(scope="session")
def infra_tree(examples_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered tree of `examples_plan`: `<root>/<tenant>/<project>/<project>-infra/...`."""
    return write_tree(examples_plan, tmp_path_factory.mktemp("generated"))


MINIMAL_SPEC = """\
apiVersion: shipspec/v1
kind: Project
metadata: {tenant: acme, name: shop}
spec:
  azureDevOps: {organization: acme, project: Shop, serviceConnections: {azure: acme-arm}}
  environments:
    - {name: dev, region: westeurope}
    - {name: prod, region: westeurope}
  modules:
    - name: data
      type: infrastructure
      stores:
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Callable[[str], Path]:
    """Write a one-module spec whose `stores:` list is the given YAML lines."""

    def write(stores: str, spec: str = MINIMAL_SPEC) -> Path:
        path = tmp_path / "spec.yaml"
        path.write_text(spec + textwrap.indent(textwrap.dedent(stores), "        "))
        return path

    return write
