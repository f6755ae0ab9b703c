"""A Tenant document sets the shipspec the generated pipelines install, once for its projects."""

from __future__ import annotations

from pathlib import Path

from compiler.pipeline import CompileOptions, compile_specs

from .helpers import sources_in

TENANT = """\
apiVersion: shipspec/v1
kind: Tenant
metadata: {name: globex}
spec:
  azureDevOps: {organization: globex, project: Platform}
  registry: globexacr.azurecr.io
  environments:
    - {name: dev, cluster: aks-dev, region: westeurope}
  pipelines:
    tool: {version: "0.1.0", feed: Platform/tools}
"""
PROJECT = """\
apiVersion: shipspec/v1
kind: Project
metadata: {{tenant: globex, name: {name}}}
spec:
  azureDevOps:
    organization: globex
    project: {name}
    serviceConnections: {{azure: globex-arm, registry: globex-acr}}
{pipelines}  modules:
    - {{name: {name}-api, type: microservice, dotnet: {{version: "8.0"}}, container: {{port: 8080}}}}
"""


def write_specs(folder: Path) -> Path:
    folder.mkdir()
    (folder / "tenant.yaml").write_text(TENANT, encoding="utf-8")
    (folder / "orders.yaml").write_text(
        PROJECT.format(name="orders", pipelines="  pipelines: {mode: inline}\n"), "utf-8"
    )
    (folder / "billing.yaml").write_text(
        PROJECT.format(name="billing", pipelines='  pipelines: {tool: {version: "0.1.0"}}\n'),
        encoding="utf-8",
    )
    return folder


def test_a_project_without_its_own_tool_takes_the_tenants(tmp_path: Path) -> None:
    sources = {s.name: s for s in sources_in(write_specs(tmp_path / "specs"))}
    orders, billing = sources["orders"], sources["billing"]
    assert orders.model.spec.pipelines.tool.feed == "Platform/tools"
    assert orders.model.spec.pipelines.mode == "inline", "the project's own pipeline keys stay"
    assert billing.model.spec.pipelines.tool.feed is None, "a project's own tool wins"
    assert orders.origin(["spec", "pipelines", "tool", "feed"]).file.endswith("tenant.yaml")
    assert orders.origin(["spec", "pipelines", "mode"]).file.endswith("orders.yaml")
    assert billing.origin(["spec", "pipelines", "tool"]).file.endswith("billing.yaml")


def test_the_inherited_tool_reaches_the_generated_pipeline(tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs")
    compile_specs(CompileOptions((specs,), tmp_path / "generated"))
    orders = (tmp_path / "generated/globex/orders/orders-api/azure-pipelines.yml").read_text()
    billing = (tmp_path / "generated/globex/billing/billing-api/azure-pipelines.yml").read_text()
    assert "PipAuthenticate@1" in orders and "Platform/tools" in orders
    assert "PipAuthenticate@1" not in billing and "Platform/tools" not in billing
