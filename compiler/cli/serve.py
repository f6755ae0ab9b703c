"""`shipspec serve`: the webhook receivers (FastAPI on uvicorn) over the state store."""

from __future__ import annotations

from pathlib import Path

import click

from compiler.cli.common import format_option, handle_errors
from compiler.report import reporter_for
from compiler.state.engine import ENV_VAR


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="SHIPSPEC_SERVE_HOST",
    help="Address to listen on.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    envvar="SHIPSPEC_SERVE_PORT",
    help="Port (0: any free port).",
)
@click.option("--state-url", envvar=ENV_VAR, help=f"Database URL [env {ENV_VAR}].")
@click.option(
    "--routes",
    "routes_from",
    type=click.Path(path_type=Path, file_okay=False),
    help="Register the routes of this compiled tree first (else `shipspec track` does).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@format_option
@handle_errors()
def serve_command(
    host: str,
    port: int,
    state_url: str | None,
    routes_from: Path | None,
    log_level: str,
    output_format: str,
) -> None:
    """Receive Azure DevOps service hooks, Argo CD notifications and Flux alerts."""
    import uvicorn

    from compiler.serve import logs
    from compiler.serve.app import create_app
    from compiler.serve.config import ServeConfig
    from compiler.state import Store
    from compiler.track import routes
    from compiler.track.catalog import read_catalog

    config = ServeConfig.from_environment(state_url)
    store = Store(state_url)
    if routes_from is not None:
        count = routes.register(store, read_catalog(routes_from))
        reporter_for(output_format).success(
            f"registered {count} routes from {routes_from}", {"routes": count}
        )
    logs.configure(log_level)
    uvicorn.run(
        create_app(config, store),
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        proxy_headers=False,
    )
