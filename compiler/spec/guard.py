"""Checks on a spec file's raw text and event stream, before any document is built.

The C-accelerated YAML composer recurses once per nesting level and dies with SIGSEGV
on a few tens of thousands of levels, so nesting is measured here on the raw text,
before any parser sees it.  Characters that make text display other than it reads
(bidirectional overrides), split lines where a reader does not expect it (C1 controls
such as U+0085) or cannot be encoded (lone surrogates) are refused wherever they are.
The event stream (which the parser produces without recursion) then shows what the
plain data would hide: explicit YAML tags, and unquoted numbers whose text a reader
means (`1.10`, `01234`, `0x1F`, `1e3`) but whose value would be written differently.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from compiler.errors import Diagnostic, SourceSpan
from compiler.spec.locate import format_path

UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
"""Controls (but tab, LF, CR), C1 controls, bidirectional marks and overrides, and
surrogates.  Line and paragraph separators (U+2028/9) stay data: every filter escapes them."""

_FLOW = re.compile(r"[\[\]{}]")
_BLOCK_INDICATORS = re.compile(r"(?:[-?](?:[ \t]+|$))+")
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


def describe(character: str) -> str:
    """`U+202E (RIGHT-TO-LEFT OVERRIDE)`: how a refused character is named to the user."""
    code = ord(character)
    name = unicodedata.name(character, "")
    if 0xD800 <= code <= 0xDFFF:
        name = "a lone surrogate"
    elif not name:
        name = "a control character"
    return f"U+{code:04X} ({name})"


def unsafe_character(text: str) -> re.Match[str] | None:
    return UNSAFE_CHARACTERS.search(text)


def raw_text_problem(text: str, file: str, max_depth: int) -> Diagnostic | None:
    """The first thing in the raw text no parser should see: an unsafe character or runaway
    nesting (flow brackets, or block levels by indentation and `- `/`? ` indicators).

    Brackets are counted everywhere, quoted or not: that can only over-count, never
    let a deep document through.
    """
    found = unsafe_character(text)
    if found is not None:
        line, column = _position(text, found.start())
        return Diagnostic(
            SourceSpan(file, line, column),
            "",
            f"the character {describe(found.group())} is not allowed in specs",
            "it can make text read differently from how it displays; delete it, "
            "or write the plain character you meant",
        )
    offset = _too_deep_flow(text, max_depth)
    if offset is None:
        offset = _too_deep_block(text, max_depth)
    if offset is None:
        return None
    line, column = _position(text, offset)
    return Diagnostic(
        SourceSpan(file, line, column),
        "",
        f"the document nests deeper than {max_depth} levels",
        "flatten the structure",
    )


def _too_deep_flow(text: str, max_depth: int) -> int | None:
    depth = 0
    for match in _FLOW.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > max_depth:
            return match.start()
    return None


def _too_deep_block(text: str, max_depth: int) -> int | None:
    indents: list[int] = []
    offset = 0
    for line in text.split("\n"):
        content = line.lstrip(" ")
        if content and not content.startswith("#"):
            indent = len(line) - len(content)
            while indents and indents[-1] >= indent:
                indents.pop()
            indents.append(indent)
            markers = _BLOCK_INDICATORS.match(content)
            extra = markers.group().count("-") + markers.group().count("?") if markers else 0
            if len(indents) + extra > max_depth:
                return offset + indent
        offset += len(line) + 1
    return None


def _position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


# --- the event stream ----------------------------------------------------------------------


def event_problems(text: str, file: str) -> list[Diagnostic]:
    """Explicit tags and unquoted numbers that would not keep their text, each located.

    A file that does not parse yields nothing here: the loader reports its YAML error.
    """
    for pure in (False, True):
        try:
            events = list(YAML(typ="safe", pure=pure).parse(text))
        except YAMLError:
            continue
        if not any(_suspect(event) for event in events):
            return []  # the common case: no key paths to follow
        return list(_walk(iter(events), file))
    return []


_NUMBER_START = frozenset("0123456789+-.")
_CANONICAL = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.(?:0|[0-9]{0,14}[1-9]))?")
"""Numbers Python writes back exactly as written (checked without loading them)."""


def _suspect(event: Any) -> bool:
    """A cheap first look: an explicit tag, or a plain scalar that may be a number."""
    if getattr(event, "tag", None) is not None and not isinstance(event, AliasEvent):
        return True
    value = getattr(event, "value", None)
    return (
        type(event) is ScalarEvent
        and not event.style
        and bool(value)
        and value[0] in _NUMBER_START
        and _rewritten_number(value) is not None
    )


def _walk(events: Iterator[Any], file: str) -> Iterator[Diagnostic]:
    path = _KeyPath()
    for event in events:
        if isinstance(event, ScalarEvent | CollectionStartEvent | AliasEvent):
            yield from _node_problems(event, file, path.current(event))
        path.advance(event)


def _node_problems(event: Any, file: str, path: str) -> Iterator[Diagnostic]:
    span = SourceSpan(file, event.start_mark.line + 1, event.start_mark.column + 1)
    tag = getattr(event, "tag", None)
    if tag is not None and not isinstance(event, AliasEvent):
        shown = str(tag).replace("tag:yaml.org,2002:", "!!")
        yield Diagnostic(
            span,
            path,
            f"the YAML tag `{shown}` is not supported in specs",
            "remove the tag; quote the value if it is text",
        )
    elif isinstance(event, ScalarEvent) and not event.style:
        number = _rewritten_number(event.value)
        if number is not None:
            yield Diagnostic(
                span,
                path,
                f"`{event.value}` is read as the number {number}, which changes its text",
                f'quote it to keep the text ("{event.value}"), or write {number}',
            )


_RESOLVER = VersionedResolver()


def _rewritten_number(value: str) -> str | None:
    """The number an unquoted scalar is read as, when writing it back would change its text."""
    if not value or value[0] not in _NUMBER_START or _CANONICAL.fullmatch(value):
        return None
    tag = str(_RESOLVER.resolve(ScalarNode, value, (True, False)))
    if tag not in _NUMBER_TAGS:
        return None
    number = _number_loader().load(value)
    shown = str(number)
    return None if shown == value or shown in ("inf", "-inf", "nan") else shown


@functools.cache
def _number_loader() -> YAML:
    return YAML(typ="safe", pure=True)


class _KeyPath:
    """Follows the event stream to know the key path of the node being read."""

    def __init__(self) -> None:
        self.frames: list[list[Any]] = []  # [kind, key or index, expecting a key]

    def current(self, event: Any) -> str:
        if self.frames and self.frames[-1][0] == "map" and self.frames[-1][2]:
            keys = [frame[1] for frame in self.frames[:-1]]
            return format_path(tuple(keys))
        return format_path(tuple(frame[1] for frame in self.frames))

    def advance(self, event: Any) -> None:
        if isinstance(event, MappingEndEvent | SequenceEndEvent):
            self.frames.pop()
            self._done()
        elif isinstance(event, ScalarEvent | AliasEvent):
            if self.frames and self.frames[-1][0] == "map" and self.frames[-1][2]:
                self.frames[-1][1], self.frames[-1][2] = str(event.value or ""), False
            else:
                self._done()
        elif isinstance(event, MappingStartEvent):
            self.frames.append(["map", "", True])
        elif isinstance(event, SequenceStartEvent):
            self.frames.append(["seq", 0, False])

    def _done(self) -> None:
        """A value finished: the mapping awaits its next key; the list moves on."""
        if not self.frames:
            return
        top = self.frames[-1]
        if top[0] == "map":
            top[2] = True
        else:
            top[1] += 1
