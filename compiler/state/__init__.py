"""The state store: what happened to runs, builds, releases, approvals, promotions,
images, packages, infrastructure and GitOps sync — with the invariants that make
approvals and promotions trustworthy.

Layers: :mod:`.models` (tables) and :mod:`.migrations` (Alembic), :mod:`.session`
(the tenant-scoped unit of work), :mod:`.store` (engine, migration on first use,
retries, error translation), and :mod:`.services` (the rules, one module per
aggregate).  Nothing here imports click or the spec model.
"""

from compiler.state.idempotency import Outcome
from compiler.state.identity import Actor, resolve_actor
from compiler.state.policy import EnvironmentPolicy, ProjectPolicy
from compiler.state.session import Scope, UnitOfWork
from compiler.state.store import Store

__all__ = [
    "Actor",
    "EnvironmentPolicy",
    "Outcome",
    "ProjectPolicy",
    "Scope",
    "Store",
    "UnitOfWork",
    "resolve_actor",
]
