"""The tenant-scoped unit of work every state query and write goes through.

A :class:`TenantSession` carries its tenant in ``session.info``; a ``do_orm_execute``
hook adds ``tenant_id = :tenant`` to every ORM SELECT, UPDATE and DELETE on a
:class:`~compiler.state.models.TenantScoped` table, and a ``before_flush`` hook stamps
new rows with the tenant and refuses rows of any other tenant.  Code above this
module cannot forget the filter, because it never sees an unscoped session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from compiler.errors import BugReport
from compiler.state.engine import WRITE_OPTION
from compiler.state.errors import NotFoundError
from compiler.state.models import Event, Identified, TenantScoped

TENANT_KEY = "shipspec_tenant"
M = TypeVar("M", bound=Identified)


@dataclass(frozen=True)
class Scope:
    """Who a command acts for: the tenant (isolation boundary) and the project."""

    tenant: str
    project: str


class TenantSession(Session):
    """A session bound to one tenant; see the module docstring."""


@event.listens_for(TenantSession, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    tenant = _tenant_of(state.session)
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == tenant, include_aliases=True
        )
    )


@event.listens_for(TenantSession, "before_flush")
def _stamp_tenant(session: Session, _context: Any, _instances: Any) -> None:
    tenant = _tenant_of(session)
    for row in (*session.new, *session.dirty):
        if not isinstance(row, TenantScoped):
            continue
        if row.tenant_id is None:
            row.tenant_id = tenant
        elif row.tenant_id != tenant:
            raise BugReport(
                "a row of another tenant reached this session", {"table": type(row).__name__}
            )


def _tenant_of(session: Session) -> str:
    tenant = session.info.get(TENANT_KEY)
    if not tenant:
        raise BugReport("a state query ran without a tenant scope")
    return str(tenant)


class UnitOfWork:
    """One transaction for one tenant and project: queries, new rows and events."""

    def __init__(self, session: TenantSession, scope: Scope) -> None:
        self.session = session
        self.scope = scope

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def scalar(self, statement: Select[Any]) -> Any:
        return self.session.scalars(statement).first()

    def scalars(self, statement: Select[Any]) -> list[Any]:
        return list(self.session.scalars(statement).all())

    def one(self, statement: Select[Any], what: str) -> Any:
        """The single row the statement selects, or a NotFoundError naming ``what``."""
        found = self.scalar(statement)
        if found is None:
            raise NotFoundError(f"{what} not found in {self.scope.tenant}/{self.scope.project}")
        return found

    def by_id(self, model: type[M], record_id: str, what: str, *, lock: bool = False) -> M:
        """The row with this id in this tenant (and this project, for project rows)."""
        statement = select(model).where(model.id == record_id)
        if hasattr(model, "project"):
            statement = statement.where(model.project == self.scope.project)  # type: ignore[attr-defined]
        return self.one(statement.with_for_update() if lock else statement, f"{what} {record_id}")

    def add(self, row: TenantScoped) -> Any:
        row.tenant_id = self.scope.tenant
        self.session.add(row)
        self.session.flush()
        return row

    def emit(self, type_: str, correlation_id: str, payload: dict[str, Any]) -> Event:
        """Append a domain event to the outbox, in this transaction."""
        event_row = Event(
            type=type_,
            project=self.scope.project,
            correlation_id=correlation_id,
            payload=payload,
        )
        return self.add(event_row)


@contextmanager
def open_unit(engine: Engine, scope: Scope, *, write: bool) -> Iterator[UnitOfWork]:
    """A unit of work in one transaction: committed on success, rolled back otherwise."""
    bind = engine.execution_options(**{WRITE_OPTION: write})
    session = TenantSession(bind=bind, info={TENANT_KEY: scope.tenant}, expire_on_commit=False)
    try:
        with session.begin():
            yield UnitOfWork(session, scope)
    finally:
        session.close()
