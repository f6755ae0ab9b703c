"""The parameter contract of the pipeline-templates repository, read from the templates.

Each template file declares its `parameters:`; this module renders the files once,
reads those declarations back, and checks every template reference against them —
the references module pipelines make (a located compile error naming the module and
file) and the references template files make to each other (a shipspec bug).  This is
the check Azure DevOps would otherwise make only at queue time.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from compiler.render import environment
from compiler.targets.azure_pipelines.values import SHIPSPEC_PACKAGE, VM_IMAGE, Values

FAMILY = "azure-pipelines"

TEMPLATE_FILES = (
    "pipelines/dotnet-library.yml",
    "pipelines/dotnet-service.yml",
    "pipelines/pulumi-infra.yml",
    "stages/container.yml",
    "stages/deploy.yml",
    "stages/dotnet-ci.yml",
    "stages/nuget-publish.yml",
    "stages/pulumi-preview.yml",
    "stages/pulumi.yml",
    "steps/container-image.yml",
    "steps/coverage.yml",
    "steps/dotnet-build.yml",
    "steps/dotnet-restore.yml",
    "steps/dotnet-setup.yml",
    "steps/dotnet-test.yml",
    "steps/nuget-pack-push.yml",
    "steps/preflight.yml",
    "steps/promote-image.yml",
    "steps/publish-outputs.yml",
    "steps/pulumi-setup.yml",
    "steps/pulumi.yml",
)
"""Every file of the pipeline-templates repository that Azure DevOps reads as a template."""

_PARAMETER_USE = re.compile(r"\$\{\{ parameters\.([A-Za-z_][A-Za-z0-9_]*) \}\}")
_ENVIRONMENT_USE = re.compile(r"\$\{\{ environment\.([A-Za-z_][A-Za-z0-9_]*) \}\}")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool
    default: Any = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateFile:
    path: str
    text: str
    summary: str
    parameters: Mapping[str, Parameter]

    @property
    def environment_fields(self) -> frozenset[str]:
        """Fields of `parameters.environments` entries the template reads."""
        return frozenset(_ENVIRONMENT_USE.findall(self.text))


def template_context() -> dict[str, Any]:
    """What every template file is rendered with: expressions, not values (tenant-neutral)."""
    return {
        "v": Values.expressions(),
        "e": Values.expressions("environment"),
        "vm_image": VM_IMAGE,
        "shipspec_package": SHIPSPEC_PACKAGE,
    }


def template_source(path: str) -> str:
    return f"tenant/{path}.j2"


@functools.cache
def template_file(path: str) -> TemplateFile:
    """A template file as rendered, with its declared parameters (cached per process)."""
    text = environment(FAMILY).get_template(template_source(path)).render(**template_context())
    document = yaml.safe_load(text) or {}
    declared = {}
    for entry in document.get("parameters", ()) or ():
        values = tuple(str(value) for value in entry.get("values", ()))
        declared[entry["name"]] = Parameter(
            entry["name"], entry.get("type", "string"), "default" not in entry,
            entry.get("default"), values,
        )  # fmt: skip
    return TemplateFile(path, text, _summary(text), declared)


def _summary(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").strip())
    return " ".join(lines)


# --- checking references ------------------------------------------------------------------------


def reference_problems(template: str, given: Mapping[str, Any]) -> list[str]:
    """Why a reference to `template` with parameters `given` would fail at queue time."""
    if template not in TEMPLATE_FILES:
        return [f"template `{template}` is not a file of the pipeline-templates repository"]
    declared = template_file(template).parameters
    problems = [
        f"`{template}` declares no parameter `{name}`"
        for name in sorted(given)
        if name not in declared
    ]
    problems += [
        f"`{template}` requires parameter `{name}`, which is not passed"
        for name, parameter in sorted(declared.items())
        if parameter.required and name not in given
    ]
    for name, parameter in sorted(declared.items()):
        value = given.get(name)
        if _outside(value, parameter.values):
            problems.append(
                f"`{template}` parameter `{name}` takes {', '.join(parameter.values)}; "
                f"got `{value}`"
            )
    problems += _environment_problems(template, given.get("environments"))
    return problems


def _environment_problems(template: str, environments: Any) -> list[str]:
    fields = template_file(template).environment_fields
    if not fields or not isinstance(environments, list):
        return []
    problems = []
    for index, entry in enumerate(environments):
        missing = sorted(fields - set(entry))
        if missing:
            problems.append(
                f"`{template}` reads `{', '.join(missing)}` of environments[{index}], "
                "which is not passed"
            )
    return problems


def _outside(value: Any, allowed: tuple[str, ...]) -> bool:
    """A literal (not an expression) that the parameter's `values:` list does not allow."""
    literal = isinstance(value, str) and not value.startswith("${{")
    return bool(allowed) and literal and value not in allowed


@functools.cache
def repository_problems() -> tuple[str, ...]:
    """Problems in the references template files make to each other (shipspec's own bugs).

    They depend on shipspec's templates only, so they are found once per process.
    """
    problems: list[str] = []
    for path in TEMPLATE_FILES:
        file = template_file(path)
        for name in sorted(set(_PARAMETER_USE.findall(file.text)) - set(file.parameters)):
            problems.append(f"{path}: uses `parameters.{name}`, which it does not declare")
        for target, given in nested_references(path):
            problems += [f"{path}: {problem}" for problem in reference_problems(target, given)]
    return tuple(problems)


def nested_references(path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(resolved template path, parameters) for each `template:` reference in a file."""
    document = yaml.safe_load(template_file(path).text) or {}
    for reference in _references(document):
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), reference["template"]))
        yield target, reference.get("parameters") or {}


def _references(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("template"), str) and set(node) <= {"template", "parameters"}:
            yield node
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)
