"""Azure naming rules per resource type, the names derived for the examples, located errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from compiler.errors import SpecError
from compiler.ir import Plan
from compiler.pipeline import resolve_specs
from compiler.resolve import azure_names as names
from compiler.resolve.identifiers import camel, csharp_identifier, stack_output
from compiler.resolve.model import Estate
from compiler.targets.pulumi.plan import infra_plan
from tests.pulumi.conftest import MINIMAL_SPEC, ROOT, SPEC_SOURCES, plan_pulumi

VALID_AND_INVALID = {
    "resource-group": (
        ["rg-payments-dev", "rg_(x).y"],
        ["", "rg-ends-with-dot.", "a" * 91, "rg/x"],
    ),
    "log-analytics": (["log-payments-dev"], ["log", "-log-x", "log--x", "log-x-", "a" * 64]),
    "app-insights": (["appi-payments-api"], ["appi/x", "appi-x.", "a" * 261]),
    "managed-identity": (["id-payments-api", "id_x"], ["id", "-id-x", "id.x", "a" * 129]),
    "key-vault": (
        ["kv-contoso-payments", "kv1"],
        ["kv", "1kv-x", "kv--x", "kv-x-", "kv_x", "kv-contoso-payments-staging"],
    ),
    "key-vault-secret": (["orders-pg-admin-password"], ["", "a_b", "a" * 128]),
    "storage-account": (
        ["stordersarchivec6c2a0", "abc"],
        ["ab", "st-orders", "stOrders", "a" * 25],
    ),
    "blob-container": (["orders-archive", "abc"], ["ab", "Orders", "a--b", "-ab", "ab-", "a" * 64]),
    "sql-server": (
        ["sql-payments-db-1a2b3c", "a"],
        ["", "Sql-x", "-sql", "sql-", "sql_x", "a" * 64],
    ),
    "sql-database": (["payments-db", "a b"], ["", "a/b", "a?", "ab.", "a" * 129]),
    "postgresql-server": (["psql-orders-pg-1a2b3c"], ["ab", "-psql", "psql-", "PSQL-x", "a" * 64]),
    "postgresql-database": (["orders_pg", "_x"], ["", "1db", "orders-pg", "a" * 64]),
    "redis-cache": (["redis-orders-cache-1a2b3c", "r"], ["", "-r", "r-", "r--x", "r_x", "a" * 64]),
    "service-bus-namespace": (
        ["sbns-orders-bus-1a2b3c"],
        ["sbns", "1sbns-x", "sbns-x-", "sbns_x-y", "orders-sb", "orders-mgmt", "a" * 51],
    ),
    "service-bus-entity": (["order-placed", "a.b_c"], ["", "-a", "a-", "a/b", "a" * 261]),
    "cosmos-account": (
        ["cosmos-orders-docs-1a2b3c"],
        ["ab", "-cosmos", "cosmos-", "Cosmos", "a" * 45],
    ),
    "cosmos-database": (["orders-docs"], ["", "a/b", "a#b", "a?", "a "]),
}


@pytest.mark.parametrize("rule_key", sorted(names.RULES))
def test_each_rule_accepts_and_refuses_what_azure_does(rule_key: str) -> None:
    valid, invalid = VALID_AND_INVALID[rule_key]
    rule = names.RULES[rule_key]
    assert [n for n in valid if rule.problem(n)] == []
    assert [n for n in invalid if rule.problem(n) is None] == []


def test_every_rule_has_cases() -> None:
    assert set(VALID_AND_INVALID) == set(names.RULES)


def test_problems_say_what_is_wrong() -> None:
    rule = names.RULES["storage-account"]
    assert rule.problem("a" * 25) == "is 25 characters; a storage account name has 3-24"
    assert "unique across Azure" in rule.describe()
    assert names.RULES["key-vault"].problem("kv--x") == (
        "breaks the Key Vault rule: 3-24 letters, digits and hyphens, starting with a letter, "
        "ending with a letter or digit, no `--`; unique across Azure"
    )
    assert names.RULES["service-bus-namespace"].problem("orders-sb") == "may not end with `-sb`"


def test_hash_is_stable_and_differs_per_environment() -> None:
    assert names.short_hash("contoso", "payments", "dev") == names.short_hash(
        "contoso", "payments", "dev"
    )
    digests = {names.short_hash("contoso", "payments", env) for env in ("dev", "test", "prod")}
    assert len(digests) == 3 and all(len(d) == 6 and d.isalnum() for d in digests)


def test_project_vault_names() -> None:
    vault = names.project_vault_name
    assert (
        vault("kv-contoso-payments", "contoso", "payments", "prod", last=True)
        == "kv-contoso-payments"
    )
    assert (
        vault("kv-contoso-payments", "contoso", "payments", "dev", last=False)
        == "kv-contoso-payments-dev"
    )
    staging = vault("kv-contoso-payments", "contoso", "payments", "staging", last=False)
    assert len(staging) == 24 and names.RULES["key-vault"].problem(staging) is None
    derived = vault(None, "acme", "a-very-long-project-name", "dev", last=False)
    assert names.RULES["key-vault"].problem(derived) is None


def _all_stack_names(estate: Estate) -> list[tuple[str, str, str]]:
    """(rule, name, where) for every name in every stack config of the estate's infra plans."""
    found = []
    for project in estate.projects:
        if not project.has_infrastructure:
            continue
        plan = infra_plan(project)
        kinds = {store.name: store.kind for module in plan.modules for store in module.stores}
        for stack in plan.stacks:
            config = {
                key.removeprefix(f"{plan.pulumi_project}:"): value
                for key, value in stack.config["config"].items()
            }
            where = f"{project.name}/Pulumi.{stack.name}.yaml"
            found += [
                ("resource-group", config["resourceGroup"], where),
                ("key-vault", config["keyVault"], where),
                ("log-analytics", config["logAnalytics"], where),
            ]
            for module, values in config["modules"].items():
                found.append(("managed-identity", values["identity"], module))
                if "appInsights" in values:
                    found.append(("app-insights", values["appInsights"], module))
            for store, values in config["stores"].items():
                for key, derivation in names.store_names(kinds[store], store, "000000").items():
                    found.append((derivation.rule, values[key], f"{store}.{key}"))
    return found


