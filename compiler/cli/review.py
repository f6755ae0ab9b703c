"""`shipspec review`: the platform pull request's review comment, posted or printed."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from compiler.cli.common import handle_errors
from compiler.errors import UsageError
from compiler.settings import load_settings

if TYPE_CHECKING:
    from compiler.review import PullRequest, ReviewResult


@click.command("review")
@click.option("--specs", type=click.Path(path_type=Path), help="Specs folder (default: settings).")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Generated folder (default: settings)."
)
@click.option(
    "--base",
    metavar="REF",
    help="Git ref to compare with (default: origin/<the pull request's target branch>, else HEAD).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["comment", "markdown", "json"]),
    default="comment",
    show_default=True,
    help="comment: create or update the pull request's review thread; markdown/json: print only.",
)
@click.option("--collection-url", envvar="SYSTEM_COLLECTIONURI", help="[env SYSTEM_COLLECTIONURI]")
@click.option("--project", envvar="SYSTEM_TEAMPROJECT", help="[env SYSTEM_TEAMPROJECT]")
@click.option(
    "--repository", envvar="BUILD_REPOSITORY_ID", help="Id or name [env BUILD_REPOSITORY_ID]."
)
@click.option(
    "--pull-request",
    envvar="SYSTEM_PULLREQUEST_PULLREQUESTID",
    type=int,
    help="[env SYSTEM_PULLREQUEST_PULLREQUESTID]",
)
@handle_errors()
def review_command(
    specs: Path | None,
    output: Path | None,
    base: str | None,
    output_format: str,
    collection_url: str | None,
    project: str | None,
    repository: str | None,
    pull_request: int | None,
) -> None:
    """Review a platform pull request: per repository the files, per environment the changes.

    Token (comment): AZURE_DEVOPS_EXT_PAT, else SYSTEM_ACCESSTOKEN; needs Contribute to
    pull requests on the platform repository.
    """
    from compiler.review import ReviewOptions, review

    settings = load_settings()
    where = _pull_request(collection_url, project, repository, pull_request)
    if output_format == "comment" and where is None:
        raise UsageError(
            "review needs the pull request to comment on",
            hint="run it in a pull-request build, pass --collection-url --project --repository "
            "--pull-request, or print it with --format markdown",
        )
    options = ReviewOptions(
        specs=specs or Path(settings.specs),
        output=output or Path(settings.output),
        base=base or _default_base(),
        pull_request=where,
    )
    _show(review(options), output_format, where)


def _show(result: ReviewResult, output_format: str, where: PullRequest | None) -> None:
    """Print the review (markdown or json), or post it as the pull request's review thread."""
    from compiler.review import post

    if output_format == "markdown":
        click.echo(result.markdown, nl=False)
    elif output_format == "json":
        data = {"review": asdict(result.review), "markdown": result.markdown}
        click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        assert where is not None
        done = post(where, result.markdown)
        click.echo(f"review thread {done} on {where.web_url}")


def _pull_request(
    url: str | None, project: str | None, repo: str | None, number: int | None
) -> PullRequest | None:
    from compiler.review import PullRequest

    if not (url and project and repo and number):
        return None
    return PullRequest(url, project, repo, number)


def _default_base() -> str:
    """Azure Pipelines names the target branch `refs/heads/<name>`; the checkout has origin/<name>."""
    target = os.environ.get("SYSTEM_PULLREQUEST_TARGETBRANCH", "")
    if target.startswith("refs/heads/"):
        return "origin/" + target.removeprefix("refs/heads/")
    return target or "HEAD"
