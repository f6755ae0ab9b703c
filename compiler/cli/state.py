"""`shipspec runs|builds|images|packages|release|sync|events|infra|state`: the state store.

Commands are thin: parse options, resolve the actor and (for releases) the project's
policy from the spec, run one service in one transaction, report the record.  Every
command takes ``--tenant``, ``--project``, ``--state-url`` and ``--format``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from compiler.cli.common import format_option, handle_errors
from compiler.errors import StateError, UsageError
from compiler.report import reporter_for
from compiler.state import EnvironmentPolicy, ProjectPolicy, Scope, Store, render, resolve_actor
from compiler.state import migrate as migrations
from compiler.state.engine import ENV_VAR, resolve_url
from compiler.state.models.base import RUN_STATES
from compiler.state.reports import read_cobertura, read_junit
from compiler.state.services import (
    artifacts,
    builds,
    events,
    infra,
    promotion,
    release,
    runs,
    status,
    sync,
)

Body = Callable[..., None]


@dataclass(frozen=True)
class StateContext:
    """The options every state command shares, parsed once."""

    tenant: str
    project: str
    url: str | None
    output_format: str
    specs: Path | None = None
    as_: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.tenant, self.project)

    def store(self) -> Store:
        return Store(self.url)

    def actor(self) -> Any:
        return resolve_actor(self.as_)

    def policy(self) -> ProjectPolicy:
        return policy_from_spec(self.specs or Path("specs"), self.tenant, self.project)

    def report(self, text: str, data: object) -> None:
        reporter_for(self.output_format).success(text, data)


def policy_from_spec(specs: Path, tenant: str, project: str) -> ProjectPolicy:
    """The release policy of one project, read from its spec (the only spec import here)."""
    from compiler.pipeline import load_spec

    source = load_spec([specs]).find_project(tenant, project)
    if source is None:
        raise StateError(
            f"project {tenant}/{project} is not declared under {specs}",
            hint="check --tenant/--project, or point --specs at the spec folder",
        )
    spec = source.model.spec
    environments = tuple(
        EnvironmentPolicy(
            name=env.name,
            required_approvals=env.approvals.required if env.approvals else 0,
            approvers=tuple(env.approvals.approvers) if env.approvals else (),
        )
        for env in spec.environments
    )
    return ProjectPolicy(tenant, project, environments, tuple(m.name for m in spec.modules))


def _common_options(*, scoped: bool, actor: bool, specs: bool, key: bool) -> list[Any]:
    options = [
        click.option("--tenant", envvar="SHIPSPEC_TENANT", required=scoped, help="Tenant slug."),
        click.option("--project", envvar="SHIPSPEC_PROJECT", required=scoped, help="Project."),
        click.option(
            "--state-url",
            envvar=ENV_VAR,
            help=f"Database URL [env {ENV_VAR}; default sqlite .shipspec/state.db].",
        ),
        format_option,
    ]
    if actor:
        options.append(
            click.option(
                "--as",
                "as_",
                metavar="IDENTITY",
                help="Act as someone else (tests/admin; recorded).",
            )
        )
    if specs:
        options.append(
            click.option(
                "--specs",
                type=click.Path(path_type=Path),
                default=Path("specs"),
                show_default=True,
                help="Spec folder the project's environment path and approvals come from.",
            )
        )
    if key:
        options.append(
            click.option("--idempotency-key", help="Replay key [default: from the natural key].")
        )
    return options


def state_command(
    group: click.Group,
    name: str,
    *,
    scoped: bool = True,
    actor: bool = False,
    specs: bool = False,
    key: bool = False,
) -> Callable[[Body], click.Command]:
    """Register ``body(context, **options)`` as a command with the shared options."""

    def decorate(body: Body) -> click.Command:
        @functools.wraps(body)
        def command(**kwargs: Any) -> None:
            context = StateContext(
                tenant=kwargs.pop("tenant") or "",
                project=kwargs.pop("project") or "",
                url=kwargs.pop("state_url"),
                output_format=kwargs.pop("output_format"),
                specs=kwargs.pop("specs", None),
                as_=kwargs.pop("as_", None),
            )
            body(context, **kwargs)

        wrapped: Any = handle_errors()(command)
        for option in reversed(_common_options(scoped=scoped, actor=actor, specs=specs, key=key)):
            wrapped = option(wrapped)
        return group.command(name)(wrapped)

    return decorate


def _pairs(values: tuple[str, ...], what: str, separator: str = "=") -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        left, sep, right = value.partition(separator)
        if not sep or not left or not right:
            raise UsageError(f"{what} {value!r} is not NAME{separator}VALUE")
        pairs.append((left, right))
    return pairs


def _gates(values: tuple[str, ...]) -> tuple[promotion.Gate, ...]:
    gates = []
    for name, outcome in _pairs(values, "--gate"):
        verdict, _, detail = outcome.partition(":")
        if verdict not in ("passed", "failed"):
            raise UsageError(f"--gate {name}={outcome}: the outcome is 'passed' or 'failed'")
        gates.append((name, verdict == "passed", detail))
    return tuple(gates)


gate_option = click.option(
    "--gate",
    "gates",
    multiple=True,
    metavar="NAME=passed|failed[:DETAIL]",
    help="Health gate result.",
)


# -- runs -------------------------------------------------------------------------------------


@click.group("runs")
def runs_group() -> None:
    """Pipeline runs and their stages."""


@state_command(runs_group, "start", actor=True, key=True)
@click.option("--pipeline", required=True, help="Pipeline definition name.")
@click.option("--number", "run_number", required=True, help="The CI system's run number/id.")
@click.option("--module", help="Module the pipeline builds.")
@click.option("--commit", "source_commit", help="Source commit sha.")
@click.option("--branch", "source_branch", help="Source branch.")
def runs_start(c: StateContext, idempotency_key: str | None, **options: Any) -> None:
    """Record that a run started."""
    command = runs.StartRun(**options, idempotency_key=idempotency_key)
    actor = c.actor()
    outcome = c.store().write(c.scope, lambda uow: runs.start_run(uow, command, actor))
    c.report(render.record_line("run", outcome.record, outcome.replayed), outcome.record)


@state_command(runs_group, "update", key=True)
@click.argument("run_id")
@click.option("--status", type=click.Choice(RUN_STATES), help="New run status.")
@click.option("--stage", "stages", multiple=True, metavar="NAME=STATUS", help="Stage status.")
def runs_update(
    c: StateContext,
    run_id: str,
    status: str | None,
    stages: tuple[str, ...],
    idempotency_key: str | None,
) -> None:
    """Move a run (and/or its stages) along Started -> InProgress -> a final state."""
    if status is None and not stages:
        raise UsageError("give --status and/or --stage")
    command = runs.UpdateRun(run_id, status, tuple(_pairs(stages, "--stage")), idempotency_key)
    outcome = c.store().write(c.scope, lambda uow: runs.update_run(uow, command))
    c.report(render.record_line("run", outcome.record, outcome.replayed), outcome.record)


@state_command(runs_group, "list")
@click.option("--pipeline", help="Only this pipeline.")
@click.option("--status", type=click.Choice(RUN_STATES), help="Only runs in this status.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def runs_list(c: StateContext, pipeline: str | None, status: str | None, limit: int) -> None:
    """List runs, newest first."""
    with c.store().read(c.scope) as uow:
        found = runs.list_runs(uow, pipeline=pipeline, status=status, limit=limit)
    c.report(render.runs_table(found), found)


@state_command(runs_group, "show")
@click.argument("run_id")
def runs_show(c: StateContext, run_id: str) -> None:
    """Show one run with its stages."""
    with c.store().read(c.scope) as uow:
        record = runs.show_run(uow, run_id)
    c.report(render.run_detail(record), record)


# -- builds, images, packages -----------------------------------------------------------------


@click.group("builds")
def builds_group() -> None:
    """Build results: tests and coverage of a run."""


@state_command(builds_group, "ingest", key=True)
@click.option("--run", "run_id", required=True, help="Run id the results belong to.")
@click.option(
    "--junit",
    "junit",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="JUnit/xUnit/Surefire XML (repeatable).",
)
@click.option("--coverage", type=click.Path(path_type=Path, dir_okay=False), help="Cobertura XML.")
@click.option("--artifact", "artifact", multiple=True, metavar="NAME=URI", help="Build artifact.")
def builds_ingest(
    c: StateContext,
    run_id: str,
    junit: tuple[Path, ...],
    coverage: Path | None,
    artifact: tuple[str, ...],
    idempotency_key: str | None,
) -> None:
    """Read test (and coverage) reports completely, then record them in one transaction."""
    tests = read_junit(list(junit))
    covered = read_cobertura(coverage) if coverage else None
    outputs = tuple((name, "artifact", uri) for name, uri in _pairs(artifact, "--artifact"))
    command = builds.IngestBuild(run_id, tests, covered, outputs, idempotency_key)
    outcome = c.store().write(c.scope, lambda uow: builds.ingest_build(uow, command))
    record = outcome.record
    summary = (
        f"build {record['id']}: {record['testsPassed']}/{record['testsTotal']} passed, "
        f"{record['testsFailed']} failed, {record['testsErrored']} errored, "
        f"{record['testsSkipped']} skipped"
    )
    c.report(summary + (" (already recorded)" if outcome.replayed else ""), record)


@click.group("images")
def images_group() -> None:
    """Container images pushed by builds."""


@state_command(images_group, "record", actor=True, key=True)
@click.option("--registry", required=True, help="Registry host, e.g. contosoacr.azurecr.io.")
@click.option("--repository", required=True, help="Image repository.")
@click.option("--digest", required=True, help="sha256:... manifest digest.")
@click.option("--tag", "tags", multiple=True, help="Tag published for this digest.")
@click.option("--module", help="Module the image is built from.")
@click.option("--run", "run_id", help="Run that pushed it.")
def images_record(c: StateContext, idempotency_key: str | None, **options: Any) -> None:
    """Record a pushed image (digest unique per registry; a tag maps to one digest)."""
    command = artifacts.RecordImage(**options, idempotency_key=idempotency_key)
    actor = c.actor()
    outcome = c.store().write(c.scope, lambda uow: artifacts.record_image(uow, command, actor))
    c.report(render.record_line("image", outcome.record, outcome.replayed), outcome.record)


@click.group("packages")
def packages_group() -> None:
    """Packages published to feeds."""


@state_command(packages_group, "record", actor=True, key=True)
@click.option("--feed", required=True, help="Feed, e.g. Payments/payments-packages.")
@click.option("--package", "package_id", required=True, help="Package id.")
@click.option("--version", required=True, help="Package version.")
@click.option("--sha256", required=True, help="Checksum of the package file.")
@click.option("--run", "run_id", help="Run that published it.")
def packages_record(c: StateContext, idempotency_key: str | None, **options: Any) -> None:
    """Record a published package ((feed, id, version) is unique and immutable)."""
    command = artifacts.RecordPackage(**options, idempotency_key=idempotency_key)
    actor = c.actor()
    outcome = c.store().write(c.scope, lambda uow: artifacts.record_package(uow, command, actor))
    c.report(render.record_line("package", outcome.record, outcome.replayed), outcome.record)


# -- release ----------------------------------------------------------------------------------


@click.group("release")
def release_group() -> None:
    """Release plans, approvals, promotions along the environment path, rollbacks."""


@state_command(release_group, "plan", actor=True, specs=True, key=True)
@click.option("--module", required=True, help="Module to release.")
@click.option("--version", required=True, help="Version (unique per module).")
@click.option("--run", "run_id", required=True, help="Run whose successful build is released.")
@click.option("--image", "image_id", help="Recorded image id to deploy.")
def release_plan(c: StateContext, idempotency_key: str | None, **options: Any) -> None:
    """Plan a release of a module version built by a successful build."""
    command = release.PlanRelease(**options, idempotency_key=idempotency_key)
    policy, actor = c.policy(), c.actor()
    outcome = c.store().write(
        c.scope, lambda uow: release.plan_release(uow, command, policy, actor)
    )
    c.report(render.record_line("release", outcome.record, outcome.replayed), outcome.record)


def _decide(
    c: StateContext, decision: str, ref: str, env: str, comment: str, key: str | None
) -> None:
    command = release.Decide(ref, env, decision, comment, key)
    policy, actor = c.policy(), c.actor()
    outcome = c.store().write(c.scope, lambda uow: release.decide(uow, command, policy, actor))
    c.report(render.record_line(f"{decision}:", outcome.record, outcome.replayed), outcome.record)


@state_command(release_group, "approve", actor=True, specs=True, key=True)
@click.argument("release_ref", metavar="RELEASE")
@click.option("--env", "environment", required=True, help="Environment the approval is for.")
@click.option("--comment", default="", help="Why.")
def release_approve(
    c: StateContext, release_ref: str, environment: str, comment: str, idempotency_key: str | None
) -> None:
    """Approve RELEASE (an id or MODULE@VERSION) for an environment, as yourself."""
    _decide(c, "approved", release_ref, environment, comment, idempotency_key)


@state_command(release_group, "reject", actor=True, specs=True, key=True)
@click.argument("release_ref", metavar="RELEASE")
@click.option("--env", "environment", required=True, help="Environment the rejection is for.")
@click.option("--comment", default="", help="Why.")
def release_reject(
    c: StateContext, release_ref: str, environment: str, comment: str, idempotency_key: str | None
) -> None:
    """Reject RELEASE for an environment; the decision is final."""
    _decide(c, "rejected", release_ref, environment, comment, idempotency_key)


@state_command(release_group, "promote", actor=True, specs=True, key=True)
@click.argument("release_ref", metavar="RELEASE")
@click.option("--to", "environment", required=True, help="Target environment.")
@gate_option
def release_promote(
    c: StateContext,
    release_ref: str,
    environment: str,
    gates: tuple[str, ...],
    idempotency_key: str | None,
) -> None:
    """Promote RELEASE to the next environment; it completes when its health gates pass."""
    command = promotion.Promote(release_ref, environment, _gates(gates), idempotency_key)
    policy, actor = c.policy(), c.actor()
    outcome = c.store().write(c.scope, lambda uow: promotion.promote(uow, command, policy, actor))
    c.report(render.record_line("promotion", outcome.record, outcome.replayed), outcome.record)


@state_command(release_group, "rollback", actor=True, specs=True, key=True)
@click.option("--module", required=True)
@click.option("--env", "environment", required=True)
@click.option("--to", "version", required=True, help="A version that was live there before.")
@gate_option
def release_rollback(
    c: StateContext,
    module: str,
    environment: str,
    version: str,
    gates: tuple[str, ...],
    idempotency_key: str | None,
) -> None:
    """Roll a module in an environment back to a version that ran there."""
    command = promotion.Rollback(module, environment, version, _gates(gates), idempotency_key)
    policy, actor = c.policy(), c.actor()
    outcome = c.store().write(c.scope, lambda uow: promotion.rollback(uow, command, policy, actor))
    c.report(render.record_line("rollback", outcome.record, outcome.replayed), outcome.record)


@state_command(release_group, "status", specs=True)
@click.option("--module", help="Only this module.")
def release_status(c: StateContext, module: str | None) -> None:
    """Per module: what runs in each environment, and what waits for whom."""
    policy = c.policy()
    with c.store().read(c.scope) as uow:
        view = status.release_status(uow, policy, module)
    c.report(render.release_status(view), view)


# -- sync, events, infra, state ---------------------------------------------------------------


@click.group("sync")
def sync_group() -> None:
    """GitOps sync state: desired versus applied commit, and drift."""


@state_command(sync_group, "record", key=True)
@click.option("--app", "application", required=True, help="Argo CD / Flux application.")
@click.option("--env", "environment", required=True)
@click.option("--desired", "desired_commit", required=True, help="Commit the repo wants.")
@click.option("--applied", "applied_commit", help="Commit the cluster runs.")
@click.option("--drift", multiple=True, metavar="KIND/NAMESPACE/NAME", help="Drifted resource.")
def sync_record(
    c: StateContext, drift: tuple[str, ...], idempotency_key: str | None, **options: Any
) -> None:
    """Record an observation of an application's sync state."""
    resources = []
    for value in drift:
        parts = value.split("/")
        if len(parts) != 3 or not all(parts):
            raise UsageError(f"--drift {value!r} is not KIND/NAMESPACE/NAME")
        resources.append((parts[0], parts[1], parts[2]))
    command = sync.RecordSync(**options, drift=tuple(resources), idempotency_key=idempotency_key)
    outcome = c.store().write(c.scope, lambda uow: sync.record_sync(uow, command))
    c.report(render.record_line("sync", outcome.record, outcome.replayed), outcome.record)


