"""Decisions take their identity from an authenticated source: the pipeline's requester or
the Azure DevOps identity of the token, never a variable a shell sets (outside test mode);
an approver must belong to one of the environment's approver groups. Both back ends."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import Result
from pytest_httpserver import HTTPServer

from compiler.state import Scope, Store

from .cli import Shipspec
from .helpers import successful_run
from .identity_fake import IdentityServer

NOT_TEST = {"SHIPSPEC_IDENTITY_MODE": "", "SHIPSPEC_ACTOR": ""}
_PLANS = itertools.count(1)
"""Every plan of a run gets its own version: the PostgreSQL store is shared by the session."""


@pytest.fixture
def ship(state_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shipspec:
    """The SDK caches discovered locations per URL in memory and on disk: start clean."""
    from azure.devops import _file_cache
    from azure.devops import client as sdk_client

    monkeypatch.chdir(tmp_path)  # the identity cache lives under .shipspec/ here
    monkeypatch.setattr(sdk_client.Client, "_locations_cache", {})
    (tmp_path / "sdk-cache").mkdir()
    cache = _file_cache.get_cache("options", cache_dir=str(tmp_path / "sdk-cache"))
    monkeypatch.setattr(sdk_client, "OPTIONS_FILE_CACHE", cache)
    return Shipspec(state_url, "contoso")


@pytest.fixture
def plan(ship: Shipspec, store: Store) -> str:
    scope = Scope("contoso", "payments")
    serial = next(_PLANS)
    run_id = successful_run(store, scope, number=f"identity-{serial}")
    version = f"9.{serial}.0"
    ship.json(
        "release", "plan", "--module", "payments-api", "--version", version, "--run", run_id,
        actor="rita@contoso.com", specs=True,
    )  # fmt: skip
    return f"payments-api@{version}"


def approve(ship: Shipspec, plan: str, env: dict[str, str]) -> Result:
    args = ("release", "approve", plan, "--env", "staging", "--format", "json")
    return ship.run(*args, specs=True, env=env)


def test_shipspec_actor_outside_test_mode_is_refused(ship: Shipspec, plan: str) -> None:
    result = approve(ship, plan, {"SHIPSPEC_IDENTITY_MODE": "", "SHIPSPEC_ACTOR": "mallory@x.com"})
    assert result.exit_code == 2
    assert "honoured only in test mode" in result.output


def test_a_decision_without_pipeline_or_token_identity_is_refused(
    ship: Shipspec, plan: str
) -> None:
    result = approve(ship, plan, NOT_TEST)
    assert result.exit_code == 2
    assert "cannot establish who is acting" in result.output


def test_the_token_identity_decides_and_its_groups_are_checked(
    ship: Shipspec, plan: str, httpserver: HTTPServer
) -> None:
    azure = IdentityServer(httpserver)
    azure.user("bob-token", "bob@contoso.com", ["[Payments]\\Release Managers"])
    azure.user("mallory-token", "mallory@contoso.com", ["[Payments]\\Readers"])
    base = {**NOT_TEST, "SHIPSPEC_AZURE_DEVOPS_URL": azure.url}
    refused = approve(ship, plan, {**base, "AZURE_DEVOPS_EXT_PAT": "mallory-token"})
    assert refused.exit_code == 1, refused.output
    assert "mallory@contoso.com is in none of the approver groups of staging" in refused.output
    accepted = approve(ship, plan, {**base, "AZURE_DEVOPS_EXT_PAT": "bob-token"})
    assert accepted.exit_code == 0, accepted.output
    approval = json.loads(accepted.stdout)
    assert approval["approver"] == "bob@contoso.com"
    assert approval["approverSource"].startswith("azure-devops:token; os-user=")
    calls = azure.calls
    again = approve(ship, plan, {**base, "AZURE_DEVOPS_EXT_PAT": "bob-token"})
    assert again.exit_code == 0 and azure.calls == calls, "identity and groups are cached"
    assert "bob-token" not in Path(".shipspec/cache/identity.json").read_text()


def test_a_bad_token_is_an_external_failure(
    ship: Shipspec, plan: str, httpserver: HTTPServer
) -> None:
    azure = IdentityServer(httpserver)
    env = {**NOT_TEST, "SHIPSPEC_AZURE_DEVOPS_URL": azure.url, "AZURE_DEVOPS_EXT_PAT": "wrong"}
    result = approve(ship, plan, env)
    assert result.exit_code == 3
    assert "who the token belongs to" in result.output and "wrong" not in result.output


def test_inside_a_pipeline_the_requester_is_the_identity(ship: Shipspec, store: Store) -> None:
    run_id = successful_run(store, Scope("contoso", "payments"), number="77")
    env = {**NOT_TEST, "TF_BUILD": "True", "BUILD_REQUESTEDFOREMAIL": "Carol@Contoso.com"}
    args = ("release", "plan", "--module", "payments-api", "--version", "7.7.7", "--run", run_id)
    result = ship.run(*args, "--format", "json", specs=True, env=env)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["planner"] == "carol@contoso.com"
    assert plan["plannerSource"].startswith("pipeline:BUILD_REQUESTEDFOREMAIL; os-user=")


def test_in_test_mode_a_name_outside_the_groups_is_still_refused(ship: Shipspec, plan: str) -> None:
    result = ship.run(
        "release", "approve", plan, "--env", "staging", "--format", "json",
        actor="mallory@contoso.com", groups="", specs=True,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "in none of the approver groups" in result.output


def approve_prod(ship: Shipspec, plan: str, env: dict[str, str]) -> Result:
    args = ("release", "approve", plan, "--env", "prod", "--format", "json")
    return ship.run(*args, specs=True, env=env)


def test_declared_members_decide_for_a_pipeline_requester(ship: Shipspec, plan: str) -> None:
    """The Tenant document declares `[Payments]\\Security`: a pipeline's requester, whose
    groups Azure DevOps is not asked for, may approve when declared there."""
    pipeline = {**NOT_TEST, "TF_BUILD": "True"}
    refused = approve_prod(ship, plan, {**pipeline, "BUILD_REQUESTEDFOREMAIL": "eve@contoso.com"})
    assert refused.exit_code == 1, refused.output
    hint = json.loads(refused.stdout)["hint"]
    assert "members of [Payments]\\Security are declared in the Tenant document" in hint
    accepted = approve_prod(ship, plan, {**pipeline, "BUILD_REQUESTEDFOREMAIL": "Sam@Contoso.com"})
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["approver"] == "sam@contoso.com"


def test_declared_membership_replaces_azure_devops_for_that_group_only(
    ship: Shipspec, plan: str, httpserver: HTTPServer
) -> None:
    azure = IdentityServer(httpserver)
    azure.user("mallory-token", "mallory@contoso.com", ["[Payments]\\Security"])
    azure.user("bob-token", "bob@contoso.com", ["[Payments]\\Release Managers"])
    base = {**NOT_TEST, "SHIPSPEC_AZURE_DEVOPS_URL": azure.url}
    refused = approve_prod(ship, plan, {**base, "AZURE_DEVOPS_EXT_PAT": "mallory-token"})
    assert refused.exit_code == 1, refused.output
    assert "mallory@contoso.com is in none of the approver groups of prod" in refused.output
    accepted = approve_prod(ship, plan, {**base, "AZURE_DEVOPS_EXT_PAT": "bob-token"})
    assert accepted.exit_code == 0, accepted.output


def test_one_person_decides_once_per_environment_under_any_name(ship: Shipspec, plan: str) -> None:
    """In test mode `--as` may name someone else, but the person behind it (recorded as
    `recordedBy`) still decides only once for an environment."""
    args = ("release", "approve", plan, "--env", "prod", "--format", "json")
    first = ship.run(*args, "--as", "alice@contoso.com", actor="bob@contoso.com", specs=True)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["recordedBy"] == "bob@contoso.com"
    second = ship.run(*args, "--as", "carol@contoso.com", actor="bob@contoso.com", specs=True)
    assert second.exit_code == 1, second.output
    assert "bob@contoso.com already approved" in json.loads(second.stdout)["error"]


def test_a_pipeline_requesters_groups_are_read_by_its_id_when_a_check_needs_them(
    ship: Shipspec, plan: str, store: Store, httpserver: HTTPServer
) -> None:
    azure = IdentityServer(httpserver)
    azure.user("build-token", "build-service@contoso.com", [])
    azure.user(None, "carol@contoso.com", ["[Payments]\\Release Managers"])
    azure.user(None, "eve@contoso.com", ["[Payments]\\Readers"])
    pipeline = {
        **NOT_TEST, "TF_BUILD": "True", "SYSTEM_ACCESSTOKEN": "build-token",
        "SHIPSPEC_AZURE_DEVOPS_URL": azure.url,
    }  # fmt: skip

    def requester(email: str) -> dict[str, str]:
        return {**pipeline, "BUILD_REQUESTEDFOREMAIL": email, "BUILD_REQUESTEDFORID": f"id-{email}"}

    refused = approve(ship, plan, requester("eve@contoso.com"))
    assert refused.exit_code == 1, refused.output
    assert "in none of the approver groups of staging" in refused.output
    accepted = approve(ship, plan, requester("carol@contoso.com"))
    assert accepted.exit_code == 0, accepted.output
    calls = azure.calls
    run_id = successful_run(store, Scope("contoso", "payments"), number="78")
    args = ("release", "plan", "--module", "payments-api", "--version", "7.8.0", "--run", run_id)
    planned = ship.run(*args, "--format", "json", specs=True, env=requester("dan@contoso.com"))
    assert planned.exit_code == 0, planned.output
    assert azure.calls == calls, "a plan needs no groups: none are read"
