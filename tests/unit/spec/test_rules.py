"""Each cross-field and cross-document rule, with a spec that breaks it and one that keeps it."""

from __future__ import annotations

import pytest

from compiler.spec import rules
from compiler.spec.rules import RULES, find_cycles, parse_cpu, parse_memory
from tests.conftest import CASES, SPECS
from tests.unit.spec.helpers import sources_in

INVALID = CASES / "invalid"
VALID = CASES / "valid"

# rule -> (a case that breaks it, a case that keeps it)
RULE_CASES = {
    "unique_projects": ("duplicate-project-across-files", "multi-document-with-anchors"),
    "unique_environments": ("duplicate-environment", "strategies-and-defaults"),
    "unique_modules": ("duplicate-module", "strategies-and-defaults"),
    "unique_repositories": ("reserved-repository-name", "strategies-and-defaults"),
    "unique_stores": ("duplicate-store", "all-store-kinds"),
    "known_dependencies": ("depends-on-unknown", "strategies-and-defaults"),
    "acyclic_dependencies": ("depends-on-cycle", "strategies-and-defaults"),
    "approvals_fit": ("approvals-too-many-required", "strategies-and-defaults"),
    "canary_settings": ("canary-without-strategy", "strategies-and-defaults"),
    "deploy_targets": ("missing-cluster", "all-store-kinds"),
    "replica_overrides": ("replicas-unknown-environment", "strategies-and-defaults"),
    "resource_bounds": ("resources-request-above-limit", "strategies-and-defaults"),
    "store_tiers": ("store-tier-unknown-environment", "all-store-kinds"),
    "secret_references": ("secret-env-shadows-setting", "secrets-with-own-vault"),
    "required_settings": ("missing-registry", "secrets-with-own-vault"),
    "worker_ingress_needs_a_port": ("worker-ingress-without-port", "strategies-and-defaults"),
    "unique_ingress_routes": ("duplicate-ingress-route", "strategies-and-defaults"),
    "unique_key_vaults": ("key-vault-in-two-projects", "secrets-with-own-vault"),
    "known_regions": ("region-not-azure", "all-store-kinds"),
    "preview_connection_is_not_the_apply_one": ("preview-connection-is-apply", "all-store-kinds"),
}


def test_every_rule_has_cases() -> None:
    assert {rule.__name__ for rule in RULES} == set(RULE_CASES)


@pytest.mark.parametrize("rule_name", sorted(RULE_CASES))
def test_rule_rejects_breaking_spec(rule_name: str) -> None:
    rule = getattr(rules, rule_name)
    broken, _ = RULE_CASES[rule_name]
    found = list(rule(sources_in(INVALID / broken)))
    assert found, f"{rule_name} found nothing in {broken}"
    assert all(d.span.line >= 1 and d.path for d in found)


@pytest.mark.parametrize("rule_name", sorted(RULE_CASES))
def test_rule_accepts_keeping_spec(rule_name: str) -> None:
    rule = getattr(rules, rule_name)
    _, kept = RULE_CASES[rule_name]
    assert list(rule(sources_in(VALID / kept))) == []
    assert list(rule(sources_in(SPECS))) == []


def test_cycle_is_reported_with_its_path() -> None:
    assert find_cycles({"a": ["b"], "b": ["c"], "c": ["a"]}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}) == []


def test_each_cycle_is_reported_once() -> None:
    cycles = find_cycles({"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c"]})
    assert sorted(map(tuple, cycles)) == [("a", "b", "a"), ("c", "d", "c")]


def test_quantities() -> None:
    assert parse_cpu("250m") < parse_cpu("1") == parse_cpu("1000m")
    assert parse_memory("1Gi") == parse_memory("1024Mi") > parse_memory("1G")
