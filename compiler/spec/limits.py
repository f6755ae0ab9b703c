"""What loading refuses a spec file with: the ceilings it enforces and the located problem.

Every check that reads a file (its name, its bytes, its YAML, its tree) stops at
the first problem it finds with :class:`FileProblem`; loading turns that into the
file's one diagnostic and goes on with the next file.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.errors import Diagnostic, SourceSpan


@dataclass(frozen=True)
class LoadLimits:
    """Ceilings that keep a hostile or mistaken file from exhausting the machine."""

    max_file_bytes: int = 10 * 1024 * 1024
    max_alias_nodes: int = 100_000
    max_depth: int = 64


DEFAULT_LIMITS = LoadLimits()


class FileProblem(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def problem_at(
    file: str, line: int, column: int, message: str, hint: str = "", path: str = ""
) -> Diagnostic:
    return Diagnostic(SourceSpan(file, line, column), path, message, hint)
