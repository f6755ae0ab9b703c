"""Compile wires tracking up: with `spec.gitops.tracking.url`, the GitOps repository
gets the Argo CD notifications patch or the Flux Provider + Alert that report to
`shipspec serve`; without it (the examples), nothing is generated."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

from compiler.pipeline import CompileOptions, compile_specs
from compiler.serve.payloads.gitops import ArgoNotification
from compiler.track.catalog import read_catalog
from tests.conftest import ROOT, SPECS

URL = "https://shipspec.example.com"


def _compile(tmp_path: Path, tracked: bool) -> Path:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    if tracked:
        for name, engine in (
            ("contoso/payments.yaml", "argocd"),
            ("northwind/orders.yaml", "flux"),
        ):
            path = specs / name
            text = path.read_text(encoding="utf-8")
            marker = re.search(rf"  gitops:\n    engine: {engine}[^\n]*\n", text)
            assert marker is not None
            addition = f"    tracking:\n      url: {URL}\n"
            path.write_text(
                text[: marker.end()] + addition + text[marker.end() :], encoding="utf-8"
            )
    out = tmp_path / "generated"
    compile_specs(CompileOptions((specs,), out))
    return out


def test_argocd_projects_get_the_notifications_patch(tmp_path: Path) -> None:
    out = _compile(tmp_path, tracked=True)
    patch = yaml.safe_load(
        (
            out
            / "contoso/payments/payments-gitops/notifications/argocd-notifications-cm.patch.yaml"
        ).read_text()
    )
    data = patch["data"]
    service = yaml.safe_load(data["service.webhook.shipspec"])
    assert service["url"] == f"{URL}/hooks/argocd"
    assert {"name": "Authorization", "value": "Bearer $shipspec-webhook-token"} in service[
        "headers"
    ]
    body = yaml.safe_load(data["template.shipspec-sync"])["webhook"]["shipspec"]["body"]
    rendered = (
        body.replace("{{.app.metadata.uid}}", "u1")
        .replace("{{.app.metadata.name}}", "contoso-payments-dev-payments-api")
        .replace("{{.app.status.operationState.finishedAt}}", "2026-12-01T09:00:00Z")
        .replace("{{.app.status.sync.status}}", "Synced")
        .replace("{{.app.status.health.status}}", "Healthy")
    )
    rendered = re.sub(r"\[\{\{range .*?\{\{end\}\}\]", '["' + "a" * 40 + '"]', rendered)
    note = ArgoNotification.model_validate(json.loads(rendered))
    assert note.observation().desired == "a" * 40
    subscription = yaml.safe_load(data["subscriptions"])
    assert subscription[0]["triggers"] == ["on-shipspec-sync"]
    assert subscription[0]["selector"] == "shipspec/tenant"  # the same patch for every project


def test_flux_projects_get_a_generic_hmac_provider_and_an_alert_over_their_kustomizations(
    tmp_path: Path,
) -> None:
    out = _compile(tmp_path, tracked=True)
    provider, alert = yaml.safe_load_all(
        (out / "northwind/orders/orders-gitops/flux/notifications.yaml").read_text()
    )
    assert provider["kind"] == "Provider" and provider["spec"]["type"] == "generic-hmac"
    assert provider["spec"]["address"] == f"{URL}/hooks/flux"
    assert provider["spec"]["secretRef"] == {"name": "shipspec-webhook-hmac"}
    assert alert["spec"]["providerRef"] == {"name": provider["metadata"]["name"]}
    declared = {
        a.name for a in next(c for c in read_catalog(out) if c.project == "orders").applications
    }
    sources = {f"{s['kind']}/{s['namespace']}/{s['name']}" for s in alert["spec"]["eventSources"]}
    assert sources == declared  # every Kustomization the routes know, and nothing else


def test_without_a_tracking_url_nothing_is_generated(tmp_path: Path) -> None:
    out = _compile(tmp_path, tracked=False)
    assert not list(out.rglob("notifications*"))
    assert not list((ROOT / "generated").rglob("notifications*"))
