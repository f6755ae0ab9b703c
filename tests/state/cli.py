"""Run the state commands the way users do, through click, and parse JSON output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner, Result

from compiler.cli.state import state_groups

REPO = Path(__file__).resolve().parents[2]
SPECS = REPO / "specs"


def cli() -> click.Group:
    group = click.Group("shipspec")
    for command in state_groups():
        group.add_command(command)
    return group


class Shipspec:
    """``shipspec`` bound to one store, tenant and project, acting as a given identity."""

    def __init__(self, url: str, tenant: str, project: str = "payments") -> None:
        self.url, self.tenant, self.project = url, tenant, project
        self.group = cli()

    def run(self, *args: str, actor: str = "azure-pipelines", specs: bool = False) -> Result:
        scoped = [
            *args,
            "--tenant",
            self.tenant,
            "--project",
            self.project,
            "--state-url",
            self.url,
        ]
        if specs:
            scoped += ["--specs", str(SPECS)]
        env = {"SHIPSPEC_ACTOR": actor, "BUILD_REQUESTEDFOREMAIL": "", "BUILD_REQUESTEDFOR": ""}
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
