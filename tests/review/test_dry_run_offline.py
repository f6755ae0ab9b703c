"""`publish --dry-run` without a token: compared with the cache and the manifest, gaps named."""

from __future__ import annotations

import json

import pytest

from compiler.errors import ExitCode
from tests.publish.azure_fake import FakeAzureDevOps
from tests.publish.conftest import Platform


def _dry_run(platform: Platform, ado: FakeAzureDevOps) -> dict:  # type: ignore[type-arg]
    result = platform.cli(
        "--provider", "azure-devops", "--azure-devops-url", ado.base_url, "--dry-run",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == ExitCode.OK, result.output
    return {r["repository"]: r for r in json.loads(result.output)["repositories"]}


def test_without_a_token_or_a_cache_every_file_is_new_and_that_is_said(
    platform: Platform, ado: FakeAzureDevOps
) -> None:
    repos = _dry_run(platform, ado)
    api = repos["contoso/payments/payments-api"]
    assert api["status"] == "would-publish"
    assert api["changes"]["totals"]["add"] > 5
    assert any("not in the cache" in gap for gap in api["notCompared"])
    assert any("branch policies" in gap for gap in api["notCompared"])
    assert ado.requests == []


def test_without_a_token_a_change_is_compared_with_the_cache(
    platform: Platform, ado: FakeAzureDevOps, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", token)
    first = platform.cli("--provider", "azure-devops", "--azure-devops-url", ado.base_url)
    assert first.exit_code == ExitCode.OK, first.output
    monkeypatch.delenv("AZURE_DEVOPS_EXT_PAT")
    platform.edit_spec("port: 8080", "port: 8081")
    platform.compile()
    ado.requests.clear()

    repos = _dry_run(platform, ado)
    api = repos["contoso/payments/payments-api"]
    assert api["status"] == "would-publish"
    assert "+EXPOSE 8081" in api["diff"] and "Dockerfile" in api["diff"]
    changed = {line.split()[1] for line in api["diff"].splitlines() if line.startswith("+++ ")}
    assert changed <= {"b/Dockerfile", "b/README.md", "b/.shipspec/lineage.json"}, changed
    assert any("last fetched (" in gap for gap in api["notCompared"])
    assert repos["contoso/payments/ledger-client"]["status"] == "up-to-date"
    assert ado.requests == [], "an offline dry run talks to nobody"


def test_text_output_names_what_was_not_compared(platform: Platform, ado: FakeAzureDevOps) -> None:
    result = platform.cli(
        "--provider", "azure-devops", "--azure-devops-url", ado.base_url, "--dry-run"
    )
    assert result.exit_code == ExitCode.OK, result.output
    assert "not compared: the repository itself" in result.output
    assert "not compared: branch policies (not read without a token)" in result.output
    assert result.output.rstrip().endswith("would-publish")
