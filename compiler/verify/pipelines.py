"""Verify Azure Pipelines YAML against the official schema (azure-pipelines-vscode's).

Which files: every `azure-pipelines.yml` in a generated tree and every YAML file of a
tenant's pipeline-templates repository.  How: load with the C-accelerated safe loader,
turn scalars into strings the way Azure DevOps reads them (task `inputs` keep their
YAML types, as the schema expects), splice template directives (`${{ if }}`,
`${{ each }}`) into place so that every branch is checked, then validate.

What the schema cannot check (see tests/pipelines for the checks that cover it):
stage and job names being unique, `dependsOn` naming an earlier stage, template
references resolving to a file with the parameters it declares, expressions being
well formed, and service connections, environments or variable groups existing.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import jsonschema
import yaml

from compiler.layout import PIPELINE_FILE, TEMPLATES_REPOSITORY
from compiler.schemas import schema_file

if TYPE_CHECKING:
    from compiler.verify import Finding

SCHEMA_FILE = "azure-pipelines.schema.json"

_DIRECTIVE = re.compile(r"^\$\{\{.*\}\}$", re.DOTALL)


def schema_path() -> Traversable:
    """The official schema, vendored into the package (compiler/schemas/)."""
    return schema_file(SCHEMA_FILE)


@functools.cache
def pipeline_validator(path: Traversable | None = None) -> jsonschema.protocols.Validator:
    """Build the validator once per process (about 0.3 s); validating a file is ~90 ms."""
    schema = json.loads((path or schema_path()).read_text(encoding="utf-8"))
    schema["definitions"]["task"]["anyOf"].extend(TASK_SUPPLEMENTS)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


TASK_SUPPLEMENTS = (
    {
        "properties": {
            "task": {"pattern": "^PublishCodeCoverageResults@2$"},
            "inputs": {
                "properties": {
                    "summaryFileLocation": {"type": "string"},
                    "pathToSources": {"type": "string"},
                    "failIfCoverageEmpty": {"type": "boolean"},
                },
                "additionalProperties": False,
                "required": ["summaryFileLocation"],
            },
        },
        "required": ["task", "inputs"],
    },
)
"""Tasks the vendored schema names in its task list but gives no inputs for, with the inputs
their task reference documents (PublishCodeCoverageResults@2: learn.microsoft.com)."""


class PipelinesChecker:
    name = "pipelines"

    def check(self, root: Path, folder: Path | None = None) -> Iterator[Finding]:
        from compiler.verify import Finding

        files = sorted(pipeline_files(root, folder or root))
        if not files:
            return
        schema = schema_path()
        if not schema.is_file():
            yield Finding(
                schema.as_posix(),
                "",
                f"the Azure Pipelines schema is missing, so {len(files)} pipeline file(s) "
                "were not validated; reinstall shipspec (the schema is package data)",
            )
            return
        validator = pipeline_validator(schema)
        for file in files:
            relative = file.relative_to(root).as_posix()
            for where, message in validate_file(file, validator):
                yield Finding(relative, where, message)


def pipeline_files(root: Path, folder: Path | None = None) -> Iterable[Path]:
    """Pipelines anywhere under `folder` (default `root`), plus every YAML file of a
    pipeline-templates repository."""
    for path in (folder or root).rglob("*"):
        if not path.is_file() or path.suffix not in {".yml", ".yaml"}:
            continue
        parts = path.relative_to(root).parts
        if path.name == PIPELINE_FILE or TEMPLATES_REPOSITORY in parts[:-1]:
            yield path


def validate_file(
    path: Path, validator: jsonschema.protocols.Validator
) -> Iterator[tuple[str, str]]:
    """(object path, message) for every problem; nothing when the file is valid."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        yield "", f"not valid YAML: {error}"
        return
    yield from validate_document(document, validator)