def test_names_derived_for_the_examples_satisfy_the_rules() -> None:
    found = _all_stack_names(resolve_specs(SPEC_SOURCES, base=ROOT))
    assert len(found) > 60
    assert [
        (rule, name, where) for rule, name, where in found if names.RULES[rule].problem(name)
    ] == []
    global_names = [(rule, name) for rule, name, _ in found if names.RULES[rule].unique == "Azure"]
    assert len(global_names) == len(set(global_names)), "globally unique names never repeat"


def test_store_names_follow_the_documented_shapes() -> None:
    derived = names.store_names("blob", "orders-archive", "abc123")
    assert derived["account"].name == "stordersarchiveabc123"
    assert derived["container"].name == "orders-archive"
    assert names.store_names("postgresql", "orders-pg", "abc123")["database"].name == "orders_pg"
    assert (
        names.store_names("key-vault", "orders-secrets", "abc123")["vault"].name
        == "kv-orders-secrets-abc123"
    )


# --- located compile errors ------------------------------------------------------------------------


def _errors(path: Path) -> list[str]:
    with pytest.raises(SpecError) as raised:
        plan_pulumi([path])
    return [
        f"{d.span.line}:{d.span.column} {d.path}: {d.message}" for d in raised.value.diagnostics
    ]


@pytest.mark.parametrize(
    ("store", "resource"),
    [
        ("{name: orders-archive-long-name, kind: blob}", "storage account"),
        ("{name: customer-secrets-vault, kind: key-vault}", "Key Vault"),
        ("{name: orders-cache--hot, kind: redis}", "Redis cache"),
        ("{name: a-very-long-cosmos-store-name-for-x, kind: cosmos}", "Cosmos DB account"),
        (
            "{name: orders-events-for-the-whole-estate-today, kind: service-bus}",
            "Service Bus namespace",
        ),
        ("{name: ab, kind: blob}", "blob container"),
    ],
)
def test_a_store_name_that_makes_an_impossible_azure_name_is_a_located_error(
    spec_file: Callable[[str], Path], store: str, resource: str
) -> None:
    path = spec_file(f"- {{name: ok-store, kind: redis}}\n- {store}\n")
    errors = _errors(path)
    assert len(errors) == 1, errors
    line = MINIMAL_SPEC.count("\n") + 2
    assert errors[0].startswith(f"{line}:") and "spec.modules[0].stores[1].name:" in errors[0]
    assert resource in errors[0]


