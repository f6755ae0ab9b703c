"""The generated infra repositories: valid C#, valid Pulumi files, every store mapped, no secrets."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from jinja2 import meta
from ruamel.yaml import YAML

from compiler.contexts import TemplateContext
from compiler.ir import Plan
from compiler.pipeline import load_spec, resolve_specs
from compiler.render import environment
from compiler.spec.secrets import secret_kind
from compiler.targets.pulumi.plan import (
    AZURE_NATIVE_VERSION,
    PULUMI_VERSION,
    RANDOM_VERSION,
    STORE_RESOURCES,
    infra_plan,
)
from compiler.verify.pulumi import (
    PulumiChecker,
    check_csproj,
    check_project_file,
    check_stack_file,
    csharp_problems,
)
from tests.pulumi.conftest import ROOT, SPEC_SOURCES

ALL_KINDS = {"azure-sql", "postgresql", "redis", "service-bus", "key-vault", "blob", "cosmos"}


def _files(tree: Path, pattern: str) -> list[Path]:
    return sorted(tree.rglob(pattern))


def _yaml(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _projects_with_stores() -> list[tuple[str, str, list[tuple[int, object]]]]:
    spec = load_spec(SPEC_SOURCES, base=ROOT)
    found = []
    for source in spec.projects:
        stores = [
            (index, store)
            for index, module in enumerate(source.model.spec.modules)
            for store in getattr(module, "stores", ())
        ]
        found.append((source.tenant, source.name, stores))
    return found


def _has_workloads(tenant: str, project: str) -> bool:
    spec = load_spec(SPEC_SOURCES, base=ROOT)
    (source,) = [s for s in spec.projects if (s.tenant, s.name) == (tenant, project)]
    return any(m.type in ("microservice", "worker") for m in source.model.spec.modules)


def test_every_csharp_file_parses_without_error_or_missing_nodes(infra_tree: Path) -> None:
    sources = _files(infra_tree, "*.cs")
    assert len(sources) >= 15
    problems = {
        path.relative_to(infra_tree).as_posix(): csharp_problems(path.read_bytes())
        for path in sources
    }
    assert {path: found for path, found in problems.items() if found} == {}


def test_every_pulumi_yaml_validates_against_the_project_schema(infra_tree: Path) -> None:
    projects = _files(infra_tree, "Pulumi.yaml")
    assert len(projects) == 6
    for path in projects:
        assert list(check_project_file(path, infra_tree)) == []
        document = _yaml(path)
        assert document["runtime"] == "dotnet"
        assert document["name"] == path.parent.name.removesuffix("-infra")


def test_csproj_pins_the_pulumi_packages_and_targets_the_project_dotnet(infra_tree: Path) -> None:
    estate = resolve_specs(SPEC_SOURCES, base=ROOT)
    dotnet = {p.infra_repository: p.dotnet_version for p in estate.projects}
    for path in _files(infra_tree, "*.csproj"):
        assert list(check_csproj(path, infra_tree)) == []
        tree = ElementTree.fromstring(path.read_bytes())
        references = {e.get("Include"): e.get("Version") for e in tree.iter("PackageReference")}
        assert references == {
            "Pulumi": PULUMI_VERSION,
            "Pulumi.AzureNative": AZURE_NATIVE_VERSION,
            "Pulumi.Random": RANDOM_VERSION,
        }
        framework = f"net{dotnet[path.parent.name]}"
        assert tree.findtext("PropertyGroup/TargetFramework") == framework


def test_stack_configs_are_yaml_with_namespaced_keys(infra_tree: Path) -> None:
    stacks = [p for p in _files(infra_tree, "Pulumi.*.yaml") if p.name != "Pulumi.yaml"]
    assert len(stacks) == 2 + 3 + 4 + 1 + 2 + 3
    for path in stacks:
        assert list(check_stack_file(path, infra_tree)) == []
        config = _yaml(path)["config"]
        project = path.parent.name.removesuffix("-infra")
        assert all(key.split(":")[0] in {"azure-native", project} for key in config)
        assert config[f"{project}:environment"] == path.name.split(".")[1]


def test_stack_configs_read_back_as_the_plan_that_wrote_them(infra_tree: Path) -> None:
    """A stack config is data through the one serializer: its file parses to the plan's document."""
    estate = resolve_specs(SPEC_SOURCES, base=ROOT)
    plans = [infra_plan(p) for p in estate.projects if p.has_infrastructure]
    assert len(plans) == 6
    for plan in plans:
        (folder,) = infra_tree.glob(f"{plan.tenant}/*/{plan.project}-infra")
        for stack in plan.stacks:
            assert _yaml(folder / f"Pulumi.{stack.name}.yaml") == stack.config, stack.name


