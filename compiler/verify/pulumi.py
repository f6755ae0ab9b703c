"""Verify Pulumi projects and C# programs: the checks `shipspec verify` and the tests run.

- every `.cs` file parses with tree-sitter-c-sharp without an ERROR or MISSING node;
- every `Pulumi.yaml` validates against the Pulumi project schema
  (`compiler/schemas/pulumi-project.schema.json`, vendored);
- every `.csproj` is well-formed XML and references the pinned Pulumi packages;
- every `Pulumi.<stack>.yaml` is YAML whose config keys are namespaced (`ns:key`).

A missing parser or schema is a finding that says what to install, never a silent skip.
"""

from __future__ import annotations

import functools
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

if TYPE_CHECKING:
    from compiler.verify import Finding

REQUIRED_PACKAGES = ("Pulumi", "Pulumi.AzureNative", "Pulumi.Random")
SCHEMA_NAME = "pulumi-project.schema.json"


def schemas_root() -> Traversable:
    """The vendored schemas (package data of compiler.schemas)."""
    return resources.files("compiler.schemas")


class PulumiChecker:
    name = "pulumi"

    def check(self, root: Path, folder: Path | None = None) -> Iterator[Finding]:
        for project in sorted((folder or root).rglob("Pulumi.yaml")):
            yield from check_project(project.parent, root)


def check_project(folder: Path, root: Path) -> Iterator[Finding]:
    """Every finding for one Pulumi project folder."""
    yield from check_project_file(folder / "Pulumi.yaml", root)
    for stack in sorted(folder.glob("Pulumi.*.yaml")):
        yield from check_stack_file(stack, root)
    for project_file in sorted(folder.glob("*.csproj")):
        yield from check_csproj(project_file, root)
    for source in sorted(folder.rglob("*.cs")):
        if not {"bin", "obj"} & set(source.relative_to(folder).parts):
            yield from check_csharp(source, root)


def _finding(path: Path, root: Path, message: str, obj: str = "") -> Finding:
    from compiler.verify import Finding

    return Finding(_relative(path, root), obj, message)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- C# --------------------------------------------------------------------------------------------


@functools.cache
def _csharp_parser() -> Any:
    """The tree-sitter C# parser, or None when the packages are missing."""
    try:
        import tree_sitter
        import tree_sitter_c_sharp
    except ImportError:
        return None
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c_sharp.language()))


def csharp_problems(source: bytes) -> list[str]:
    """Where the C# text does not parse: one line per ERROR or MISSING node.

    >>> csharp_problems(b"class A { void M() { } }")
    []
    >>> csharp_problems(b"class A { void M( { } }")[0].startswith("line 1")
    True
    """
    parser = _csharp_parser()
    if parser is None:
        raise ModuleNotFoundError("tree_sitter_c_sharp")
    tree = parser.parse(source)
    problems: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            row, column = node.start_point
            what = f"missing {node.type}" if node.is_missing else "syntax error"
            problems.append(f"line {row + 1}, column {column + 1}: {what}")
        elif node.has_error:
            stack.extend(node.children)
    return sorted(problems, key=lambda p: [int(x) for x in p.split(":")[0][5:].split(", column ")])


def check_csharp(path: Path, root: Path) -> Iterator[Finding]:
    try:
        problems = csharp_problems(path.read_bytes())
    except ModuleNotFoundError:
        yield _finding(
            path,
            root,
            "cannot parse C#: tree-sitter-c-sharp is not installed "
            "(pip install 'shipspec[verify]', or pip install tree-sitter tree-sitter-c-sharp)",
        )
        return
    for problem in problems:
        yield _finding(path, root, f"C# does not parse at {problem}")


# --- Pulumi.yaml -----------------------------------------------------------------------------------


@functools.cache
def _project_validator() -> Any:
    import jsonschema

    path = schemas_root() / SCHEMA_NAME
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def check_project_file(path: Path, root: Path) -> Iterator[Finding]:
    document = _load_yaml(path, root)
    if isinstance(document, list):
        yield from document
        return
    validator = _project_validator()
    if validator is None:
        yield _finding(
            path,
            root,
            f"cannot validate: {SCHEMA_NAME} not found under {schemas_root()} "
            "(reinstall shipspec: the schemas are package data)",
        )
        return
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        yield _finding(path, root, f"Pulumi.yaml schema: {where}: {error.message}")
    if isinstance(document, dict) and document.get("runtime") != "dotnet":
        yield _finding(path, root, "runtime is not dotnet")


def _load_yaml(path: Path, root: Path) -> Any:
    """The YAML document, or a list holding the finding that says why it does not load."""
    try:
        return _yaml().load(path.read_text(encoding="utf-8"))
    except (YAMLError, UnicodeDecodeError) as error:
        return [_finding(path, root, f"not valid YAML: {error}")]


@functools.cache
def _yaml() -> YAML:
    return YAML(typ="safe", pure=False)


# --- Pulumi.<stack>.yaml ---------------------------------------------------------------------------


def check_stack_file(path: Path, root: Path) -> Iterator[Finding]:
    document = _load_yaml(path, root)
    if isinstance(document, list):
        yield from document
        return
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        yield _finding(path, root, "stack file has no `config:` mapping")
        return
    for key in sorted(config, key=str):
        namespace, _, name = str(key).partition(":")
        if not namespace or not name:
            yield _finding(
                path, root, f"config key `{key}` is not namespaced (`<namespace>:<key>`)"
            )


# --- .csproj ---------------------------------------------------------------------------------------


def check_csproj(path: Path, root: Path) -> Iterator[Finding]:
    try:
        tree = ElementTree.fromstring(path.read_bytes())
    except ElementTree.ParseError as error:
        yield _finding(path, root, f"not well-formed XML: {error}")
        return
    references = {
        element.get("Include"): element.get("Version") for element in tree.iter("PackageReference")
    }
    for package in REQUIRED_PACKAGES:
        if package not in references:
            yield _finding(path, root, f"no PackageReference to {package}")
        elif not references[package] or any(c in references[package] for c in "*[("):
            yield _finding(path, root, f"{package} is not pinned to one version")
    if tree.findtext("PropertyGroup/TargetFramework") is None:
        yield _finding(path, root, "no TargetFramework")