def test_error_hint_names_the_room_the_store_name_has(spec_file: Callable[[str], Path]) -> None:
    with pytest.raises(SpecError) as raised:
        plan_pulumi([spec_file("- {name: orders-archive-long-name, kind: blob}\n")])
    (diagnostic,) = raised.value.diagnostics
    assert "at most 16 characters" in diagnostic.hint
    assert diagnostic.span.file.endswith("spec.yaml")


def test_names_that_collide_after_dropping_hyphens_are_an_error(
    spec_file: Callable[[str], Path],
) -> None:
    errors = _errors(
        spec_file("- {name: orders-archive, kind: blob}\n- {name: ordersarchive, kind: blob}\n")
    )
    assert len(errors) == 1 and "spec.modules[0].stores[1].name" in errors[0]
    assert "already used by store `orders-archive`" in errors[0]


def test_an_invalid_topic_name_is_located_at_the_topic(spec_file: Callable[[str], Path]) -> None:
    errors = _errors(spec_file("- {name: events, kind: service-bus, topics: [ok, bad-]}\n"))
    assert len(errors) == 1 and "spec.modules[0].stores[0].topics[1]:" in errors[0]


def test_every_problem_is_reported_together(spec_file: Callable[[str], Path]) -> None:
    errors = _errors(
        spec_file(
            "- {name: orders-archive-long-name, kind: blob}\n"
            "- {name: customer-secrets-vault, kind: key-vault}\n"
            "- {name: bus, kind: service-bus, queues: [retry-]}\n"
        )
    )
    assert len(errors) == 3


def test_module_names_that_make_the_same_csharp_class_are_an_error(tmp_path: Path) -> None:
    spec = MINIMAL_SPEC.replace(
        "  modules:\n",
        "  modules:\n    - {name: a-b, type: infrastructure, stores: [{name: one, kind: redis}]}\n",
    )
    path = tmp_path / "spec.yaml"
    path.write_text(
        spec.replace("name: data\n", "name: a--b\n") + "        - {name: two, kind: redis}\n"
    )
    errors = _errors(path)
    assert len(errors) == 1 and "spec.modules[1].name" in errors[0] and "AB" in errors[0]


def test_valid_example_specs_compile_without_plan_errors(examples_plan: Plan) -> None:
    assert examples_plan.file_count > 0


# --- C# identifiers and output names ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PaymentsApiStack", "PaymentsApiStack"),
        ("event", "@event"),
        ("object", "@object"),
        ("b2bEdge", "b2bEdge"),
    ],
)
def test_csharp_identifiers_escape_keywords(text: str, expected: str) -> None:
    assert csharp_identifier(text) == expected


@pytest.mark.parametrize("text", ["1abc", "a-b", "a b", "ünï", ""])
def test_csharp_identifiers_refuse_what_is_not_one(text: str) -> None:
    with pytest.raises(ValueError):
        csharp_identifier(text)


def test_stack_output_names_are_camel_case() -> None:
    assert camel("orders-pg") == "ordersPg"
    assert stack_output("payments-api", "IdentityClientId") == "paymentsApiIdentityClientId"


def test_stack_config_names_are_what_the_rules_checked(infra_tree: Path) -> None:
    config = YAML(typ="safe").load(
        (infra_tree / "acme/data/data-infra/Pulumi.dev.yaml").read_text()
    )["config"]
    stores = config["data:stores"]
    assert stores["orders-archive"]["account"].startswith("stordersarchive")
    assert len(stores["orders-archive"]["account"]) == 21
    assert stores["orders-pg"]["database"] == "orders_pg"
