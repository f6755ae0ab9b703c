"""`shipspec init --platform`: a platform repository that validates, compiles, and whose
own pipeline validates against the official Azure Pipelines schema."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from compiler.cli import cli
from compiler.errors import ExitCode
from compiler.scaffold import HOOKS, PIPELINE, PlatformOptions, scaffold_files
from compiler.verify.pipelines import pipeline_validator, validate_file
from compiler.version import __version__
from tests.conftest import ROOT


def _init(tmp_path: Path, *args: str) -> Path:
    root = tmp_path / "acme-platform"
    result = CliRunner().invoke(cli, ["init", "--platform", str(root), *args])
    assert result.exit_code == ExitCode.OK, result.output
    return root


def test_the_scaffold_has_every_file_a_platform_repository_needs(tmp_path: Path) -> None:
    root = _init(tmp_path)
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert names == [
        ".azure-pipelines/install-shipspec.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "CODEOWNERS",
        "README.md",
        "azure-pipelines.yml",
        "pyproject.toml",
        "schema/shipspec.schema.json",
        "specs/acme/starter.yaml",
    ]


@pytest.mark.parametrize("feed", [None, "platform/tools"])
def test_its_pipeline_files_validate_against_the_official_schema(
    tmp_path: Path, feed: str | None
) -> None:
    root = _init(tmp_path, *(["--feed", feed] if feed else []))
    validator = pipeline_validator()
    for name in (PIPELINE, ".azure-pipelines/install-shipspec.yml"):
        assert list(validate_file(root / name, validator)) == [], name
    install = (root / ".azure-pipelines/install-shipspec.yml").read_text(encoding="utf-8")
    assert ("PipAuthenticate@1" in install) == bool(feed)


def test_the_pipeline_checks_pull_requests_and_publishes_the_default_branch(tmp_path: Path) -> None:
    pipeline = yaml.safe_load((_init(tmp_path) / PIPELINE).read_text(encoding="utf-8"))
    check, publish = pipeline["stages"]
    scripts = [s.get("script", "") for s in check["jobs"][0]["steps"]]
    ordered = [
        "shipspec validate",
        "shipspec compile --check",
        "shipspec verify --all",
        "shipspec review",
    ]
    assert [s for s in scripts if s in ordered] == ordered
    review = next(s for s in check["jobs"][0]["steps"] if s.get("script") == "shipspec review")
    assert review["env"] == {"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}
    assert "PullRequest" in review["condition"]
    assert publish["dependsOn"] == "check"
    assert (
        "refs/heads/main" in publish["condition"]
        and "ne(variables['Build.Reason'], 'PullRequest')" in publish["condition"]
    )
    step = publish["jobs"][0]["steps"][-1]
    assert step["script"] == "shipspec publish"
    assert step["env"] == {"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}


def test_pyproject_pins_this_shipspec_and_holds_its_settings(tmp_path: Path) -> None:
    document = tomllib.loads((_init(tmp_path) / "pyproject.toml").read_text(encoding="utf-8"))
    assert document["project"]["dependencies"] == [f"shipspec[verify]=={__version__}"]
    assert document["tool"]["shipspec"] == {"specs": "specs", "output": "generated"}
    assert document["tool"]["setuptools"] == {"packages": []}


def test_gitignore_keeps_state_cache_and_remotes_out_of_git(tmp_path: Path) -> None:
    import git

    root = _init(tmp_path)
    repo = git.Repo.init(root)
    for path in (
        ".shipspec/state.db",
        ".shipspec/cache/repos/x/HEAD",
        ".shipspec/remotes/a.git/HEAD",
    ):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x", encoding="utf-8")
        assert repo.ignored(path) == [path]
    assert repo.ignored("specs/acme/starter.yaml") == []


def test_pre_commit_runs_the_projects_hooks(tmp_path: Path) -> None:
    config = yaml.safe_load(
        (_init(tmp_path) / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    )
    hooks = config["repos"][0]["hooks"]
    project = {
        h["id"]: h
        for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    }
    assert [h["id"] for h in hooks] == [h.id for h in HOOKS] == sorted(project, reverse=True)
    for hook in hooks:
        assert hook["entry"] == project[hook["id"]]["entry"]
        assert hook["name"] == project[hook["id"]]["name"]


def test_the_scaffold_validates_compiles_and_checks_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _init(tmp_path)
    monkeypatch.chdir(root)
    runner = CliRunner()
    for args in (["validate"], ["compile", "-j", "1"], ["compile", "--check"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == ExitCode.OK, (args, result.output)
    assert any((root / "generated" / "acme" / "starter").rglob("azure-pipelines.yml"))


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "acme-platform"
    root.mkdir()
    (root / "README.md").write_text("ours\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", "--platform", str(root)])
    assert result.exit_code == ExitCode.USAGE
    assert "README.md" in result.output and "not overwriting" in result.output
    assert [p.name for p in root.iterdir()] == ["README.md"]
    assert (root / "README.md").read_text(encoding="utf-8") == "ours\n"


def test_output_is_deterministic() -> None:
    options = PlatformOptions(Path("x"), "acme", "shop", "platform/tools")
    assert scaffold_files(options) == scaffold_files(options)
    assert all(
        text.endswith("\n") and "\r" not in text for text in scaffold_files(options).values()
    )


def test_a_bad_name_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["init", "--platform", str(tmp_path / "p"), "--name", "Acme/x"]
    )
    assert result.exit_code == ExitCode.USAGE
    assert "not a valid name" in result.output
    assert not (tmp_path / "p").exists()
