"""No secret value in any generated pipeline file: only variable groups and Key Vault references."""

from __future__ import annotations

import re

from compiler.spec.secrets import secret_kind

MACRO = re.compile(r"\$\(([A-Za-z0-9_.-]+)\)")
ALLOWED_MACROS = {
    "Agent.TempDirectory", "Build.ArtifactStagingDirectory", "Build.BuildNumber",
    "Build.SourceVersion", "System.AccessToken", "Date:yyyyMMdd", "Pipeline.Workspace", "Rev:.r",
    "VERSION_PREFIX", "VERSION_PATCH", "PACKAGE_VERSION", "pulumi-backend-url", "pulumi-config-passphrase", "cluster-oidc-issuer",
}  # fmt: skip


def test_no_value_looks_like_a_secret(example_tree) -> None:  # type: ignore[no-untyped-def]
    for path, data in example_tree.items():
        for line in data.decode().splitlines():
            for token in re.split(r"[\s\"']+", line):
                assert secret_kind(token) is None, f"{path}: {line.strip()}"


def test_secrets_arrive_only_through_variable_groups(example_tree) -> None:  # type: ignore[no-untyped-def]
    for path, data in example_tree.items():
        text = data.decode()
        used = set(MACRO.findall(text))
        assert used <= ALLOWED_MACROS, f"{path}: {used - ALLOWED_MACROS}"
        for needle in ("password", "secret:", "clientSecret", "SYSTEM_ACCESSTOKEN", "token:"):
            assert needle not in text, f"{path}: {needle}"


def test_the_pipeline_never_sees_application_secrets(example_tree) -> None:  # type: ignore[no-untyped-def]
    """Module secrets reach pods through the CSI driver (GitOps target), not the pipeline:
    their names appear only in the preflight's list of what must exist, never as a value."""
    for data in example_tree.values():
        for line in data.decode().splitlines():
            for name in ("payments-db-connection", "payments-provider-api-key"):
                if name in line:
                    assert line.strip().startswith(("REQUIRED_SECRETS:", "requiredSecrets:")), line
                    assert f"$({name})" not in line


def test_every_variable_group_is_linked_to_the_project_key_vault(example_tree) -> None:  # type: ignore[no-untyped-def]
    import json

    for path, data in example_tree.items():
        if path.endswith(".shipspec/pipeline.json"):
            groups = json.loads(data)["variableGroups"]
            vaults = [group["keyVault"] for group in groups]
            if vaults:  # one vault per environment; the last environment's is the spec's
                assert len(set(vaults)) == len(vaults), path
                assert vaults[-1] in ("kv-contoso-payments", "kv-northwind-orders"), path