@state_command(sync_group, "status")
@click.option("--app", "application", help="Only this application.")
def sync_status(c: StateContext, application: str | None) -> None:
    """Sync state of every application and environment."""
    with c.store().read(c.scope) as uow:
        states = sync.sync_status(uow, application)
    c.report(render.sync_table(states), states)


@click.group("events")
def events_group() -> None:
    """The outbox of domain events."""


@state_command(events_group, "list")
@click.option("--since", help="A sequence number or an ISO-8601 time; only later events.")
@click.option("--type", "event_type", help="Only events of this type.")
@click.option("--all-projects", is_flag=True, help="Every project of the tenant.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=1000, show_default=True)
def events_list(c: StateContext, **options: Any) -> None:
    """List events, oldest first."""
    with c.store().read(c.scope) as uow:
        found = events.list_events(uow, **options)
    c.report(render.events_table(found), found)


@click.group("infra")
def infra_group() -> None:
    """Infrastructure previews and applies (one apply per stack at a time)."""


@state_command(infra_group, "preview", actor=True, key=True)
@click.option("--stack", required=True)
@click.option("--program-sha", required=True)
@click.option("--failed", is_flag=True, help="The preview failed.")
def infra_preview(
    c: StateContext, stack: str, program_sha: str, failed: bool, idempotency_key: str | None
) -> None:
    """Record a preview of a stack's program."""
    command, actor = infra.RecordPreview(stack, program_sha, not failed, idempotency_key), c.actor()
    outcome = c.store().write(c.scope, lambda uow: infra.record_preview(uow, command, actor))
    c.report(render.record_line("preview", outcome.record, outcome.replayed), outcome.record)


@state_command(infra_group, "apply", actor=True, key=True)
@click.option("--stack", required=True)
@click.option("--program-sha", required=True)
@click.option(
    "--lease", "lease_seconds", type=click.IntRange(1), default=infra.DEFAULT_LEASE_SECONDS
)
def infra_apply(c: StateContext, idempotency_key: str | None, **options: Any) -> None:
    """Start an apply: needs a successful preview of the sha; takes the stack's lock."""
    command, actor = infra.StartApply(**options, idempotency_key=idempotency_key), c.actor()
    outcome = c.store().write(c.scope, lambda uow: infra.start_apply(uow, command, actor))
    c.report(render.record_line("apply", outcome.record, outcome.replayed), outcome.record)


@state_command(infra_group, "finish", key=True)
@click.argument("operation_id")
@click.option("--failed", is_flag=True, help="The apply failed.")
def infra_finish(
    c: StateContext, operation_id: str, failed: bool, idempotency_key: str | None
) -> None:
    """Finish an apply and release the stack's lock."""
    command = infra.FinishApply(operation_id, not failed, idempotency_key)
    outcome = c.store().write(c.scope, lambda uow: infra.finish_apply(uow, command))
    c.report(render.record_line("apply", outcome.record, outcome.replayed), outcome.record)


@click.group("state")
def state_group() -> None:
    """The state store's schema."""


@state_command(state_group, "upgrade", scoped=False)
@click.option("--revision", default="head", show_default=True)
def state_upgrade(c: StateContext, revision: str) -> None:
    """Apply pending migrations."""
    url = resolve_url(c.url)
    Store(url, migrate=False)
    before = _guard(lambda: migrations.upgrade(url, revision), url)
    after = _guard(lambda: migrations.status(url), url)
    data = {"before": before.current, **after.to_record()}
    c.report(f"schema {before.current or 'empty'} -> {after.current}", data)


@state_command(state_group, "downgrade", scoped=False)
@click.argument("revision")
def state_downgrade(c: StateContext, revision: str) -> None:
    """Revert migrations down to REVISION (`base` drops every table)."""
    url = resolve_url(c.url)
    Store(url, migrate=False)
    before = _guard(lambda: migrations.downgrade(url, revision), url)
    after = _guard(lambda: migrations.status(url), url)
    c.report(
        f"schema {before.current} -> {after.current or 'empty'}",
        {"before": before.current, **after.to_record()},
    )


@state_command(state_group, "current", scoped=False)
def state_current(c: StateContext) -> None:
    """Show the schema revision of the store and the newest one this shipspec has."""
    url = resolve_url(c.url)
    Store(url, migrate=False)
    found = _guard(lambda: migrations.status(url), url)
    c.report(f"schema {found.current or 'empty'} (head {found.head})", found.to_record())


def _guard(action: Callable[[], Any], url: str) -> Any:
    from compiler.state.store import database_errors

    with database_errors(url):
        return action()


def state_groups() -> list[click.Command]:
    """The top-level commands the CLI registers for the state store."""
    return [
        runs_group,
        builds_group,
        images_group,
        packages_group,
        release_group,
        sync_group,
        events_group,
        infra_group,
        state_group,
    ]
