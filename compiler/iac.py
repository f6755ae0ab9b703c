"""`shipspec iac preview|up`: drive a generated Pulumi program through Pulumi's automation API.

The program is the project's `<project>-infra` folder under `generated/`; its stack is
the environment.  A run records itself in the state store as an infrastructure plan
(:mod:`compiler.state.services.infra`): a preview records its outcome; an `up` needs a
successful preview of the same program (it runs one first when there is none), takes
the stack's lock — so a second concurrent `up` of the same stack is refused — applies,
and releases the lock with the outcome.

Pulumi itself runs out of process: the `pulumi` CLI must be on PATH and the `pulumi`
Python package (extra `iac`) installed; without them the run stops with exit 3 and says
what to install.  The engine is a small protocol so the state flow is testable without
either.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from compiler.errors import ExternalError, UsageError
from compiler.layout import infra_repository

Operation = Literal["preview", "up"]

INSTALL_CLI = (
    "install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/, e.g. "
    "`curl -fsSL https://get.pulumi.com | sh`) and the .NET SDK the program targets, "
    "then log in to a backend (`pulumi login`)"
)
INSTALL_PACKAGE = "pip install 'shipspec[iac]' (the `pulumi` Python package)"


@dataclass(frozen=True)
class IacOptions:
    operation: Operation
    environment: str
    tenant: str | None = None
    project: str | None = None
    specs: Path = Path("specs")
    generated: Path = Path("generated")
    state_url: str | None = None
    record: bool = True


@dataclass(frozen=True)
class EngineResult:
    succeeded: bool
    summary: dict[str, Any] = field(default_factory=dict)
    message: str = ""


class Engine(Protocol):
    def run(self, operation: Operation, program: Path, stack: str) -> EngineResult: ...


@dataclass(frozen=True)
class IacResult:
    operation: Operation
    tenant: str
    project: str
    stack: str
    program: str
    program_sha: str
    succeeded: bool
    summary: dict[str, Any]
    records: tuple[dict[str, Any], ...] = ()

    def to_record(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "tenant": self.tenant,
            "project": self.project,
            "stack": self.stack,
            "program": self.program,
            "programSha": self.program_sha,
            "succeeded": self.succeeded,
            "summary": self.summary,
            "records": list(self.records),
        }


# --- the program -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    tenant: str
    project: str
    folder: Path

    @property
    def sha(self) -> str:
        return program_sha(self.folder)


def program_sha(folder: Path) -> str:
    """A digest of the program's files (paths and bytes), ignoring build output."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if {"bin", "obj", ".pulumi"} & set(relative.parts):
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def find_program(options: IacOptions) -> Program:
    """The generated infra program of the chosen project, checked to have the stack."""
    from compiler.pipeline import load_spec

    spec = load_spec([options.specs])
    candidates = [
        source
        for source in spec.projects
        if (options.tenant in (None, source.tenant)) and (options.project in (None, source.name))
    ]
    if len(candidates) != 1:
        found = ", ".join(f"{s.tenant}/{s.name}" for s in candidates) or "none"
        raise UsageError(
            f"choose one project with --tenant and --project (matching: {found})",
            hint="or set SHIPSPEC_TENANT and SHIPSPEC_PROJECT",
        )
    source = candidates[0]
    environments = [e.name for e in source.model.spec.environments]
    if options.environment not in environments:
        raise UsageError(
            f"project {source.tenant}/{source.name} has no environment {options.environment!r}",
            hint=f"environments: {', '.join(environments)}",
        )
    folder = options.generated / source.tenant / source.name / infra_repository(source.name)
    stack_file = folder / f"Pulumi.{options.environment}.yaml"
    if not (folder / "Pulumi.yaml").is_file() or not stack_file.is_file():
        raise UsageError(
            f"no Pulumi program for {options.environment} at {folder.as_posix()}",
            hint="run `shipspec compile` first (a project of libraries alone has no infra program)",
        )
    return Program(source.tenant, source.name, folder)


# --- running ---------------------------------------------------------------------------------------


def run(
    options: IacOptions,
    engine: Engine | None = None,
    output: Callable[[str], None] | None = None,
) -> IacResult:
    """Preview or apply one stack, recording it in the state store.

    The program and stack are checked first (usage errors, exit 2); then the Pulumi CLI
    and package (exit 3 when missing), unless a test passes its own `engine`.
    """
    program = find_program(options)
    engine = engine or automation_engine(output)
    sha = program.sha
    recorder = Recorder(options, program) if options.record else None
    if options.operation == "preview":
        outcome = engine.run("preview", program.folder, options.environment)
        records = (recorder.preview(sha, outcome),) if recorder else ()
    else:
        outcome, records = _up(engine, program, options.environment, sha, recorder)
    result = IacResult(
        options.operation,
        program.tenant,
        program.project,
        options.environment,
        program.folder.as_posix(),
        sha,
        outcome.succeeded,
        outcome.summary,
        records,
    )
    if not outcome.succeeded:
        raise ExternalError(
            f"pulumi {options.operation} of stack {options.environment} failed: {outcome.message}",
            hint="see the Pulumi output above; the run is recorded in the state store",
        )
    return result


