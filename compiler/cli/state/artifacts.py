"""`shipspec images` and `shipspec packages`: what builds pushed."""

from __future__ import annotations

from typing import Any

import click

from compiler.cli.state import render
from compiler.cli.state.common import (
    StateContext,
    state_command,
)
from compiler.report import Outcome
from compiler.state.services import (
    artifacts,
)


@click.group("images")
def images_group() -> None:
    """Container images pushed by builds."""


@state_command(images_group, "record", actor=True, key=True)
@click.option("--registry", required=True, help="Registry host, e.g. contosoacr.azurecr.io.")
@click.option("--repository", required=True, help="Image repository.")
@click.option("--digest", required=True, help="sha256:... manifest digest.")
@click.option("--tag", "tags", multiple=True, help="Tag published for this digest.")
@click.option("--module", help="Module the image is built from.")
@click.option("--run", "run_id", help="Run that pushed it.")
def images_record(c: StateContext, idempotency_key: str | None, **options: Any) -> Outcome:
    """Record a pushed image (digest unique per registry; a tag maps to one digest)."""
    command = artifacts.RecordImage(**options, idempotency_key=idempotency_key)
    actor = c.actor()
    outcome = c.store().write(c.scope, lambda uow: artifacts.record_image(uow, command, actor))
    return c.result(render.record_line("image", outcome.record, outcome.replayed), outcome.record)


@click.group("packages")
def packages_group() -> None:
    """Packages published to feeds."""


@state_command(packages_group, "record", actor=True, key=True)
@click.option("--feed", required=True, help="Feed, e.g. Payments/payments-packages.")
@click.option("--package", "package_id", required=True, help="Package id.")
@click.option("--version", required=True, help="Package version.")
@click.option("--sha256", required=True, help="Checksum of the package file.")
@click.option("--run", "run_id", help="Run that published it.")
def packages_record(c: StateContext, idempotency_key: str | None, **options: Any) -> Outcome:
    """Record a published package ((feed, id, version) is unique and immutable)."""
    command = artifacts.RecordPackage(**options, idempotency_key=idempotency_key)
    actor = c.actor()
    outcome = c.store().write(c.scope, lambda uow: artifacts.record_package(uow, command, actor))
    return c.result(render.record_line("package", outcome.record, outcome.replayed), outcome.record)


# -- release ----------------------------------------------------------------------------------
