"""Worker processes for the concurrency tests: each does one write at a shared instant."""

from __future__ import annotations

from typing import Any

from compiler.errors import ShipspecError
from compiler.state import EnvironmentPolicy, ProjectPolicy, Scope, Store
from compiler.state.identity import Actor
from compiler.state.services import infra, promotion, release, runs


def policy_for(tenant: str) -> ProjectPolicy:
    return ProjectPolicy(
        tenant,
        "payments",
        (EnvironmentPolicy("dev"), EnvironmentPolicy("staging", required_approvals=1)),
    )


def race(kind: str, url: str, tenant: str, arg: str, barrier: Any, results: Any) -> None:
    """Wait for every racer, then try the write; report ("ok", record) or ("error", message)."""
    store = Store(url)
    scope = Scope(tenant, "payments")
    policy = policy_for(tenant)
    actor = Actor(name="alice@contoso.com", source="test", real="alice@contoso.com")
    barrier.wait(timeout=60)
    try:
        outcome = store.write(scope, lambda uow: _work(uow, kind, arg, policy, actor))
        results.put(("ok", outcome.record["id"], outcome.replayed))
    except ShipspecError as error:
        results.put(("error", error.message, type(error).__name__))


def _work(uow: Any, kind: str, arg: str, policy: ProjectPolicy, actor: Actor) -> Any:
    if kind in ("approved", "rejected"):
        return release.decide(uow, release.Decide(arg, "staging", kind), policy, actor)
    if kind == "promote":
        return promotion.promote(uow, promotion.Promote(arg, "dev"), policy, actor)
    if kind == "succeed":
        return runs.update_run(uow, runs.UpdateRun(arg, "Succeeded"))
    if kind == "apply-default":
        return infra.start_apply(uow, infra.StartApply("prod", "sha-1"), actor)
    if kind == "apply":
        command = infra.StartApply("prod", "sha-1", idempotency_key=f"apply-{arg}")
        return infra.start_apply(uow, command, actor)
    raise ValueError(kind)
