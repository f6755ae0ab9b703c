"""The `shipspec` command line: click groups that parse options and call the pipeline.

This package is the only place that imports click and the only place that turns
errors into exit codes (see :func:`compiler.cli.common.handle_errors`).  Commands
are imported when they are invoked, not before: `shipspec compile` in CI should not
pay for the database, Git and Azure DevOps libraries it never uses.
"""

from __future__ import annotations

import importlib

import click

from compiler.version import __version__

COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("compiler.cli.spec", "validate_command"),
    "schema": ("compiler.cli.spec", "schema_command"),
    "init": ("compiler.cli.spec", "init_command"),
    "compile": ("compiler.cli.compile", "compile_command"),
    "explain": ("compiler.cli.compile", "explain_command"),
    "verify": ("compiler.cli.verify", "verify_command"),
    "publish": ("compiler.cli.publish", "publish_command"),
    "review": ("compiler.cli.review", "review_command"),
    "gitops": ("compiler.cli.gitops", "gitops_group"),
    "iac": ("compiler.cli.iac", "iac_group"),
    "runs": ("compiler.cli.state.runs", "runs_group"),
    "builds": ("compiler.cli.state.runs", "builds_group"),
    "images": ("compiler.cli.state.artifacts", "images_group"),
    "packages": ("compiler.cli.state.artifacts", "packages_group"),
    "release": ("compiler.cli.state.release", "release_group"),
    "sync": ("compiler.cli.state.operations", "sync_group"),
    "events": ("compiler.cli.state.operations", "events_group"),
    "infra": ("compiler.cli.state.operations", "infra_group"),
    "state": ("compiler.cli.state.operations", "state_group"),
    "serve": ("compiler.cli.serve", "serve_command"),
    "track": ("compiler.cli.track", "track_command"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (the pattern from click's docs)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name]
        found = getattr(importlib.import_module(module_name), attribute)
        return found if isinstance(found, click.Command) else found()


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="shipspec")
def cli() -> None:
    """shipspec: compile platform specs into repositories, pipelines, charts and stacks."""


def main() -> None:
    cli(prog_name="shipspec")
