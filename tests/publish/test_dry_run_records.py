"""A dry run records nothing: not even the repositories it finds on the remote.

The store holds what really happened; a `--dry-run` only looks.  It may still read the
store (which commits shipspec made), so it works against a store that is behind.
"""

from __future__ import annotations

from dataclasses import replace

from compiler.state import Store
from tests.publish.conftest import Platform


def test_a_dry_run_against_existing_remotes_leaves_a_new_store_empty(platform: Platform) -> None:
    assert platform.cli().exit_code == 0
    assert platform.rows()["repositories"], "the real run records its repositories"
    fresh = replace(platform, state_url=platform.state_url.replace("state.db", "fresh.db"))
    Store(fresh.state_url)  # an existing store, migrated and empty
    dry = fresh.cli("--dry-run")
    assert dry.exit_code == 0, dry.output
    assert all(rows == [] for rows in fresh.rows().values()), fresh.rows()
