"""Run the state commands the way users do, through click, and parse JSON output."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner, Result

from compiler.cli.state import state_groups

REPO = Path(__file__).resolve().parents[2]
SPECS = REPO / "specs"
APPROVER_GROUPS = "[Payments]\\Release Managers,[Payments]\\Security"
"""The groups test identities belong to (test mode reads them from SHIPSPEC_ACTOR_GROUPS)."""


def cli() -> click.Group:
    group = click.Group("shipspec")
    for command in state_groups():
        group.add_command(command)
    return group


@functools.cache
def tenant_specs(tenant: str) -> Path:
    """The example payments spec and its Tenant document (the registry and feed it
    inherits), declared for this test's tenant (runs need known pipelines)."""
    folder = Path(tempfile.mkdtemp(prefix="shipspec-specs-"))
    text = (SPECS / "contoso/payments.yaml").read_text(encoding="utf-8")
    (folder / "payments.yaml").write_text(
        text.replace("tenant: contoso ", f"tenant: {tenant} ", 1), encoding="utf-8"
    )
    home = (SPECS / "contoso/tenant.yaml").read_text(encoding="utf-8")
    (folder / "tenant.yaml").write_text(
        home.replace("  name: contoso\n", f"  name: {tenant}\n", 1), encoding="utf-8"
    )
    return folder


class Shipspec:
    """``shipspec`` bound to one store, tenant and project, acting as a given identity."""

    def __init__(self, url: str, tenant: str, project: str = "payments") -> None:
        self.url, self.tenant, self.project = url, tenant, project
        self.group = cli()
        self.specs = tenant_specs(tenant)

    def run(
        self,
        *args: str,
        actor: str = "azure-pipelines",
        specs: bool = False,
        groups: str = APPROVER_GROUPS,
        env: dict[str, str] | None = None,
    ) -> Result:
        scoped = [
            *args,
            "--tenant",
            self.tenant,
            "--project",
            self.project,
            "--state-url",
            self.url,
        ]
        if specs or args[:2] == ("runs", "start"):
            scoped += ["--specs", str(self.specs)]
        env = {
            "SHIPSPEC_IDENTITY_MODE": "test",
            "SHIPSPEC_ACTOR": actor,
            "SHIPSPEC_ACTOR_GROUPS": groups,
            "TF_BUILD": "",
            "AZURE_DEVOPS_EXT_PAT": "",
            "SYSTEM_ACCESSTOKEN": "",
            **(env or {}),
        }
        return CliRunner().invoke(self.group, scoped, env=env, catch_exceptions=False)

    def json(self, *args: str, actor: str = "azure-pipelines", specs: bool = False) -> Any:
        result = self.run(*args, "--format", "json", actor=actor, specs=specs)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def fails(
        self, *args: str, actor: str = "azure-pipelines", specs: bool = False, code: int = 1
    ) -> str:
        """The JSON error message of a command that must fail with ``code``."""
        result = self.run(*args, "--format", "json", actor=actor, specs=specs)
        assert result.exit_code == code, result.output
        return str(json.loads(result.stdout)["error"])