def _up(
    engine: Engine, program: Program, stack: str, sha: str, recorder: Recorder | None
) -> tuple[EngineResult, tuple[dict[str, Any], ...]]:
    records: list[dict[str, Any]] = []
    if recorder and not recorder.has_successful_preview(sha):
        preview = engine.run("preview", program.folder, stack)
        records.append(recorder.preview(sha, preview))
        if not preview.succeeded:
            return preview, tuple(records)
    apply = recorder.start_apply(sha) if recorder else None
    try:
        outcome = engine.run("up", program.folder, stack)
    except BaseException:
        if recorder and apply:
            recorder.finish_apply(apply["id"], succeeded=False)
        raise
    if recorder and apply:
        records.append(recorder.finish_apply(apply["id"], succeeded=outcome.succeeded))
    return outcome, tuple(records)


class Recorder:
    """The state-store side of a run: previews, the stack's lock, applies."""

    def __init__(self, options: IacOptions, program: Program) -> None:
        from compiler.state import Scope, Store, resolve_actor

        self.stack = options.environment
        self.scope = Scope(program.tenant, program.project)
        self.store = Store(options.state_url)
        self.actor = resolve_actor(None)

    def _write(self, work: Callable[[Any], Any]) -> dict[str, Any]:
        return dict(self.store.write(self.scope, work).record)

    def preview(self, sha: str, outcome: EngineResult) -> dict[str, Any]:
        from compiler.state.services import infra

        command = infra.RecordPreview(self.stack, sha, outcome.succeeded)
        return self._write(lambda uow: infra.record_preview(uow, command, self.actor))

    def has_successful_preview(self, sha: str) -> bool:
        from sqlalchemy import select

        from compiler.state.models import InfrastructurePlan

        with self.store.read(self.scope) as uow:
            found = uow.scalar(
                select(InfrastructurePlan.id).where(
                    InfrastructurePlan.project == self.scope.project,
                    InfrastructurePlan.stack == self.stack,
                    InfrastructurePlan.program_sha == sha,
                    InfrastructurePlan.operation == "preview",
                    InfrastructurePlan.status == "Succeeded",
                )
            )
        return found is not None

    def start_apply(self, sha: str) -> dict[str, Any]:
        """Take the stack's lock; a fresh key, so a second concurrent `up` is refused, not replayed."""
        from compiler.state.services import infra

        command = infra.StartApply(self.stack, sha, idempotency_key=f"iac-up:{uuid.uuid4()}")
        return self._write(lambda uow: infra.start_apply(uow, command, self.actor))

    def finish_apply(self, operation_id: str, *, succeeded: bool) -> dict[str, Any]:
        from compiler.state.services import infra

        command = infra.FinishApply(operation_id, succeeded)
        return self._write(lambda uow: infra.finish_apply(uow, command))


# --- Pulumi's automation API -----------------------------------------------------------------------


def require_pulumi() -> Any:
    """The automation API module, once the CLI and the package are both there (else exit 3)."""
    if shutil.which("pulumi") is None:
        raise ExternalError("the Pulumi CLI is not on PATH", hint=INSTALL_CLI)
    try:
        from pulumi import automation
    except ImportError as error:
        raise ExternalError(
            "the pulumi Python package is not installed", hint=INSTALL_PACKAGE
        ) from error
    return automation


def automation_engine(output: Callable[[str], None] | None = None) -> Engine:
    return AutomationEngine(require_pulumi(), output)


class AutomationEngine:
    """Runs `pulumi preview|up` on a local program through the automation API."""

    def __init__(self, automation: Any, output: Callable[[str], None] | None = None) -> None:
        self.auto = automation
        self.output = output

    def run(self, operation: Operation, program: Path, stack: str) -> EngineResult:
        try:
            workspace_stack = self.auto.create_or_select_stack(
                stack_name=stack, work_dir=str(program.resolve())
            )
            if operation == "preview":
                preview = workspace_stack.preview(on_output=self.output, diff=False)
                return EngineResult(True, {"changes": dict(preview.change_summary or {})})
            result = workspace_stack.up(on_output=self.output)
        except self.auto.errors.CommandError as error:
            return EngineResult(False, {}, _last_lines(str(error)))
        summary = result.summary
        return EngineResult(
            summary.result == "succeeded",
            {"changes": dict(summary.resource_changes or {}), "result": summary.result},
            summary.message or "",
        )


def _last_lines(text: str, count: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-count:])
