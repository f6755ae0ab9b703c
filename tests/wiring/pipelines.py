"""What Azure DevOps runs for a generated pipeline: templates expanded, parameters filled in.

A `mode: templates` pipeline `extends:` a file of the tenant's pipeline-templates
repository; Azure DevOps expands it at queue time.  `expanded_stages` does the same
for the subset of template syntax shipspec's templates use (`extends`, `template:`
references with `parameters`, `${{ parameters.x }}`, `${{ environment.x }}`,
`${{ each environment in parameters.<list> }}` and `${{ if eq|ne(parameters.x, '') }}`),
so the wiring tests read one shape of stages and steps for both modes.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

import yaml

_EXPRESSION = re.compile(r"\$\{\{ (parameters|environment)\.([A-Za-z_][A-Za-z0-9_]*) \}\}")
_EACH = re.compile(r"^\$\{\{ each environment in parameters\.([A-Za-z_]+) \}\}$")
_IF = re.compile(r"^\$\{\{ if (eq|ne)\(parameters\.([A-Za-z_]+), '([^']*)'\) \}\}$")


def pipeline_stages(repository: Path, templates: Path) -> list[dict[str, Any]]:
    """The stages of `<repository>/azure-pipelines.yml` as Azure DevOps would queue them."""
    document = yaml.safe_load((repository / "azure-pipelines.yml").read_text())
    if "extends" not in document:
        return document["stages"]
    extends = document["extends"]
    path = extends["template"].removesuffix("@templates")
    return _file(templates, path, extends.get("parameters") or {})


def _file(templates: Path, path: str, given: dict[str, Any]) -> list[dict[str, Any]]:
    document = yaml.safe_load((templates / path).read_text())
    parameters = {p["name"]: p.get("default") for p in document.get("parameters", ())}
    parameters.update(given)
    key = "stages" if "stages" in document else "steps"
    return _list(document[key], templates, path, {"parameters": parameters})


def _list(items: list[Any], templates: Path, path: str, scope: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        single = isinstance(item, dict) and len(item) == 1
        each = _EACH.match(next(iter(item))) if single else None
        condition = _IF.match(next(iter(item))) if single else None
        if condition:
            test, name, literal = condition.groups()
            if (scope["parameters"][name] == literal) == (test == "eq"):
                out += _list(next(iter(item.values())), templates, path, scope)
        elif each:
            for entry in scope["parameters"][each.group(1)] or ():
                body = next(iter(item.values()))
                out += _list(body, templates, path, {**scope, "environment": entry})
        elif (
            isinstance(item, dict)
            and set(item) <= {"template", "parameters"}
            and "template" in item
        ):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), item["template"]))
            given = _value(item.get("parameters") or {}, templates, path, scope)
            out += _file(templates, target, given)
        else:
            out.append(_value(item, templates, path, scope))
    return out


def _value(node: Any, templates: Path, path: str, scope: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        return {key: _value(value, templates, path, scope) for key, value in node.items()}
    if isinstance(node, list):
        return _list(node, templates, path, scope)
    if not isinstance(node, str):
        return node
    whole = _EXPRESSION.fullmatch(node)
    if whole:
        return scope[whole.group(1)][whole.group(2)]
    return _EXPRESSION.sub(lambda m: str(scope[m.group(1)][m.group(2)]), node)


def steps_of(stage: dict[str, Any]) -> list[dict[str, Any]]:
    """Every step of every job of a stage (deployment jobs' runOnce deploy steps included)."""
    steps: list[dict[str, Any]] = []
    for job in stage["jobs"]:
        steps += job.get("steps") or job["strategy"]["runOnce"]["deploy"]["steps"]
    return steps


def estate_pipelines(compiled):  # type: ignore[no-untyped-def]
    """(project, repository, module or None, expanded stages) of every generated pipeline."""
    for project in compiled.estate.projects:
        folder = compiled.folder(project)
        templates = compiled.templates(project)
        for module in project.modules:
            if module.type != "infrastructure":
                yield (
                    project,
                    module.repository,
                    module,
                    pipeline_stages(folder / module.repository, templates),
                )
        if project.has_infrastructure:
            repository = project.infra_repository
            yield project, repository, None, pipeline_stages(folder / repository, templates)


def preflight_env(stage: dict[str, Any]) -> dict[str, str]:
    """The env of the stage's preflight step (the first job's AzureCLI@2 step)."""
    job = stage["jobs"][0]
    assert job["job"] == "preflight", stage["stage"]
    (step,) = [s for s in job["steps"] if s.get("task") == "AzureCLI@2"]
    return step["env"]


def readme_table(readme: Path, heading: str) -> list[dict[str, str]]:
    """The rows of the first table under `## <heading>` of a generated README, unescaped."""
    lines = readme.read_text().splitlines()
    start = lines.index(f"## {heading}")
    rows = [line for line in lines[start:] if line.startswith("|")]
    block: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            block.append(line)
        elif block:
            break
    del rows
    header = _cells(block[0])
    return [dict(zip(header, _cells(line), strict=True)) for line in block[2:]]


def _cells(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [_unescape(cell.strip()).strip("`") for cell in cells]


def _unescape(text: str) -> str:
    text = re.sub(r"\\([\\`*_\[\]#|!~])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
