"""`shipspec gitops`: commands that edit a GitOps repository checkout (the deploy stage calls them)."""

from __future__ import annotations

from pathlib import Path

import click

from compiler.cli.common import format_option, handle_errors
from compiler.gitops_image import set_image
from compiler.gitops_outputs import read_stack_outputs, set_outputs, set_revision
from compiler.gitops_release import promote_release
from compiler.outlock import checkout_lock_file, exclusive
from compiler.report import reporter_for


def gitops_group() -> click.Group:
    @click.group("gitops")
    def gitops() -> None:
        """Edit the desired state in a <project>-gitops checkout."""

    gitops.add_command(set_image_command)
    gitops.add_command(set_outputs_command)
    return gitops


checkout_option = click.option(
    "--repo",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    show_default=True,
    help="The checkout of the <project>-gitops repository.",
)
"""Every `gitops` command edits one checkout, named the same way."""


@click.command("set-image")
@checkout_option
@click.option("--env", "environment", required=True, help="The environment to promote into.")
@click.option("--module", required=True, help="The module (microservice or worker).")
@click.option("--digest", required=True, help="The image digest: sha256:<64 hex>.")
@click.option(
    "--revision",
    default=None,
    help="The module repository commit the image was built from: the chart ENV runs (Helm layout).",
)
@format_option
@handle_errors()
def set_image_command(
    repo: Path,
    environment: str,
    module: str,
    digest: str,
    revision: str | None,
    output_format: str,
) -> None:
    """Pin MODULE in ENV to DIGEST (and its chart to REVISION, or in the Kustomize layout
    write its release from the base the environment before ENV runs): a no-op when pinned."""
    with exclusive(checkout_lock_file(repo), "gitops set-image"):
        result = set_image(repo, environment, module, digest)
        chart = set_revision(repo, environment, module, revision) if revision else ("", False)
        release = promote_release(repo, environment, module)
    if output_format == "json":
        record = result.to_dict()
        if revision:
            record["revision"] = {"file": chart[0], "revision": revision, "changed": chart[1]}
        if release is not None:
            record["release"] = release.to_dict()
        reporter_for("json").success("", record)
        return
    if chart[0]:
        state = "now renders" if chart[1] else "already renders"
        click.echo(f"{chart[0]}: {module} in {environment} {state} the chart of {revision}")
    if release is not None:
        state = "now runs" if release.changed else "already runs"
        click.echo(
            f"{release.file}: {module} in {environment} {state} the base of {release.source}"
        )
    if result.changed:
        click.echo(
            f"{result.file}: {module} in {environment} now runs {digest} (was {result.previous or 'unpinned'})"
        )
    else:
        click.echo(
            f"{result.file}: {module} in {environment} already runs {digest}; nothing changed"
        )


@click.command("set-outputs")
@checkout_option
@click.option("--env", "environment", required=True, help="The environment the stack belongs to.")
@click.option(
    "--stack-outputs",
    "stack_outputs",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The file `pulumi stack output --json` wrote for that environment's stack.",
)
@click.option("--tenant-id", required=True, help="The Entra tenant the identities live in.")
@format_option
@handle_errors()
def set_outputs_command(
    repo: Path, environment: str, stack_outputs: Path, tenant_id: str, output_format: str
) -> None:
    """Write every module's identity client id and the tenant id of ENV; a no-op when current."""
    outputs = read_stack_outputs(stack_outputs)
    with exclusive(checkout_lock_file(repo), "gitops set-outputs"):
        result = set_outputs(repo, environment, outputs, tenant_id)
    if output_format == "json":
        reporter_for("json").success("", result.to_dict())
        return
    for module in result.modules:
        state = "now runs as" if module.changed else "already runs as"
        click.echo(f"{module.file}: {module.module} in {environment} {state} {module.client_id}")
