"""`shipspec track`: poll Azure DevOps and Argo CD, converge the state store."""

from __future__ import annotations

import os
from pathlib import Path

import click

from compiler.cli.common import format_option, handle_errors
from compiler.report import reporter_for
from compiler.state.engine import ENV_VAR

ARGOCD_TOKEN = "SHIPSPEC_ARGOCD_TOKEN"
KUBERNETES_TOKEN = "SHIPSPEC_KUBERNETES_TOKEN"


@click.command("track")
@click.option(
    "--generated",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("generated"),
    show_default=True,
    help="The compiled tree whose pipelines and applications are tracked.",
)
@click.option("--state-url", envvar=ENV_VAR, help=f"Database URL [env {ENV_VAR}].")
@click.option(
    "--azure-devops-url",
    envvar="SHIPSPEC_AZURE_DEVOPS_URL",
    default="https://dev.azure.com/{organization}",
    show_default=True,
    help="Azure DevOps URL template [env SHIPSPEC_AZURE_DEVOPS_URL].",
)
@click.option(
    "--argocd-url",
    envvar="SHIPSPEC_ARGOCD_URL",
    help="Argo CD API URL [env SHIPSPEC_ARGOCD_URL]; token in SHIPSPEC_ARGOCD_TOKEN.",
)
@click.option(
    "--kubernetes-url",
    envvar="SHIPSPEC_KUBERNETES_URL",
    help="Kubernetes API URL for Flux status [env SHIPSPEC_KUBERNETES_URL]; "
    "token in SHIPSPEC_KUBERNETES_TOKEN.",
)
@click.option(
    "--routes-only", is_flag=True, help="Only register the routes `serve` needs; poll nothing."
)
@click.option("--watch", is_flag=True, help="Poll again every --interval seconds until stopped.")
@click.option("--interval", type=click.FloatRange(1), default=60.0, show_default=True)
@format_option
@handle_errors()
def track_command(
    generated: Path,
    state_url: str | None,
    azure_devops_url: str,
    argocd_url: str | None,
    kubernetes_url: str | None,
    routes_only: bool,
    watch: bool,
    interval: float,
    output_format: str,
) -> None:
    """Read builds, approvals, GitOps pushes and sync state; record what happened."""
    from compiler.track.poll import TrackOptions, track

    options = TrackOptions(generated=generated, state_url=state_url, watch=watch, interval=interval)
    result = track(
        options, [] if routes_only else _sources(azure_devops_url, argocd_url, kubernetes_url)
    )
    lines = [f"registered {result.routes} routes"]
    lines += [
        f"{p['tenant']}/{p['project']}: {p['observations']} observations" for p in result.projects
    ]
    reporter_for(output_format).success("\n".join(lines), result.to_record())


def _sources(
    azure_devops_url: str, argocd_url: str | None, kubernetes_url: str | None
) -> list[object]:
    from compiler.errors import UsageError
    from compiler.publish.secrets import token_from_environment
    from compiler.track.argocd import ArgoCdPoller
    from compiler.track.azure_devops import AzureDevOpsPoller
    from compiler.track.flux import FluxPoller

    sources: list[object] = [AzureDevOpsPoller(token_from_environment().reveal(), azure_devops_url)]
    if argocd_url:
        token = os.environ.get(ARGOCD_TOKEN, "")
        if not token:
            raise UsageError(f"--argocd-url needs a token in {ARGOCD_TOKEN}")
        sources.append(ArgoCdPoller(argocd_url, token))
    if kubernetes_url:
        sources.append(FluxPoller(kubernetes_url, _token(KUBERNETES_TOKEN, "--kubernetes-url")))
    return sources


def _token(variable: str, flag: str) -> str:
    from compiler.errors import UsageError

    token = os.environ.get(variable, "")
    if not token:
        raise UsageError(f"{flag} needs a token in {variable}")
    return token
