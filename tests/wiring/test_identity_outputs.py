"""The identity-id wire: stack outputs reach the ServiceAccount and SecretProviderClass, no human.

After a simulated `pulumi up` of one environment (the infra pipeline's step: the CLI
`shipspec gitops set-outputs` over `pulumi stack output --json`), what that
environment's cluster applies carries, for every workload, the client id the stack
exported for that module and the tenant id, on the ServiceAccount and on every
SecretProviderClass; other environments are untouched; running it again changes
nothing.  On the examples and on the suite's own estate, in every engine and
manifests combination.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler.resolve.identifiers import stack_output
from tests.conftest import SPECS
from tests.wiring.cluster import (
    TENANT_ID,
    VARIANTS,
    WIRING_SPECS,
    by_kind,
    client_id,
    compile_estate,
    module_objects,
)

ESTATES = [("examples", SPECS, "", ""), *(("shop", WIRING_SPECS, e, m) for e, m in VARIANTS)]


def _ids(objects: list[dict], module: str) -> set[tuple[str, str]]:
    found = set()
    for obj in module_objects(objects, module):
        if obj["kind"] == "ServiceAccount":
            notes = obj["metadata"]["annotations"]
            found.add(
                (
                    notes["azure.workload.identity/client-id"],
                    notes["azure.workload.identity/tenant-id"],
                )
            )
        if obj["kind"] == "SecretProviderClass":
            found.add(
                (obj["spec"]["parameters"]["clientID"], obj["spec"]["parameters"]["tenantId"])
            )
    return found


@pytest.mark.parametrize(("name", "specs", "engine", "manifests"), ESTATES, ids=[
    f"{n}-{e or 'as-written'}-{m or ''}".rstrip("-") for n, _, e, m in ESTATES
])  # fmt: skip
def test_stack_outputs_reach_every_service_account_and_secret_provider_class(
    tmp_path: Path, name: str, specs: Path, engine: str, manifests: str
) -> None:
    estate = compile_estate(tmp_path, specs, engine, manifests)
    checked = 0
    for project in estate.projects:
        first, *others = project.environments
        outputs = estate.up(project, first)
        for module in project.workloads:
            assert outputs[stack_output(module.name, "IdentityClientId")]
        objects = estate.applied(project, first)
        for module in project.workloads:
            wanted = (client_id(project, first.name, module.name), TENANT_ID)
            assert _ids(objects, module.name) == {wanted}, (project.name, module.name)
            accounts = by_kind(module_objects(objects, module.name), "ServiceAccount")
            assert len(accounts) == 1
            checked += 1
        for env in others:
            untouched = estate.applied(project, env)
            assert all(_ids(untouched, m.name) == {("", "")} for m in project.workloads)
        again = estate.gitops_cli(
            "set-outputs", project, "--env", first.name, "--stack-outputs",
            str(estate.generated / f"outputs-{project.name}-{first.name}.json"),
            "--tenant-id", TENANT_ID,
        )  # fmt: skip
        assert "now runs as" not in again and "already runs as" in again
    assert checked >= 2


def test_set_outputs_edits_two_lines_per_module_and_refuses_what_is_not_an_id(
    tmp_path: Path,
) -> None:
    estate = compile_estate(tmp_path, WIRING_SPECS, "flux", "kustomize")
    project = estate.project("shop")
    gitops = estate.gitops(project)
    before = {p: p.read_bytes() for p in gitops.rglob("*") if p.is_file()}
    estate.up(project, project.environments[0])
    changed = {p for p in before if p.read_bytes() != before[p]}
    assert {p.relative_to(gitops).as_posix() for p in changed} == {
        f"overlays/dev/{m.name}/outputs.yaml" for m in project.workloads
    }
    for path in changed:
        old, new = before[path].decode().splitlines(), path.read_text().splitlines()
        assert sum(a != b for a, b in zip(old, new, strict=True)) == 2
        assert yaml.safe_load(path.read_text())["metadata"]["annotations"] == {
            "config.kubernetes.io/local-config": "true"
        }
    bad = estate.generated / "bad.json"
    bad.write_text('{"shopApiIdentityClientId": "[secret]"}')
    from click.testing import CliRunner

    from compiler.cli.gitops import gitops_group

    result = CliRunner().invoke(
        gitops_group(),
        ["set-outputs", "--repo", str(gitops), "--env", "dev", "--stack-outputs", str(bad),
         "--tenant-id", TENANT_ID],
    )  # fmt: skip
    assert result.exit_code == 1 and "not an Entra id" in result.output
    missing = estate.generated / "missing.json"
    missing.write_text("{}")
    result = CliRunner().invoke(
        gitops_group(),
        ["set-outputs", "--repo", str(gitops), "--env", "dev", "--stack-outputs", str(missing),
         "--tenant-id", TENANT_ID],
    )  # fmt: skip
    assert result.exit_code == 1 and "no shopApiIdentityClientId" in result.output
