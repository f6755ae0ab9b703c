"""`shipspec gitops`: commands that edit a GitOps repository checkout (the deploy stage calls them)."""

from __future__ import annotations

from pathlib import Path

import click

from compiler.cli.common import format_option, handle_errors
from compiler.gitops_image import set_image
from compiler.outlock import checkout_lock_file, exclusive
from compiler.report import reporter_for


def gitops_group() -> click.Group:
    @click.group("gitops")
    def gitops() -> None:
        """Edit the desired state in a <project>-gitops checkout."""

    gitops.add_command(set_image_command)
    return gitops


@click.command("set-image")
@click.option(
    "--repo",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    show_default=True,
    help="The checkout of the <project>-gitops repository.",
)
@click.option("--env", "environment", required=True, help="The environment to promote into.")
@click.option("--module", required=True, help="The module (microservice or worker).")
@click.option("--digest", required=True, help="The image digest: sha256:<64 hex>.")
@format_option
@handle_errors()
def set_image_command(
    repo: Path, environment: str, module: str, digest: str, output_format: str
) -> None:
    """Pin MODULE in ENV to DIGEST: one line of one file; a no-op when already pinned."""
    with exclusive(checkout_lock_file(repo), "gitops set-image"):
        result = set_image(repo, environment, module, digest)
    if output_format == "json":
        reporter_for("json").success("", result.to_dict())
        return
    if result.changed:
        click.echo(
            f"{result.file}: {module} in {environment} now runs {digest} (was {result.previous or 'unpinned'})"
        )
    else:
        click.echo(
            f"{result.file}: {module} in {environment} already runs {digest}; nothing changed"
        )
