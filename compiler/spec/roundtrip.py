"""The round-trip parse: ruamel.yaml nodes that remember the line and column of every key.

It runs only where a location is needed (a file with a problem to report, or one
the fast loader would not take), and turns every YAML error into one located
problem: tabs, duplicate keys and syntax errors are named in words a spec
author can act on.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from compiler.errors import Diagnostic
from compiler.spec.limits import FileProblem, problem_at


def parse_documents(text: str, name: str) -> list[tuple[Any, int]]:
    """Parse every document; returns (node, first line) pairs or raises one located problem."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    nodes: list[tuple[Any, int]] = []
    try:
        for node in yaml.load_all(text):
            nodes.append((node, _document_line(node, text, len(nodes))))
    except MarkedYAMLError as error:
        raise FileProblem(_yaml_problem(error, name)) from None
    except YAMLError as error:
        raise FileProblem(problem_at(name, 1, 1, f"invalid YAML: {error}")) from None
    except RecursionError:
        raise FileProblem(
            problem_at(name, 1, 1, "the YAML nests too deeply to read", "flatten the structure")
        ) from None
    return nodes


def _document_line(node: Any, text: str, index: int) -> int:
    """The first line of document `index`: its first node, else its `---` marker."""
    if isinstance(node, CommentedMap | CommentedSeq):
        return int(node.lc.line) + 1
    lines = text.splitlines()
    markers = [n for n, line in enumerate(lines, 1) if line.startswith("---")]
    content = [line for line in lines if line.strip() and not line.lstrip().startswith(("#", "%"))]
    opens_with_marker = bool(content) and content[0].startswith("---")
    position = index if opens_with_marker else index - 1
    return markers[position] if 0 <= position < len(markers) else 1


def _in_indentation(error: MarkedYAMLError, column: int) -> bool:
    mark = error.problem_mark
    buffer = getattr(mark, "buffer", None)
    if not buffer or mark is None:
        return True
    line_start = buffer.rfind("\n", 0, mark.index) + 1
    return buffer[line_start : mark.index].strip(" \t") == ""


def _yaml_problem(error: MarkedYAMLError, name: str) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = str(error.problem or error.context or "invalid YAML")
    if "'\\t'" in problem:
        if _in_indentation(error, column):
            return problem_at(
                name, line, column, "a tab is used for indentation", "indent with spaces only"
            )
        return problem_at(name, line, column, "a tab character is not allowed here", "use spaces")
    if error.__class__.__name__ == "DuplicateKeyError":
        key = problem.split('"')[1] if '"' in problem else "?"
        first = error.context_mark.line + 1 if error.context_mark else line
        return problem_at(
            name,
            line,
            column,
            f"duplicate key `{key}` (the mapping starts at line {first})",
            "each key may appear once per mapping; remove or merge the duplicate",
        )
    context = f" ({error.context})" if error.context and error.problem else ""
    return problem_at(name, line, column, f"invalid YAML: {problem}{context}")
