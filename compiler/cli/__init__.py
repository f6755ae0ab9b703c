"""The `shipspec` command line: click groups that parse options and call the pipeline.

This package is the only place that imports click and the only place that turns
errors into exit codes (see :func:`compiler.cli.common.handle_errors`).
"""

from __future__ import annotations

import click

from compiler.cli.compile import compile_command, explain_command
from compiler.cli.gitops import gitops_group
from compiler.cli.iac import iac_group
from compiler.cli.publish import publish_command
from compiler.cli.spec import init_command, schema_command, validate_command
from compiler.cli.state import state_groups
from compiler.cli.verify import verify_command
from compiler.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="shipspec")
def cli() -> None:
    """shipspec: compile platform specs into repositories, pipelines, charts and stacks."""


cli.add_command(validate_command)
cli.add_command(schema_command)
cli.add_command(init_command)
cli.add_command(compile_command)
cli.add_command(explain_command)
cli.add_command(verify_command)
cli.add_command(publish_command)
cli.add_command(gitops_group())
cli.add_command(iac_group())
for group in state_groups():
    cli.add_command(group)


def main() -> None:
    cli(prog_name="shipspec")
