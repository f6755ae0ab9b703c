"""Shared plumbing of the state-store commands: options, the context object, helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from compiler.cli.common import format_option, handle_errors
from compiler.errors import StateError, UsageError
from compiler.report import Outcome
from compiler.state import ProjectPolicy, Scope, Store, resolve_actor
from compiler.state.engine import ENV_VAR
from compiler.state.services import (
    promotion,
)

Body = Callable[..., "Outcome | None"]


@dataclass(frozen=True)
class StateContext:
    """The options every state command shares, parsed once."""

    tenant: str
    project: str
    url: str | None
    output_format: str
    specs: Path | None = None
    as_: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.tenant, self.project)

    def store(self) -> Store:
        return Store(self.url)

    def actor(self, *, authenticated: bool = False) -> Any:
        """Who acts; decisions (`authenticated`) need the pipeline's or the token's identity."""
        from compiler.state.directory import azure_devops_groups, azure_devops_whoami

        organization = self.policy().organization if self.specs is not None else ""
        return resolve_actor(
            self.as_,
            authenticated=authenticated,
            whoami=azure_devops_whoami(organization),
            groups_of=azure_devops_groups(organization),
        )

    def policy(self) -> ProjectPolicy:
        return policy_from_spec(self.specs or Path("specs"), self.tenant, self.project)

    def result(self, text: str, data: object) -> Outcome:
        return Outcome((text,), data)


def policy_from_spec(specs: Path, tenant: str, project: str) -> ProjectPolicy:
    """The release policy of one project, from its resolved spec (the only spec import here)."""
    from compiler.pipeline import load_spec
    from compiler.resolve import resolve_project
    from compiler.resolve.policy import project_policy

    source = load_spec([specs]).find_project(tenant, project)
    if source is None:
        raise StateError(
            f"project {tenant}/{project} is not declared under {specs}",
            hint="check --tenant/--project, or point --specs at the spec folder",
        )
    return project_policy(resolve_project(source))


def _common_options(*, scoped: bool, actor: bool, specs: bool, key: bool) -> list[Any]:
    options = [
        click.option("--tenant", envvar="SHIPSPEC_TENANT", required=scoped, help="Tenant slug."),
        click.option("--project", envvar="SHIPSPEC_PROJECT", required=scoped, help="Project."),
        click.option(
            "--state-url",
            envvar=ENV_VAR,
            help=f"Database URL [env {ENV_VAR}; default sqlite .shipspec/state.db].",
        ),
        format_option,
    ]
    if actor:
        options.append(
            click.option(
                "--as",
                "as_",
                metavar="IDENTITY",
                help="Act as someone else (tests/admin; recorded).",
            )
        )
    if specs:
        options.append(
            click.option(
                "--specs",
                type=click.Path(path_type=Path),
                default=Path("specs"),
                show_default=True,
                help="Spec folder the project's environment path and approvals come from.",
            )
        )
    if key:
        options.append(
            click.option("--idempotency-key", help="Replay key [default: from the natural key].")
        )
    return options


def state_command(
    group: click.Group,
    name: str,
    *,
    scoped: bool = True,
    actor: bool = False,
    specs: bool = False,
    key: bool = False,
) -> Callable[[Body], click.Command]:
    """Register ``body(context, **options)`` as a command with the shared options."""

    def decorate(body: Body) -> click.Command:
        @functools.wraps(body)
        def command(**kwargs: Any) -> Outcome | None:
            context = StateContext(
                tenant=kwargs.pop("tenant") or "",
                project=kwargs.pop("project") or "",
                url=kwargs.pop("state_url"),
                output_format=kwargs.pop("output_format"),
                specs=kwargs.pop("specs", None),
                as_=kwargs.pop("as_", None),
            )
            return body(context, **kwargs)

        wrapped: Any = handle_errors()(command)
        for option in reversed(_common_options(scoped=scoped, actor=actor, specs=specs, key=key)):
            wrapped = option(wrapped)
        return group.command(name)(wrapped)

    return decorate


def parse_pairs(values: tuple[str, ...], what: str, separator: str = "=") -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        left, sep, right = value.partition(separator)
        if not sep or not left or not right:
            raise UsageError(f"{what} {value!r} is not NAME{separator}VALUE")
        pairs.append((left, right))
    return pairs


def parse_gates(values: tuple[str, ...]) -> tuple[promotion.Gate, ...]:
    gates = []
    for name, outcome in parse_pairs(values, "--gate"):
        verdict, _, detail = outcome.partition(":")
        if verdict not in ("passed", "failed"):
            raise UsageError(f"--gate {name}={outcome}: the outcome is 'passed' or 'failed'")
        gates.append((name, verdict == "passed", detail))
    return tuple(gates)


gate_option = click.option(
    "--gate",
    "gates",
    multiple=True,
    metavar="NAME=passed|failed[:DETAIL]",
    help="Health gate result.",
)


# -- runs -------------------------------------------------------------------------------------
