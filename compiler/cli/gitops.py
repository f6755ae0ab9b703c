"""`shipspec gitops`: commands that edit a GitOps repository checkout (the deploy stage calls them)."""

from __future__ import annotations

from pathlib import Path

import click

from compiler.cli.common import format_option, handle_errors
from compiler.gitops_image import SetImageResult, set_image
from compiler.gitops_outputs import SetOutputsResult, read_stack_outputs, set_outputs, set_revision
from compiler.gitops_release import ReleaseResult, promote_release
from compiler.outlock import checkout_lock_file, exclusive
from compiler.report import Outcome


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
) -> Outcome:
    """Pin MODULE in ENV to DIGEST (and its chart to REVISION, or in the Kustomize layout
    write its release from the state the environment before ENV runs): a no-op when pinned."""
    with exclusive(checkout_lock_file(repo), "gitops set-image"):
        result = set_image(repo, environment, module, digest)
        chart = set_revision(repo, environment, module, revision) if revision else None
        release = promote_release(repo, environment, module)
    return set_image_outcome(result, module, environment, revision, chart, release)


def set_image_outcome(
    result: SetImageResult,
    module: str,
    environment: str,
    revision: str | None,
    chart: tuple[str, bool] | None,
    release: ReleaseResult | None = None,
) -> Outcome:
    """What set-image says: the chart pin's or the release's line (when it has one), then the
    image pin's."""
    record = result.to_dict()
    lines = []
    if revision and chart is not None:
        file, changed = chart
        record["revision"] = {"file": file, "revision": revision, "changed": changed}
        if file:
            state = "now renders" if changed else "already renders"
            lines.append(f"{file}: {module} in {environment} {state} the chart of {revision}")
    if release is not None:
        record["release"] = release.to_dict()
        state = "now runs" if release.changed else "already runs"
        lines.append(
            f"{release.file}: {module} in {environment} {state} the base of {release.source}"
        )
    where = f"{result.file}: {module} in {environment}"
    if result.changed:
        lines.append(f"{where} now runs {result.digest} (was {result.previous or 'unpinned'})")
    else:
        lines.append(f"{where} already runs {result.digest}; nothing changed")
    return Outcome(tuple(lines), record)


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
) -> Outcome:
    """Write every module's identity client id and the tenant id of ENV; a no-op when current."""
    outputs = read_stack_outputs(stack_outputs)
    with exclusive(checkout_lock_file(repo), "gitops set-outputs"):
        result = set_outputs(repo, environment, outputs, tenant_id)
    return set_outputs_outcome(result)


def set_outputs_outcome(result: SetOutputsResult) -> Outcome:
    """What set-outputs says: one line per module of the environment."""
    lines = tuple(
        f"{m.file}: {m.module} in {result.environment} "
        f"{'now runs as' if m.changed else 'already runs as'} {m.client_id}"
        for m in result.modules
    )
    return Outcome(lines, result.to_dict())
