"""`shipspec serve` and `shipspec track` as users run them: real processes and flags."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import requests
from click.testing import CliRunner

from compiler.cli.serve import serve_command
from compiler.cli.track import track_command
from compiler.serve.config import MAX_BODY, ServeConfig
from compiler.serve.logs import JsonFormatter
from tests.conftest import ROOT

from .conftest import GENERATED


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_demo_is_one_command_and_logs_json_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    command = [sys.executable, "-m", "compiler", "serve", "--demo", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline, page = time.monotonic() + 60, None
        while time.monotonic() < deadline and page is None:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
            except requests.RequestException:
                time.sleep(0.3)
        assert page is not None and page.status_code == 200 and "Projects" in page.text
        assert (
            requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()["status"] == "ready"
        )
        closed = requests.post(f"http://127.0.0.1:{port}/hooks/argocd", json={}, timeout=5)
        assert closed.status_code == 401 and "SHIPSPEC_HOOK_ARGOCD_TOKEN" in closed.json()["error"]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("path") == "/readyz"]
    assert access and access[0]["status"] == 200 and "durationMs" in access[0]


def test_secrets_come_from_the_environment_and_never_print() -> None:
    config = ServeConfig.from_environment(
        environ={"SHIPSPEC_HOOK_FLUX_SECRET": "s3cret", MAX_BODY: "2048"}
    )
    assert config.enabled() == {"azure-devops": False, "argocd": False, "flux": True}
    assert config.max_body_bytes == 2048 and "s3cret" not in repr(config)


def test_a_bad_size_limit_is_a_usage_error() -> None:
    result = CliRunner().invoke(serve_command, ["--port", "1"], env={MAX_BODY: "lots"})
    assert result.exit_code == 2 and MAX_BODY in result.output


def test_track_routes_only_registers_and_reports(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'state.db'}"
    result = CliRunner().invoke(
        track_command,
        ["--generated", str(GENERATED), "--state-url", url, "--routes-only", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["routes"] > 20


def test_track_without_a_token_says_which_variable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'state.db'}"
    env = {"AZURE_DEVOPS_EXT_PAT": "", "SYSTEM_ACCESSTOKEN": ""}
    result = CliRunner().invoke(
        track_command, ["--generated", str(GENERATED), "--state-url", url], env=env
    )
    assert result.exit_code == 2 and "AZURE_DEVOPS_EXT_PAT" in result.output


def test_json_log_lines_carry_extra_fields() -> None:
    import logging

    record = logging.makeLogRecord(
        {
            "msg": "hello %s",
            "args": ("x",),
            "levelname": "INFO",
            "name": "shipspec.serve",
            "eventId": "e1",
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["eventId"], line["level"]) == ("hello x", "e1", "info")
