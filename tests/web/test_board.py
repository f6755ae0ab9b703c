"""The board says what `release status` says, and only about its own project."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from compiler.state import Scope, Store
from compiler.state.policy import ProjectPolicy
from compiler.state.services import runs
from compiler.state.services.status import release_status
from compiler.web.board import project_board
from compiler.web.demo import PIPELINE, seed_demo
from compiler.web.estate import ProjectView, WebEstate


def twin(view: ProjectView, name: str) -> ProjectView:
    """The same project under another name: same modules, same path, same tenant."""
    policy = dataclasses.replace(view.policy, project=name)
    applications = {
        key: value.replace("-payments-", f"-{name}-") for key, value in view.applications.items()
    }
    return dataclasses.replace(view, policy=policy, applications=applications)


def test_the_board_agrees_with_release_status_and_ignores_a_twin_project(
    tmp_path: Path, estate: WebEstate
) -> None:
    payments = estate.find("contoso", "payments")
    assert payments is not None
    store = Store(f"sqlite:///{tmp_path / 'state.db'}")
    seed_demo(store, WebEstate((payments,)))
    before = _board(store, payments)
    seed_demo(store, WebEstate((twin(payments, "shop"),)))
    start = runs.StartRun("payments-worker-ci", "twin-1", "payments-worker")
    shop = Scope("contoso", "shop")
    run_id = store.write(shop, lambda u: runs.start_run(u, start, PIPELINE)).record["id"]
    update = runs.UpdateRun(run_id, "InProgress", (("build", "InProgress"),))
    store.write(shop, lambda u: runs.update_run(u, update))
    assert _board(store, payments) == before, "the twin project's rows changed nothing here"
    with store.read(Scope("contoso", "payments")) as uow:
        status = release_status(uow, payments.policy)
    expected = {
        (m["module"], e["environment"]): (e["live"], [w["version"] for w in e["waiting"]])
        for m in status["modules"]
        for e in m["environments"]
        if m["module"] in payments.deployables
    }
    shown = {
        (row.module, cell.environment): (cell.version, [w.version for w in cell.waiting])
        for row in before.rows
        for cell in row.cells
    }
    assert shown == expected


def _board(store: Store, view: ProjectView) -> object:
    policy: ProjectPolicy = view.policy
    with store.read(Scope(policy.tenant, policy.project)) as uow:
        return project_board(uow, view)
