"""Read generated C# structurally (tree-sitter): the store blocks of a module stack, the
calls and object initializers in each, so wiring tests assert on the program, not on text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from compiler.verify.pulumi import _csharp_parser


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _text(node: Any) -> str:
    return node.text.decode()


def store_blocks(path: Path) -> dict[str, Any]:
    """store name -> the `{ var store = "<name>"; ... }` block node of a module stack."""
    tree = _csharp_parser().parse(path.read_bytes())
    blocks = {}
    for node in _walk(tree.root_node):
        if node.type != "block" or not node.named_children:
            continue
        first = node.named_children[0]
        text = _text(first)
        if first.type == "local_declaration_statement" and text.startswith("var store = "):
            blocks[text.split('"')[1]] = node
    return blocks


def calls(block: Any, name: str) -> list[list[str]]:
    """The argument texts of every call of `name(...)` in the block."""
    out = []
    for node in _walk(block):
        if node.type == "invocation_expression" and _text(node.children[0]) == name:
            arguments = node.child_by_field_name("arguments")
            out.append([_text(a) for a in arguments.named_children])
    return out


def assignments(block: Any, member: str) -> list[str]:
    """The right-hand sides of every `<member> = ...` initializer in the block."""
    out = []
    for node in _walk(block):
        if node.type == "assignment_expression":
            left = node.child_by_field_name("left")
            if _text(left) == member:
                out.append(_text(node.child_by_field_name("right")))
    return out


def creations(block: Any) -> list[str]:
    """The type of every `new T(...)` in the block."""
    return [
        _text(node.child_by_field_name("type"))
        for node in _walk(block)
        if node.type == "object_creation_expression"
    ]
