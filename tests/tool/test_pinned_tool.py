"""`spec.pipelines.tool`: the shipspec that generated deploy stages install — version, feed, lock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from compiler.cli import cli
from compiler.errors import ExitCode
from compiler.pipeline import CompileOptions, compile_specs
from compiler.verify.pipelines import pipeline_validator, validate_file
from compiler.version import __version__
from tests.conftest import ROOT

HASH = "0" * 63 + "1"
LOCK = f"""
    tool:
      feed: Platform/platform-tools
      lock:
        - "shipspec=={__version__} --hash=sha256:{HASH}"
        - "click==8.1.7 --hash=sha256:{HASH} --hash=sha256:{"2" * 64}"
"""


def _specs(tmp_path: Path, spec: str, after: str, insert: str) -> Path:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    path = specs / spec
    text = path.read_text(encoding="utf-8")
    assert after in text
    path.write_text(
        text.replace(after, after + insert.strip("\n") + "\n", 1),
        encoding="utf-8",
    )
    return specs


def _install_steps(pipeline: Path) -> list[dict]:  # type: ignore[type-arg]
    document = yaml.safe_load(pipeline.read_text(encoding="utf-8"))
    steps: list[dict] = []  # type: ignore[type-arg]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("displayName") in (
                "Install shipspec",
                "Authenticate pip to the shipspec feed",
            ):
                steps.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return steps


def test_inline_pipelines_install_the_lock_with_hashes_from_the_feed(tmp_path: Path) -> None:
    specs = _specs(tmp_path, "northwind/orders.yaml", "    mode: inline\n", LOCK)
    compile_specs(CompileOptions((specs,), tmp_path / "out"))
    pipeline = tmp_path / "out/northwind/orders/orders-api/azure-pipelines.yml"
    assert list(validate_file(pipeline, pipeline_validator())) == []
    steps = _install_steps(pipeline)
    feeds = [s for s in steps if s.get("task") == "PipAuthenticate@1"]
    installs = [s for s in steps if "bash" in s]
    assert feeds and all(s["inputs"]["artifactFeeds"] == "Platform/platform-tools" for s in feeds)
    assert len(feeds) == len(installs)
    requirements = installs[0]["env"]["SHIPSPEC_PACKAGE"].splitlines()
    assert requirements[0] == f"shipspec=={__version__} --hash=sha256:{HASH}"
    assert requirements[1].startswith("click==8.1.7 --hash=sha256:")
    assert "--require-hashes" in installs[0]["bash"]


def test_templates_mode_passes_version_and_feed_to_the_tenant_templates(tmp_path: Path) -> None:
    insert = '  pipelines:\n    tool: {version: "0.2.0", feed: Platform/platform-tools}\n'
    specs = _specs(
        tmp_path,
        "contoso/payments.yaml",
        "    policies: {minimumReviewers: 2, buildValidation: true, commentResolution: true}\n",
        insert,
    )
    compile_specs(CompileOptions((specs,), tmp_path / "out"))
    pipeline = yaml.safe_load(
        (tmp_path / "out/contoso/payments/payments-api/azure-pipelines.yml").read_text(
            encoding="utf-8"
        )
    )
    parameters = pipeline["extends"]["parameters"]
    assert parameters["shipspecPackage"] == "shipspec==0.2.0"
    assert parameters["shipspecFeed"] == "Platform/platform-tools"
    template = tmp_path / "out/contoso/_tenant/pipeline-templates/steps/promote-image.yml"
    assert list(validate_file(template, pipeline_validator())) == []


def test_the_default_is_the_version_that_compiles(tmp_path: Path) -> None:
    pipeline = ROOT / "generated/northwind/orders/orders-api/azure-pipelines.yml"
    installs = [s for s in _install_steps(pipeline) if "bash" in s]
    assert installs and {s["env"]["SHIPSPEC_PACKAGE"] for s in installs} == {
        f"shipspec=={__version__}"
    }
    assert not [s for s in _install_steps(pipeline) if s.get("task") == "PipAuthenticate@1"]


@pytest.mark.parametrize(
    ("tool", "message"),
    [
        ('{lock: ["click==8.1.7 --hash=sha256:' + HASH + '"]}', "must pin shipspec itself"),
        ('{lock: ["shipspec==0.1.0"]}', "spec.pipelines.tool.lock[0]"),
        (
            '{version: "0.3.0", lock: ["shipspec==0.1.0 --hash=sha256:' + HASH + '"]}',
            "pins shipspec 0.1.0 but `version` is 0.3.0",
        ),
        ('{version: "latest"}', "spec.pipelines.tool.version"),
    ],
)
def test_bad_tool_settings_are_located_errors(
    tmp_path: Path, tool: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _specs(tmp_path, "northwind/orders.yaml", "    mode: inline\n", f"    tool: {tool}\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "specs/northwind"])
    assert result.exit_code == ExitCode.INVALID, result.output
    assert "specs/northwind/orders.yaml:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
