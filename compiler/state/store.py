"""The store: opens a database, migrates it on first use, runs units of work.

Writes run as a function of a :class:`UnitOfWork` so that a write that loses a race
(a unique constraint fires because another process committed first) is retried in a
fresh transaction, where the domain rules now see the winner and give a clear answer:
the same record for an idempotent repeat, or an invariant error.  Database failures
become :class:`~compiler.errors.ExternalError` (exit 3), constraint violations that
survive the retries become :class:`~compiler.state.errors.InvariantError` (exit 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from compiler.errors import ExternalError
from compiler.state.engine import get_engine, redact, resolve_url
from compiler.state.errors import InvariantError
from compiler.state.migrate import ensure_schema
from compiler.state.session import Scope, UnitOfWork, open_unit

T = TypeVar("T")
WRITE_ATTEMPTS = 4
RETRYABLE_SQLSTATES = ("40001", "40P01")

CONSTRAINT_MESSAGES = {
    "approver_is_not_planner": "an approver may not approve their own release plan",
    "recorder_is_not_planner": "the planner may not record an approval, even for someone else",
    "finished_only_when_terminal": "finishedAt is set only in a terminal state",
    "one_in_progress": "another promotion to this environment is in progress",
    "once_per_environment": "this release was already promoted to this environment",
    "one_decision": "this approver already decided on this release and environment",
    "source_differs_from_target": "a pull request's source and target branches must differ",
}


class Store:
    """A state store at one URL; cheap to create, safe to share within a process."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = resolve_url(url)
        self.engine = get_engine(self.url)
        if migrate:
            with database_errors(self.url):
                ensure_schema(self.url)

    @contextmanager
    def read(self, scope: Scope) -> Iterator[UnitOfWork]:
        with database_errors(self.url), open_unit(self.engine, scope, write=False) as uow:
            yield uow

    def write(self, scope: Scope, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in one write transaction, retrying when it loses a race."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            last = attempt == WRITE_ATTEMPTS
            try:
                with (
                    database_errors(self.url, translate_integrity=last),
                    open_unit(self.engine, scope, write=True) as uow,
                ):
                    return work(uow)
            except IntegrityError:
                continue
            except DBAPIError as error:
                if last or not _retryable(error):
                    raise
        raise AssertionError("unreachable: the last attempt translates its errors")


@contextmanager
def database_errors(url: str, *, translate_integrity: bool = True) -> Iterator[None]:
    try:
        yield
    except IntegrityError as error:
        if not translate_integrity:
            raise
        raise InvariantError(_integrity_message(error)) from error
    except DBAPIError as error:
        if not translate_integrity and _retryable(error):
            raise
        raise ExternalError(
            f"the state store at {redact(url)} failed: {_first_line(error.orig)}",
            hint="check that the database is reachable and --state-url is right",
        ) from error
    except SQLAlchemyError as error:
        raise ExternalError(f"the state store at {redact(url)} failed: {error}") from error


def _retryable(error: DBAPIError) -> bool:
    """PostgreSQL deadlock or serialization failure: the transaction may simply be rerun."""
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def _integrity_message(error: IntegrityError) -> str:
    text = str(error.orig)
    for name, message in CONSTRAINT_MESSAGES.items():
        if name in text:
            return message
    return f"the database refused the change: {_first_line(error.orig)}"


def _first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if error is not None and str(error).strip() else "?"
