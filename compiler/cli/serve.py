"""`shipspec serve`: the webhook receivers and the release page (FastAPI on uvicorn)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

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
    help="Port.",
)
@click.option("--state-url", envvar=ENV_VAR, help=f"Database URL [env {ENV_VAR}].")
@click.option(
    "--routes",
    "routes_from",
    type=click.Path(path_type=Path, file_okay=False),
    help="Register the routes of this compiled tree first (else `shipspec track` does).",
)
@click.option(
    "--specs",
    type=click.Path(path_type=Path, file_okay=False),
    help="Serve the release page for the projects of these specs (access: SHIPSPEC_WEB_*).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Try-out: a seeded SQLite ledger of the example specs, open to anyone on this machine.",
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
    specs: Path | None,
    demo: bool,
    log_level: str,
    output_format: str,
) -> None:
    """Receive Azure DevOps service hooks, Argo CD notifications and Flux alerts; show the release page."""
    import uvicorn

    from compiler.serve import logs
    from compiler.serve.app import create_app
    from compiler.serve.config import ServeConfig
    from compiler.state import Store

    if demo:
        state_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='shipspec-demo-')) / 'state.db'}"
        specs = specs or Path("specs")
    config = ServeConfig.from_environment(state_url)
    store = Store(state_url)
    report = reporter_for(output_format)
    if routes_from is not None:
        report.success(f"registered {_register(store, routes_from)} routes from {routes_from}", {})
    page = _page(store, specs, demo) if specs is not None else None
    if demo:
        report.success(
            f"demo ledger at {store.url}; open http://{host}:{port}/", {"stateUrl": store.url}
        )
    logs.configure(log_level)
    uvicorn.run(
        create_app(config, store, page), host=host, port=port, access_log=False, log_config=None
    )


def _register(store: Any, generated: Path) -> int:
    from compiler.track import routes
    from compiler.track.catalog import read_catalog

    return routes.register(store, read_catalog(generated))


def _page(store: Any, specs: Path, demo: bool) -> Any:
    from compiler.web.access import Access
    from compiler.web.demo import seed_demo
    from compiler.web.estate import load_estate
    from compiler.web.routes import web_router

    estate = load_estate(specs)
    if demo:
        seed_demo(store, estate)
    return web_router(store, estate, Access.from_environment(anonymous=demo))
