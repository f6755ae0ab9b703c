"""A spec file's name and bytes, checked before any YAML parser sees them.

A file that is too large, binary, UTF-16 or not valid UTF-8 is refused with the
line and column of the first bad byte; a name that cannot be shown as one plain
line is refused too, because it is written into every file the spec produces.
"""

from __future__ import annotations

import re
from pathlib import Path

from compiler.spec.discover import is_broken_link
from compiler.spec.guard import describe, unsafe_character
from compiler.spec.limits import FileProblem, LoadLimits, problem_at

_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f]")


def check_name(name: str) -> None:
    """A spec file's name is written into every file it produces: refuse names that cannot be
    shown as one plain line (line breaks, controls, bidirectional marks, undecodable bytes)."""
    found = _UNSAFE_IN_NAMES.search(name) or unsafe_character(name)
    if found is None:
        return
    shown = "".join(
        f"\\u{ord(c):04x}" if _UNSAFE_IN_NAMES.match(c) or unsafe_character(c) else c for c in name
    )
    raise FileProblem(
        problem_at(
            shown,
            1,
            1,
            f"the file name holds {describe(found.group())}",
            "rename the file: spec file names are written into every file they produce",
        )
    )


def read_text(path: Path, name: str, limits: LoadLimits) -> str:
    try:
        return _read_text(path, name, limits)
    except OSError as error:
        message = f"the file cannot be read: {error.strerror or error}"
        hint = "check that it is a readable regular file"
        if is_broken_link(path):
            message = f"the symlink leads nowhere ({error.strerror or error})"
            hint = "point the link at a spec file, or remove it"
        raise FileProblem(problem_at(name, 1, 1, message, hint)) from None


def _read_text(path: Path, name: str, limits: LoadLimits) -> str:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise FileProblem(
            problem_at(
                name,
                1,
                1,
                f"the file is {size:,} bytes, over the limit of {limits.max_file_bytes:,} bytes",
                "split it into several spec files, or raise max_file_bytes in [tool.shipspec]",
            )
        )
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(problem_at(name, 1, 1, "the file is UTF-16", "save it as UTF-8"))
    if b"\x00" in raw:
        line, column = _position(raw, raw.index(b"\x00"))
        raise FileProblem(
            problem_at(
                name,
                line,
                column,
                "the file is binary (it holds a NUL byte)",
                "specs are UTF-8 text",
            )
        )
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise FileProblem(
            problem_at(
                name,
                line,
                column,
                f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02x})",
                "save the file as UTF-8",
            )
        ) from None


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before[line_start:].decode("utf-8", "replace")) + 1
