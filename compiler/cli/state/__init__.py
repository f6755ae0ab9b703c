"""`shipspec runs|builds|images|packages|release|sync|events|infra|state`: the state store.

Commands are thin: parse options, resolve the actor and (for releases) the project's
policy from the spec, run one service in one transaction, report the record.  Every
command takes ``--tenant``, ``--project``, ``--state-url`` and ``--format``.
"""

from __future__ import annotations

import click

from compiler.cli.state.artifacts import images_group, packages_group
from compiler.cli.state.operations import events_group, infra_group, state_group, sync_group
from compiler.cli.state.release import release_group
from compiler.cli.state.runs import builds_group, runs_group


def state_groups() -> list[click.Command]:
    """The top-level commands the CLI registers for the state store."""
    return [
        runs_group,
        builds_group,
        images_group,
        packages_group,
        release_group,
        sync_group,
        events_group,
        infra_group,
        state_group,
    ]
