"""The wheel on its own: built, installed into a fresh venv, run from a folder outside the repository.

This is what a platform team gets from `pip install shipspec`: no checkout, no
`templates/` or schemas beside it.  The test builds the wheel with the project's
own build backend, installs it (with the `verify` extra) into a new venv from the
package index, and drives every stage through the installed `shipspec` script.
It needs the package index: it fails under CI when the index is unreachable and is
skipped otherwise.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv with the freshly built wheel installed."""
    base = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", ROOT], base)
    wheel = next((base / "dist").glob("shipspec-*.whl"))
    _run([sys.executable, "-m", "venv", base / "venv"], base)
    bin_dir = base / "venv" / "bin"
    install = [bin_dir / "python", "-m", "pip", "install", "-q", f"{wheel}[verify]"]
    done = subprocess.run(install, cwd=base, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"installing the wheel failed:\n{done.stderr}")
        pytest.skip(
            f"cannot install the wheel's dependencies (package index?): {done.stderr[-300:]}"
        )
    return bin_dir


@pytest.fixture(scope="module")
def workdir(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("platform")
    shutil.copytree(ROOT / "specs", work / "specs")
    return work


def _run(args: list[object], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _shipspec(installed: Path, cwd: Path, *args: object) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHIPSPEC_", "PYTHON"))}
    env["PATH"] = f"{installed}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(cwd)
    return _run([installed / "shipspec", *args], cwd, env)


def test_the_installed_package_is_the_wheel_not_the_checkout(
    installed: Path, workdir: Path
) -> None:
    out = _run(
        [installed / "python", "-c", "import compiler.assets as a; print(a.templates_root())"],
        workdir,
    )
    root = Path(out.strip())
    assert root.is_relative_to(installed.parent), root
    assert (root / "azure-pipelines").is_dir()
    assert not root.is_relative_to(ROOT)


def test_every_stage_runs_from_the_wheel(installed: Path, workdir: Path) -> None:
    out = _shipspec(installed, workdir, "init", "acme/shop", "-o", "starter/shop.yaml")
    assert "starter/shop.yaml" in out
    _shipspec(installed, workdir, "validate", "starter")
    assert "valid" in _shipspec(installed, workdir, "validate", "specs")
    _shipspec(installed, workdir, "compile", "specs", "-o", "generated", "-j", "1")
    _assert_same_tree(workdir / "generated", ROOT / "generated")
    _shipspec(installed, workdir, "compile", "--check", "specs", "-o", "generated")
    _shipspec(installed, workdir, "verify", "generated")
    dockerfile = "generated/contoso/payments/payments-api/Dockerfile"
    explained = _shipspec(installed, workdir, "explain", dockerfile)
    assert "spec: specs/contoso/payments.yaml:" in explained
    assert "template: templates/repo/Dockerfile.j2" in explained
    published = _shipspec(installed, workdir, "publish", "--provider", "local", "generated")
    assert "pull request" in published
    assert any((workdir / ".shipspec" / "remotes").rglob("HEAD"))


def _assert_same_tree(left: Path, right: Path) -> None:
    """The wheel compiles exactly what the checkout committed, byte for byte."""
    names = _compiled_files(left)
    assert names == _compiled_files(right)
    _, mismatch, errors = filecmp.cmpfiles(left, right, names, shallow=False)
    assert not mismatch and not errors, mismatch[:10]


def _compiled_files(root: Path) -> list[str]:
    """Every file compile wrote; `verify` keeps its own record (verified.json) beside them."""
    files = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return sorted(name for name in files if not name.endswith(".shipspec/verified.json"))


def test_a_platform_repository_from_the_wheel(installed: Path, workdir: Path) -> None:
    """`init --platform` then the commands its README gives, all from the installed wheel."""
    out = _shipspec(
        installed, workdir, "init", "--platform", "acme-platform", "--name", "acme/shop"
    )
    assert "wrote acme-platform/azure-pipelines.yml" in out
    root = workdir / "acme-platform"
    assert "1 project(s)" in _shipspec(installed, root, "validate")
    _shipspec(installed, root, "compile", "-j", "1")
    _shipspec(installed, root, "compile", "--check")
    _shipspec(installed, root, "verify", "--all")
    check = [
        installed / "python",
        "-c",
        "import sys; from pathlib import Path; from compiler.verify.pipelines import "
        "pipeline_validator, validate_file; v = pipeline_validator(); "
        "sys.exit(len([f for n in sys.argv[1:] for f in validate_file(Path(n), v)]))",
        "azure-pipelines.yml",
        ".azure-pipelines/install-shipspec.yml",
    ]
    _run(check, root)
    ident = ["-c", "user.name=Platform", "-c", "user.email=platform@example.invalid"]
    _run(["git", "init", "-q", "-b", "main"], root)
    _run(["git", "add", "-A"], root)
    _run(["git", *ident, "commit", "-q", "-m", "platform"], root)
    tracked = _run(["git", "ls-files"], root).splitlines()
    assert (root / ".shipspec" / "verified.json").is_file(), "verify keeps a record"
    assert not [n for n in tracked if n.endswith("verified.json")], ".gitignore leaves it out"
    review = _shipspec(installed, root, "review", "--format", "markdown")
    assert "leaves every generated repository and environment as it is" in review
