"""`shipspec verify`'s Pulumi checker finds what is wrong, and says what to install when it cannot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.verify import pulumi as checker
from compiler.verify.pulumi import PulumiChecker


@pytest.fixture
def program(infra_tree: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "generated" / "acme" / "data" / "data-infra"
    shutil.copytree(infra_tree / "acme/data/data-infra", copy)
    return copy


def _messages(program: Path) -> list[str]:
    root = program.parents[2]
    return [str(f) for f in PulumiChecker().check(root)]


def test_a_clean_program_has_no_findings(program: Path) -> None:
    assert _messages(program) == []


def test_broken_csharp_is_found_with_its_line(program: Path) -> None:
    path = program / "Program.cs"
    path.write_text(
        path.read_text().replace("var settings = StackSettings.Load();", "var settings = ;")
    )
    (finding,) = _messages(program)
    assert finding.startswith(
        "acme/data/data-infra/Program.cs: C# does not parse at line 15, column 18"
    )


def test_a_pulumi_yaml_against_the_schema_is_found(program: Path) -> None:
    (program / "Pulumi.yaml").write_text("name: data\nruntime: {name: dotnet, bogus: 1}\n")
    findings = _messages(program)
    assert any("Pulumi.yaml schema: runtime" in f for f in findings), findings


def test_unnamespaced_stack_keys_are_found(program: Path) -> None:
    (program / "Pulumi.dev.yaml").write_text("config:\n  location: westeurope\n")
    assert _messages(program) == [
        "acme/data/data-infra/Pulumi.dev.yaml: config key `location` is not namespaced (`<namespace>:<key>`)"
    ]


def test_a_csproj_without_pinned_packages_is_found(program: Path) -> None:
    (csproj,) = program.glob("*.csproj")
    csproj.write_text(
        '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net8.0</TargetFramework>'
        '</PropertyGroup><ItemGroup><PackageReference Include="Pulumi" Version="3.*" />'
        '<PackageReference Include="Pulumi.AzureNative" Version="3.28.0" /></ItemGroup></Project>'
    )
    assert sorted(f.split(": ", 1)[1] for f in _messages(program)) == [
        "Pulumi is not pinned to one version",
        "no PackageReference to Pulumi.Random",
    ]


def test_a_missing_parser_is_a_finding_that_says_what_to_install(
    program: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checker, "_csharp_parser", lambda: None)
    findings = _messages(program)
    assert findings and all("pip install" in f and "tree-sitter" in f for f in findings)


def test_a_missing_schema_is_a_finding(
    program: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(checker, "schemas_root", lambda: tmp_path / "nowhere")
    checker._project_validator.cache_clear()
    try:
        findings = _messages(program)
    finally:
        checker._project_validator.cache_clear()
    assert len(findings) == 1 and "pulumi-project.schema.json not found" in findings[0]