def test_the_whole_tree_verifies_clean(infra_tree: Path) -> None:
    assert list(PulumiChecker().check(infra_tree)) == []


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        (
            "contoso/payments",
            {"dev": "small", "test": "small", "staging": "small", "prod": "production"},
        ),
        ("northwind/orders", {"dev": "small", "staging": "small", "prod": "production"}),
    ],
)
def test_environment_tiers_default_to_production_for_the_last_and_small_before(
    infra_tree: Path, project: str, expected: dict[str, str]
) -> None:
    tenant, name = project.split("/")
    folder = infra_tree / tenant / name / f"{name}-infra"
    tiers = {
        env: _yaml(folder / f"Pulumi.{env}.yaml")["config"][f"{name}:tier"] for env in expected
    }
    assert tiers == expected
    protected = {
        env: _yaml(folder / f"Pulumi.{env}.yaml")["config"][f"{name}:protect"] for env in expected
    }
    assert protected == {env: tier == "production" for env, tier in expected.items()}


def test_store_tier_overrides_apply_to_their_environment_only(infra_tree: Path) -> None:
    orders = infra_tree / "northwind/orders/orders-infra"

    def tier(env: str) -> str:
        stores = _yaml(orders / f"Pulumi.{env}.yaml")["config"]["orders:stores"]
        return stores["orders-pg"]["tier"]

    assert (tier("dev"), tier("staging"), tier("prod")) == ("small", "standard", "production")
    data = _yaml(infra_tree / "acme/data/data-infra/Pulumi.prod.yaml")["config"]["data:stores"]
    assert data["orders-cache"]["tier"] == "standard"
    assert data["orders-sql"]["tier"] == "production"


def test_all_seven_store_kinds_appear_in_the_example_and_test_specs() -> None:
    kinds = {store.kind for _, _, stores in _projects_with_stores() for _, store in stores}
    assert kinds == ALL_KINDS


def _store_block(source: str, store: str) -> str:
    match = re.search(
        rf'\n        \{{\n            var store = "{re.escape(store)}";\n(.*?)\n        \}}\n',
        source,
        re.S,
    )
    assert match, f"no block for store {store}"
    return match.group(1)


def test_every_store_of_every_spec_maps_to_its_azure_native_resources(infra_tree: Path) -> None:
    checked = 0
    for tenant, project, stores in _projects_with_stores():
        folder = infra_tree / tenant / project / f"{project}-infra"
        if not stores:
            workloads = _has_workloads(tenant, project)
            assert folder.exists() == workloads, "an infra repository: stores or workloads"
            continue
        modules = "\n".join(p.read_text() for p in sorted((folder / "Modules").glob("*.cs")))
        for _, store in stores:
            block = _store_block(modules, store.name)
            for resource in STORE_RESOURCES[store.kind]:
                prefix = "PulumiRandom" if resource.startswith("Random.") else "AzureNative"
                resource_type = resource.removeprefix("Random.")
                assert f"new {prefix}.{resource_type}(" in block, (store.name, resource)
            checked += 1
    assert checked >= 12


