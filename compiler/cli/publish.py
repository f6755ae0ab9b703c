"""`shipspec publish`: push every compiled repository and open or update one pull request each."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict, Unpack

import click

from compiler.cli.common import format_option, handle_errors
from compiler.errors import UsageError
from compiler.outlock import output_lock
from compiler.publish import PROVIDERS, PublishOptions, PublishResult, RepoResult, run
from compiler.publish.git import Identity
from compiler.publish.options import BOT
from compiler.report import Outcome
from compiler.settings import load_settings
from compiler.state.engine import ENV_VAR


class _PublishFlags(TypedDict):
    """The flags that reach `PublishOptions` as they are."""

    only: tuple[str, ...]
    provider: str
    dry_run: bool
    force: bool
    allow_mass_delete: bool
    allow_stale: bool
    retire: bool
    max_delete_share: float
    branch_template: str
    cache_dir: Path
    remotes_dir: Path
    azure_devops_url: str
    state_url: str | None


@click.command("publish")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--only", multiple=True, metavar="TENANT/PROJECT[/REPO]", help="Limit to these (repeatable)."
)
@click.option(
    "--provider",
    type=click.Choice(PROVIDERS),
    default="azure-devops",
    show_default=True,
    envvar="SHIPSPEC_PUBLISH_PROVIDER",
    help="Where repositories live [env SHIPSPEC_PUBLISH_PROVIDER].",
)
@click.option("--dry-run", is_flag=True, help="Print what would be pushed; touch nothing remote.")
@click.option(
    "--force", is_flag=True, help="Replace commits on the branch that shipspec did not make."
)
@click.option(
    "--allow-mass-delete",
    is_flag=True,
    help="Allow deleting many managed files or a whole environment.",
)
@click.option(
    "--allow-stale",
    is_flag=True,
    help="Publish output even when its specs changed since it was compiled.",
)
@click.option(
    "--retire",
    is_flag=True,
    help="Retire repositories whose module left the specs: disable the pipeline, lock the "
    "default branch, remove the GitOps pins (list first with --dry-run --retire).",
)
@click.option(
    "--max-delete-share",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Share of a repository's managed files one publish may delete.",
)
@click.option(
    "--branch",
    "branch_template",
    default="shipspec/{project}",
    show_default=True,
    help="Branch to publish to; {tenant}, {project}, {repository} are filled in.",
)
@click.option(
    "--author",
    envvar="SHIPSPEC_GIT_AUTHOR",
    default=str(BOT),
    show_default=True,
    help="Commit author, `Name <email>` [env SHIPSPEC_GIT_AUTHOR].",
)
@click.option(
    "--committer",
    envvar="SHIPSPEC_GIT_COMMITTER",
    help="Commit committer, `Name <email>` (default: the author) [env SHIPSPEC_GIT_COMMITTER].",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    default=Path(".shipspec/cache/repos"),
    show_default=True,
    help="Where fetched repositories are kept between runs.",
)
@click.option(
    "--remotes-dir",
    type=click.Path(path_type=Path),
    envvar="SHIPSPEC_LOCAL_REMOTES",
    default=Path(".shipspec/remotes"),
    show_default=True,
    help="local provider: folder of bare repositories [env SHIPSPEC_LOCAL_REMOTES].",
)
@click.option(
    "--azure-devops-url",
    envvar="SHIPSPEC_AZURE_DEVOPS_URL",
    default="https://dev.azure.com/{organization}",
    show_default=True,
    help="Organization URL; {organization} comes from the spec [env SHIPSPEC_AZURE_DEVOPS_URL].",
)
@click.option("--state-url", envvar=ENV_VAR, help=f"State store URL [env {ENV_VAR}].")
@format_option
@handle_errors()
def publish_command(
    paths: tuple[Path, ...],
    author: str,
    committer: str | None,
    output_format: str,
    **flags: Unpack[_PublishFlags],
) -> Outcome:
    """Push each generated repository to a branch and open or update its pull request.

    Token (azure-devops): AZURE_DEVOPS_EXT_PAT, else SYSTEM_ACCESSTOKEN; never printed.
    """
    settings = load_settings()
    options = PublishOptions(
        paths=paths or (Path(settings.output),),
        author=_identity("--author", author),
        committer=_identity("--committer", committer) if committer else None,
        **flags,
    )
    with output_lock(Path(settings.output), "publish"):
        result = run(options)
    return _outcome(result, options.dry_run)


def _identity(flag: str, value: str) -> Identity:
    try:
        return Identity.parse(value)
    except ValueError as error:
        raise UsageError(
            f"{flag}: {error}", hint='e.g. --author "Platform Bot <bot@contoso.com>"'
        ) from None


def _outcome(result: PublishResult, dry_run: bool) -> Outcome:
    data = {
        "dryRun": dry_run,
        "exitCode": int(result.exit_code),
        "repositories": [r.to_record() for r in result.repositories],
    }
    lines: list[str] = []
    errors: list[str] = []
    for repo in result.repositories:
        _describe(repo, dry_run, lines, errors)
    counts: dict[str, int] = {}
    repositories = [r for r in result.repositories if r.kind == "repository"]
    for repo in repositories:
        counts[repo.status] = counts.get(repo.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    lines.append(
        f"{len(repositories)} repositor{'y' if len(repositories) == 1 else 'ies'}: {summary}"
    )
    return Outcome(tuple(lines), data, result.exit_code, tuple(errors))


def _describe(repo: RepoResult, dry_run: bool, lines: list[str], errors: list[str]) -> None:
    """One repository's lines (stdout) or its error (stderr, in either format)."""
    if repo.error:
        errors.append(f"error: {repo.error}")
        if repo.hint:
            errors.append(f"    hint: {repo.hint}")
        return
    detail = "; ".join(repo.actions) or "up to date"
    lines.append(f"{repo.key}: {detail}")
    if repo.pull_request is not None:
        where = f" {repo.pull_request.url}" if repo.pull_request.url else ""
        lines.append(f"    pull request {repo.pull_request.number}{where}")
    if repo.tag:
        lines.append(f"    tag {repo.tag}")
    if repo.proposal is not None and not repo.proposal.empty:
        families = ", ".join(
            f"{family} +{row['add']} ~{row['update']} -{row['delete']}"
            for family, row in repo.proposal.counts().items()
        )
        lines.append(f"    branch vs default branch: {families}")
    for gap in repo.not_compared:
        lines.append(f"    not compared: {gap}")
    if dry_run and repo.diff:
        lines.append(repo.diff)
