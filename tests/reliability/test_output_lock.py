"""One writer at a time on an output folder, crash clean-up, and hand edits repaired.

These run real `shipspec` processes: the lock is a kernel lock between processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compiler.outlock import output_lock_file
from tests.conftest import SPECS

SMALL = "fabrikam/shared-libs.yaml"
HOLD = """
import sys, time
from pathlib import Path
from compiler.outlock import output_lock, exclusive
with output_lock(Path(sys.argv[1]), "compile"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def shipspec(
    root: Path, *args: str, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )


def start(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "compiler", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def two_spec_folders(root: Path, everything: bool = False) -> None:
    """Two spec folders of the same projects: a compile of one rewrites what the other wrote."""
    for name in ("a", "b"):
        if everything:
            shutil.copytree(SPECS, root / name)
            continue
        folder = root / name / "fabrikam"
        folder.mkdir(parents=True)
        (folder / "shared-libs.yaml").write_bytes((SPECS / SMALL).read_bytes())


def manifest_problems(output: Path) -> list[str]:
    """Every file whose bytes differ from the sha256 its manifest records, or is missing."""
    problems = []
    for manifest in sorted(output.glob("*/*/.shipspec/manifest.json")):
        project = manifest.parent.parent
        for path, entry in json.loads(manifest.read_text())["files"].items():
            target = project / path
            if not target.is_file():
                problems.append(f"{target}: missing")
            elif hashlib.sha256(target.read_bytes()).hexdigest() != entry["sha256"]:
                problems.append(f"{target}: bytes differ from the manifest")
    return problems


def hold_lock(root: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root / "generated"), str(seconds)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_two_compiles_at_once_leave_every_manifest_true_20_rounds(tmp_path: Path) -> None:
    two_spec_folders(tmp_path, everything=True)
    for round_number in range(20):
        first, second = ("a", "b") if round_number % 2 else ("b", "a")
        if round_number % 4 == 0:
            shutil.rmtree(tmp_path / "generated", ignore_errors=True)  # both write every file
        runs = [start(tmp_path, "compile", name, "-j", "1") for name in (first, second)]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        assert manifest_problems(tmp_path / "generated") == [], f"round {round_number}"
        assert not list((tmp_path / "generated").rglob("*.shipspec-tmp"))
    assert shipspec(tmp_path, "compile", "--check", "a").returncode in (0, 1)


def test_a_second_run_waits_then_exits_1_naming_the_holder(tmp_path: Path) -> None:
    two_spec_folders(tmp_path)
    holder = hold_lock(tmp_path, 120)
    try:
        began = time.monotonic()
        result = shipspec(tmp_path, "compile", "a", SHIPSPEC_LOCK_TIMEOUT="0.5")
        waited = time.monotonic() - began
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1, result.stderr
    assert f"held by pid {holder.pid} (shipspec compile since" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert waited < 60, "it gave up after its timeout instead of waiting for the holder"
    assert not (tmp_path / "generated/fabrikam").exists(), "nothing written while locked"


@pytest.mark.parametrize(
    "command",
    [
        ("compile", "--check", "a"),
        ("publish", "--provider", "local", "--dry-run"),
    ],
)
def test_check_and_publish_take_the_same_lock(tmp_path: Path, command: tuple[str, ...]) -> None:
    two_spec_folders(tmp_path)
    assert shipspec(tmp_path, "compile", "a").returncode == 0
    holder = hold_lock(tmp_path, 120)  # killed below; long enough for a slow start under load
    try:
        result = shipspec(tmp_path, *command, SHIPSPEC_LOCK_TIMEOUT="0.3")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"held by pid {holder.pid}" in result.stdout + result.stderr


def test_a_killed_holder_releases_the_lock_and_its_staging_files_are_swept(
    tmp_path: Path,
) -> None:
    two_spec_folders(tmp_path)
    assert shipspec(tmp_path, "compile", "a").returncode == 0
    holder = hold_lock(tmp_path, 60)
    gone = tmp_path / "generated/fabrikam/shared-libs/removed-module/src"
    gone.mkdir(parents=True)
    staged = gone / f".Program.cs.{holder.pid}.shipspec-tmp"
    staged.write_text("half a file")
    kept = tmp_path / "generated/fabrikam/shared-libs/.shipspec/notes.txt"
    kept.write_text("not shipspec's")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    result = shipspec(tmp_path, "compile", "a", SHIPSPEC_LOCK_TIMEOUT="5")
    assert result.returncode == 0, result.stderr
    assert not staged.exists()
    assert not (tmp_path / "generated/fabrikam/shared-libs/removed-module").exists()
    assert kept.read_text() == "not shipspec's", "files no run staged are never touched"
    assert json.loads(output_lock_file(tmp_path / "generated").read_text())["clean"] is True


def test_compiles_killed_mid_run_leave_no_staging_files_after_the_next_run(
    tmp_path: Path,
) -> None:
    two_spec_folders(tmp_path)
    for round_number in range(6):
        run = start(tmp_path, "compile", "ab"[round_number % 2], "-j", "1")
        time.sleep(0.45 + 0.05 * round_number)
        run.send_signal(signal.SIGKILL)
        run.communicate()
    result = shipspec(tmp_path, "compile", "a", "-j", "1")
    assert result.returncode == 0, result.stderr
    assert not list((tmp_path / "generated").rglob("*.shipspec-tmp"))
    assert manifest_problems(tmp_path / "generated") == []


@pytest.mark.parametrize("same_size", [True, False])
def test_compile_repairs_a_hand_edited_file_that_check_reports(
    tmp_path: Path, same_size: bool
) -> None:
    two_spec_folders(tmp_path)
    assert shipspec(tmp_path, "compile", "a").returncode == 0
    (readme,) = (tmp_path / "generated/fabrikam/shared-libs").glob("*/README.md")
    original = readme.read_bytes()
    edited = original.replace(b"#", b"!", 1) if same_size else original + b"local note\n"
    readme.write_bytes(edited)
    check = shipspec(tmp_path, "compile", "--check", "a")
    assert check.returncode == 1 and "run: shipspec compile" in check.stdout
    repaired = shipspec(tmp_path, "compile", "a")
    assert repaired.returncode == 0, repaired.stderr
    assert "1 written" in repaired.stdout
    assert readme.read_bytes() == original
    assert shipspec(tmp_path, "compile", "--check", "a").returncode == 0


def test_gitops_set_image_takes_the_checkout_lock(tmp_path: Path) -> None:
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    script = (
        "import sys, time\nfrom pathlib import Path\n"
        "from compiler.outlock import exclusive, checkout_lock_file\n"
        "with exclusive(checkout_lock_file(Path(sys.argv[1])), 'gitops set-image'):\n"
        "    print('held', flush=True); time.sleep(5)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(repo)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    try:
        result = shipspec(
            tmp_path,
            "gitops",
            "set-image",
            "--repo",
            str(repo),
            "--env",
            "dev",
            "--module",
            "m",
            "--digest",
            "sha256:" + "a" * 64,
            SHIPSPEC_LOCK_TIMEOUT="0.3",
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert f"held by pid {holder.pid} (shipspec gitops set-image" in result.stdout + result.stderr
    assert (repo / ".git/shipspec.lock").is_file()
