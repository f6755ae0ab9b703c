"""Small shared pieces of the tracker's ledger writes: who acts, and attempts.

Observed data goes through the same services and rules as typed commands.  A rule
that refuses an observation (a late event for an older state, a promotion whose
approval has not arrived yet) is not an error of the delivery: the attempt is rolled
back to a savepoint, logged, and the next observation or poll converges.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select

from compiler.state import Actor, UnitOfWork
from compiler.state.errors import StateError
from compiler.state.identity import normalise
from compiler.state.models import PipelineRun, RunLink

log = logging.getLogger("shipspec.track")
T = TypeVar("T")
TRACKER = "shipspec-track"


def observed_actor(name: str | None, source: str) -> Actor:
    """An identity Azure DevOps reported; ``real`` says the tracker recorded it."""
    who = normalise(name or "") or "unknown"
    return Actor(name=who, source=f"observed:{source}", real=TRACKER)


def attempt(uow: UnitOfWork, what: str, action: Callable[[], T]) -> T | None:
    """Run one ledger step in a savepoint; a refusal by a rule rolls back only that step."""
    try:
        with uow.session.begin_nested():
            return action()
    except StateError as error:
        log.info("not applied: %s: %s", what, error.message)
        return None


def link_key(pipeline: str, build_id: int) -> str:
    return f"{pipeline}#{build_id}"


def run_of_build(uow: UnitOfWork, pipeline: str | None, build_id: int | None) -> PipelineRun | None:
    """The ledger run behind an Azure DevOps build id (of a pipeline, when known)."""
    if build_id is None:
        return None
    statement = select(RunLink).where(RunLink.build_id == build_id)
    if pipeline:
        statement = statement.where(RunLink.external_key == link_key(pipeline, build_id))
    link = uow.scalar(statement)
    if link is None:
        return None
    return uow.scalar(select(PipelineRun).where(PipelineRun.id == link.run_id))