def validate_document(
    document: Any, validator: jsonschema.protocols.Validator
) -> Iterator[tuple[str, str]]:
    instance = as_azure_reads_it(expand_directives(document))
    leaves = [leaf for error in validator.iter_errors(instance) for leaf in most_specific(error)]
    seen = set()
    for leaf in sorted(leaves, key=lambda e: [str(p) for p in e.absolute_path]):
        found = (_json_path(leaf.absolute_path), _message(leaf))
        if found not in seen:
            seen.add(found)
            yield found


# --- preparing a document ----------------------------------------------------------------------


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def expand_directives(node: Any) -> Any:
    """Splice `${{ ... }}` directive bodies into place, without evaluating them.

    >>> expand_directives({"steps": [{"${{ if true }}": [{"script": "a"}]}, {"script": "b"}]})
    {'steps': [{'script': 'a'}, {'script': 'b'}]}
    >>> expand_directives({"a": 1, "${{ if true }}": {"b": 2}})
    {'a': 1, 'b': 2}
    """
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            body = _directive_body(item)
            if body is None:
                out.append(expand_directives(item))
            elif isinstance(body, list):
                out.extend(expand_directives(body))
            else:
                out.append(expand_directives(body))
        return out
    if isinstance(node, dict):
        merged: dict[Any, Any] = {}
        for key, value in node.items():
            if isinstance(key, str) and _DIRECTIVE.match(key) and isinstance(value, dict):
                merged.update(expand_directives(value))
            else:
                merged[key] = expand_directives(value)
        return merged
    return node


def _directive_body(item: Any) -> Any:
    if isinstance(item, dict) and len(item) == 1:
        key, value = next(iter(item.items()))
        if isinstance(key, str) and _DIRECTIVE.match(key) and isinstance(value, list | dict):
            return value
    return None


def as_azure_reads_it(node: Any, *, typed: bool = False) -> Any:
    """Scalars as strings (`true` -> "true", `30` -> "30"), except under a task's `inputs`.

    >>> as_azure_reads_it({"timeoutInMinutes": 30, "task": "X@1", "inputs": {"a": True}})
    {'timeoutInMinutes': '30', 'task': 'X@1', 'inputs': {'a': True}}
    """
    if isinstance(node, dict):
        is_task = "task" in node
        return {
            str(key): as_azure_reads_it(value, typed=typed or (is_task and key == "inputs"))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [as_azure_reads_it(item, typed=typed) for item in node]
    if typed:
        return node
    if isinstance(node, bool):
        return "true" if node else "false"
    if node is None:
        return ""
    return str(node)


# --- reporting -----------------------------------------------------------------------------------


def most_specific(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The errors that explain an `anyOf` failure: those of the alternative that got furthest.

    The official schema is mostly `anyOf` (a step is one of ~200 task shapes), so the
    top error says little; the alternative whose errors lie deepest in the document is
    the one the author meant (e.g. `Docker@2` with a bad input), and its errors are kept.
    """
    if not error.context:
        return [error]
    variants: dict[Any, list[jsonschema.ValidationError]] = {}
    for child in error.context:
        variants.setdefault(child.relative_schema_path[0], []).append(child)
    chosen = max(variants.values(), key=_reach)
    return [leaf for child in chosen for leaf in most_specific(child)]


def _reach(errors: list[jsonschema.ValidationError]) -> tuple[int, int]:
    """Prefer the alternative whose discriminator (`task:` name) matched, then the deepest."""
    leaves = [leaf for error in errors for leaf in _leaves(error)]
    wrong_task = any(list(error.relative_path) == ["task"] for error in errors)
    return (not wrong_task, max(len(leaf.absolute_path) for leaf in leaves))


def _leaves(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    if not error.context:
        yield error
    for child in error.context:
        yield from _leaves(child)


def _json_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error: jsonschema.ValidationError) -> str:
    text = error.message
    return text if len(text) <= 300 else text[:297] + "..."


def is_template_file(path: str) -> bool:
    """A file of the pipeline-templates repository (as opposed to a module pipeline)."""
    return TEMPLATES_REPOSITORY in PurePosixPath(path).parts[:-1]
