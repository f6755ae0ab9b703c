"""Alembic environment for the state store.

shipspec never runs Alembic from an ini file: :mod:`compiler.state.migrate` builds the
configuration and hands over an open connection in ``config.attributes``.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from compiler.state.migrate import VERSION_TABLE, render_item
from compiler.state.models import Base


def _run() -> Any:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


# Alembic runs this file; importing it elsewhere (doctest collection) must do nothing.
if getattr(context, "config", None) is not None:
    _run()
