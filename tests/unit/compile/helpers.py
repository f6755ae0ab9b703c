"""Compile helpers: run the pipeline into a folder and read whole trees back."""

from __future__ import annotations

import shutil
from pathlib import Path

from compiler.pipeline import CompileOptions, CompileResult, compile_specs
from tests.conftest import SPECS


def platform_repo(tmp_path: Path) -> Path:
    """A copy of the example platform repository (specs only) to compile in."""
    root = tmp_path / "platform"
    shutil.copytree(SPECS, root / "specs")
    return root


def compile_into(root: Path, *, check: bool = False, only: tuple[str, ...] = ()) -> CompileResult:
    options = CompileOptions((root / "specs",), root / "generated", check=check, only=only)
    return compile_specs(options)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def tree_text(files: dict[str, bytes]) -> str:
    """A whole tree as one readable text: a header line per file, then its content."""
    parts = []
    for path, data in sorted(files.items()):
        parts.append(f"=== {path} ===\n{data.decode('utf-8')}")
    return "".join(parts)