def test_service_bus_topics_queues_and_blob_lifecycle_come_from_the_spec(infra_tree: Path) -> None:
    module = (infra_tree / "acme/data/data-infra/Modules/DataPlatformStack.cs").read_text()
    bus = _store_block(module, "orders-bus")
    assert 'new string[] { "order-placed" }' in bus and 'new string[] { "order-retry" }' in bus
    archive = _store_block(module, "orders-archive")
    for action, days in (("TierToCool", 30), ("TierToArchive", 180), ("Delete", 2555)):
        assert (
            f"{action} = new AzureNative.Storage.Inputs.DateAfterModificationArgs {{ DaysAfterModificationGreaterThan = {days} }}"
            in archive
        )
    receipts = _store_block(
        (infra_tree / "contoso/payments/payments-infra/Modules/PaymentsWorkerStack.cs").read_text(),
        "receipts",
    )
    assert (
        "TierToCool" in receipts and "TierToArchive" not in receipts and "Delete =" not in receipts
    )


def test_identities_get_the_roles_their_stores_need(infra_tree: Path) -> None:
    api = (infra_tree / "contoso/payments/payments-infra/Modules/PaymentsApiStack.cs").read_text()
    assert "Roles.ServiceBusDataSender" in api and "Roles.ServiceBusDataReceiver" in api
    assert "Roles.KeyVaultSecretsUser, Principal" in api, "secrets read the project vault"
    assert "Roles.MonitoringMetricsPublisher" in api
    worker = (
        infra_tree / "contoso/payments/payments-infra/Modules/PaymentsWorkerStack.cs"
    ).read_text()
    assert "Roles.StorageBlobDataContributor" in worker
    platform = (infra_tree / "contoso/payments/payments-infra/Platform.cs").read_text()
    for role_id in ("4633458b-17de-408a-b874-0445c86b69e6", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"):
        assert role_id in platform


def _leaves(value: object) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [str(value)]


def test_no_literal_secret_in_any_config_output_or_program(infra_tree: Path) -> None:
    """Config values, C# string literals and the README carry no secret; secret outputs are marked."""
    for path in _files(infra_tree, "Pulumi.*.yaml"):
        config = _yaml(path).get("config") or {}
        for value in _leaves(config):
            assert secret_kind(value) is None, (path, value)
        assert "secure:" not in path.read_text()
    for path in _files(infra_tree, "*.cs"):
        text = path.read_text(encoding="utf-8")
        for literal in re.findall(r'"((?:[^"\\\n]|\\.)*)"', text):
            assert secret_kind(literal) is None, (path, literal)
        assert not re.search(r'(AdministratorLoginPassword|\bValue)\s*=\s*"', text), path
        for line in text.splitlines():
            if re.search(r"Outputs\[\"\w*(Password|ConnectionString)\"\]", line):
                assert "Output.CreateSecret(" in line, line
    for path in _files(infra_tree, "README.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert secret_kind(line) is None, (path, line)


def test_projects_without_stores_get_no_infra_repository(examples_plan: Plan) -> None:
    folders = {(p.tenant, p.folder) for p in examples_plan.projects if p.files}
    assert ("fabrikam", "shared-libs") not in folders
    assert ("contoso", "payments") in folders


def test_every_pulumi_template_reads_only_what_its_typed_context_declares(
    examples_plan: Plan,
) -> None:
    env = environment("pulumi")
    checked = set()
    for project in examples_plan.projects:
        for planned in project.files:
            if planned.family != "pulumi":
                continue
            assert isinstance(planned.context, TemplateContext), planned.template
            source = env.loader.get_source(env, planned.template.split("/", 1)[1])[0]  # type: ignore[union-attr]
            names = meta.find_undeclared_variables(env.parse(source))
            assert names <= set(planned.context), (planned.template, names - set(planned.context))
            checked.add(planned.template)
    assert len(checked) >= 11
