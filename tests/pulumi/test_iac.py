"""`shipspec iac preview|up`: exit 3 without Pulumi, the state-store flow, the automation API."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli.iac import iac_group
from compiler.errors import ExternalError, StateError, UsageError
from compiler.iac import AutomationEngine, EngineResult, IacOptions, Recorder, find_program, run
from tests.pulumi.conftest import SPECS

PULUMI_CLI = shutil.which("pulumi")
DOTNET = shutil.which("dotnet")


class FakeEngine:
    """Stands in for Pulumi: records what ran and answers with fixed outcomes."""

    def __init__(self, **outcomes: bool) -> None:
        self.outcomes = outcomes
        self.ran: list[str] = []

    def run(self, operation: str, program: Path, stack: str) -> EngineResult:
        self.ran.append(f"{operation}:{stack}")
        ok = self.outcomes.get(operation, True)
        return EngineResult(ok, {"changes": {"create": 3}}, "" if ok else "boom")


@pytest.fixture
def options(infra_tree: Path, tmp_path: Path) -> IacOptions:
    return IacOptions(
        operation="preview",
        environment="dev",
        tenant="contoso",
        project="payments",
        specs=SPECS,
        generated=infra_tree,
        state_url=f"sqlite:///{tmp_path / 'state.db'}",
    )


def _cli(*args: str, infra_tree: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        iac_group(),
        [*args, "--specs", str(SPECS), "--generated", str(infra_tree), "--no-record"],
    )
    return result.exit_code, result.output


def test_preview_without_the_pulumi_cli_exits_3_saying_what_to_install(
    infra_tree: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi on this PATH, whatever the machine has
    code, output = _cli(
        "preview",
        "--env",
        "dev",
        "--tenant",
        "contoso",
        "--project",
        "payments",
        infra_tree=infra_tree,
    )
    assert code == 3, output
    assert "the Pulumi CLI is not on PATH" in output and "get.pulumi.com" in output


def test_up_without_the_pulumi_cli_exits_3_too(
    infra_tree: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _ = _cli(
        "up", "--env", "prod", "--tenant", "contoso", "--project", "payments", infra_tree=infra_tree
    )
    assert code == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--env", "nope", "--tenant", "contoso", "--project", "payments"],
            "has no environment 'nope'",
        ),
        (["--env", "dev"], "choose one project"),
        (["--env", "dev", "--tenant", "fabrikam", "--project", "shared-libs"], "no Pulumi program"),
    ],
)
def test_usage_errors_exit_2_before_pulumi_is_needed(
    infra_tree: Path, args: list[str], message: str
) -> None:
    code, output = _cli("preview", *args, infra_tree=infra_tree)
    assert code == 2 and message in output, output


def test_the_program_is_the_projects_infra_folder(options: IacOptions, infra_tree: Path) -> None:
    program = find_program(options)
    assert program.folder == infra_tree / "contoso/payments/payments-infra"
    assert len(program.sha) == 64 and program.sha == program.sha


def test_preview_is_recorded_in_the_state_store(options: IacOptions) -> None:
    engine = FakeEngine()
    result = run(options, engine)
    assert engine.ran == ["preview:dev"] and result.succeeded
    (record,) = result.records
    assert (record["operation"], record["status"], record["stack"]) == (
        "preview",
        "Succeeded",
        "dev",
    )
    assert record["programSha"] == result.program_sha


def test_up_previews_first_then_applies_under_the_stacks_lock(options: IacOptions) -> None:
    engine = FakeEngine()
    result = run(IacOptions(**{**options.__dict__, "operation": "up"}), engine)
    assert engine.ran == ["preview:dev", "up:dev"]
    assert [(r["operation"], r["status"]) for r in result.records] == [
        ("preview", "Succeeded"),
        ("apply", "Succeeded"),
    ]
    again = FakeEngine()
    run(IacOptions(**{**options.__dict__, "operation": "up"}), again)
    assert again.ran == ["up:dev"], "a successful preview of the same program is reused"


def test_a_second_concurrent_up_of_the_same_stack_is_refused(options: IacOptions) -> None:
    up = IacOptions(**{**options.__dict__, "operation": "up"})
    run(options, FakeEngine())  # a successful preview
    program = find_program(up)
    holder = Recorder(up, program)
    held = holder.start_apply(program.sha)  # someone else's apply is running
    engine = FakeEngine()
    with pytest.raises(StateError, match="one apply at a time"):
        run(up, engine)
    assert engine.ran == []
    holder.finish_apply(held["id"], succeeded=True)
    run(up, engine)
    assert engine.ran == ["up:dev"]


def test_a_failed_up_releases_the_lock_and_exits_3(options: IacOptions) -> None:
    up = IacOptions(**{**options.__dict__, "operation": "up"})
    with pytest.raises(ExternalError, match="pulumi up of stack dev failed: boom"):
        run(up, FakeEngine(up=False))
    run(up, FakeEngine())  # the lock was released


def test_a_failed_preview_blocks_the_up(options: IacOptions) -> None:
    engine = FakeEngine(preview=False)
    with pytest.raises(ExternalError):
        run(IacOptions(**{**options.__dict__, "operation": "up"}), engine)
    assert engine.ran == ["preview:dev"]


def test_unknown_environment_is_a_usage_error(options: IacOptions) -> None:
    with pytest.raises(UsageError):
        run(IacOptions(**{**options.__dict__, "environment": "qa"}), FakeEngine())


# --- the real automation API (needs the Pulumi CLI) -------------------------------------------------


@pytest.fixture
def local_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    backend = tmp_path / "backend"
    backend.mkdir()
    monkeypatch.setenv("PULUMI_BACKEND_URL", backend.as_uri())
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only")
    monkeypatch.setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
    return backend


@pytest.mark.skipif(
    PULUMI_CLI is None,
    reason="the Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/) "
    "to run the automation-API test",
)
def test_the_automation_api_selects_the_stack_with_its_generated_config(
    options: IacOptions, local_backend: Path
) -> None:
    from pulumi import automation

    program = find_program(options)
    stack = automation.create_or_select_stack(stack_name="dev", work_dir=str(program.folder))
    config = stack.get_all_config()
    assert config["azure-native:location"].value == "westeurope"
    assert config["payments:tier"].value == "small"
    assert AutomationEngine(automation).auto is automation


@pytest.mark.skipif(
    PULUMI_CLI is None or DOTNET is None or not os.environ.get("ARM_SUBSCRIPTION_ID"),
    reason="a real preview needs the Pulumi CLI, the .NET SDK and Azure credentials "
    "(ARM_SUBSCRIPTION_ID, ARM_CLIENT_ID, ...); none of that is on this machine",
)
def test_a_real_preview_through_the_automation_api(
    options: IacOptions, local_backend: Path
) -> None:
    result = run(options)
    assert result.succeeded and result.summary["changes"]
