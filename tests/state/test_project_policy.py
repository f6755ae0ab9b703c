"""A project's release policy is derived once: the state commands, the release page and the
tracker's catalog (read from the compiled contracts) agree on it for the examples."""

from __future__ import annotations

import pytest

from compiler.cli.state.common import policy_from_spec
from compiler.pipeline import resolve_specs
from compiler.resolve.policy import project_policy
from compiler.state import ProjectPolicy
from compiler.state.identity import normalise
from compiler.track.catalog import ProjectCatalog, read_catalog
from compiler.web.estate import load_estate
from tests.conftest import ROOT, SPECS

EXAMPLES = [("contoso", "payments"), ("northwind", "orders")]


def _resolved(tenant: str, name: str) -> ProjectPolicy:
    project = resolve_specs([SPECS], base=ROOT).find(tenant, name)
    assert project is not None
    return project_policy(project)


def _steps(policy: ProjectPolicy) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(e.name, e.required_approvals, e.approvers) for e in policy.environments]


def test_the_resolved_policy_holds_path_approvals_pipelines_and_declared_groups() -> None:
    policy = _resolved("contoso", "payments")
    assert policy.path == ("dev", "test", "staging", "prod")
    assert policy.environment("prod").required_approvals == 2
    assert policy.organization == "contoso"
    assert "payments-api-ci" in policy.pipelines and "payments-infra-ci" in policy.pipelines
    security = normalise("[Payments]\\Security")
    assert policy.environment("dev").declared[security] == {"sam@contoso.com", "sofia@contoso.com"}


@pytest.mark.parametrize(("tenant", "name"), EXAMPLES)
def test_state_commands_and_the_release_page_use_the_resolved_policy(
    tenant: str, name: str
) -> None:
    resolved = _resolved(tenant, name)
    assert policy_from_spec(SPECS, tenant, name) == resolved
    view = load_estate(SPECS).find(tenant, name)
    assert view is not None and view.policy == resolved


@pytest.mark.parametrize(("tenant", "name"), EXAMPLES)
def test_the_catalog_reads_the_same_path_and_approvals_from_the_compiled_contracts(
    tenant: str, name: str
) -> None:
    (catalog,) = [
        c for c in read_catalog(ROOT / "generated") if (c.tenant, c.project) == (tenant, name)
    ]
    assert _steps(catalog.policy) == _steps(_resolved(tenant, name))
    again = ProjectCatalog.from_record(catalog.to_record())
    assert again.policy == catalog.policy
