"""Pipeline-owned edits of a GitOps checkout beside the image pin: identity ids and chart revisions.

The infra pipeline's `up_<env>` stage calls this after `pulumi up`
(`shipspec gitops set-outputs --repo DIR --env ENV --stack-outputs FILE --tenant-id ID`,
FILE being `pulumi stack output --json`).  For every module deployed in the
environment it edits the two lines of `outputs.yaml` (`clientId:`, `tenantId:`) and
keeps every other byte; running it again with the same outputs changes nothing.  The
files are scaffold (created once by compile, never rewritten by it), like the image
pins, and the chart (Helm value files) or the overlay (Kustomize replacements) reads
them into the ServiceAccount and every SecretProviderClass.

The stack output of a module is named by the one function the Pulumi program's names
come from (:func:`compiler.resolve.identifiers.stack_output`), so the two cannot drift.

The deploy stage also moves the chart revision an environment runs
(`set-image ... --revision COMMIT`, :func:`set_revision`): one `revision:` line of the
module's `revision.yaml`, which the Argo CD Application or the Flux GitRepository of
that environment reads, so a chart change reaches an environment only by a promotion.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compiler.errors import UsageError
from compiler.gitops_image import ImagePinError, environment_modules, write_atomically
from compiler.layout import OUTPUTS_FILE, outputs_file, revision_file
from compiler.resolve.identifiers import stack_output

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
KEYS = ("clientId", "tenantId")
_LINE = (
    r"^(?P<head>[ \t]*{key}:[ \t]*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s#]*)(?P<tail>[ \t]*(?:#.*)?)$"
)


class OutputsError(ImagePinError):
    """The stack outputs or the GitOps checkout do not hold what the identity wire needs."""


@dataclass(frozen=True)
class ModuleOutputs:
    module: str
    file: str
    client_id: str
    changed: bool


@dataclass(frozen=True)
class SetOutputsResult:
    environment: str
    tenant_id: str
    modules: tuple[ModuleOutputs, ...]

    @property
    def changed(self) -> bool:
        return any(m.changed for m in self.modules)

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "tenantId": self.tenant_id,
            "changed": self.changed,
            "modules": [
                {"module": m.module, "file": m.file, "clientId": m.client_id, "changed": m.changed}
                for m in self.modules
            ],
        }


def read_stack_outputs(path: Path) -> dict[str, Any]:
    """`pulumi stack output --json`, as a mapping; a clear error when it is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UsageError(
            f"cannot read the stack outputs {path.as_posix()}: {error}",
            hint="pass the file `pulumi stack output --json` wrote",
        ) from None
    if not isinstance(document, dict):
        raise OutputsError(f"{path.as_posix()} is not a JSON object of stack outputs")
    return document


def set_outputs(
    repo: Path, environment: str, outputs: dict[str, Any], tenant_id: str
) -> SetOutputsResult:
    """Write each module's client id and the tenant id into the environment's outputs files."""
    _check_guid("--tenant-id", tenant_id)
    if not repo.is_dir():
        raise UsageError(
            f"{repo.as_posix()} is not a folder", hint="pass the GitOps repository checkout"
        )
    manifests, modules = environment_modules(repo, environment, OUTPUTS_FILE)
    planned = [(m, _client_id(outputs, m)) for m in modules]
    results = []
    for module, client_id in planned:
        relative = outputs_file(manifests, environment, module)
        changed = edit_lines(
            repo / relative, relative, {"clientId": client_id, "tenantId": tenant_id}
        )
        results.append(ModuleOutputs(module, relative, client_id, changed))
    return SetOutputsResult(environment, tenant_id, tuple(results))


def _client_id(outputs: dict[str, Any], module: str) -> str:
    name = stack_output(module, "IdentityClientId")
    value = outputs.get(name)
    if not isinstance(value, str):
        raise OutputsError(
            f"the stack outputs have no {name} for module {module!r}",
            hint="run `pulumi up` for this environment first; its program exports one per module",
        )
    _check_guid(name, value)
    return value


def _check_guid(what: str, value: str) -> None:
    if not GUID.fullmatch(value):
        raise OutputsError(
            f"{what} is not an Entra id: {value[:40]!r}",
            hint="ids are lowercase GUIDs (8-4-4-4-12 hex digits)",
        )


def edit_lines(path: Path, relative: str, wanted: dict[str, str]) -> bool:
    """Set each key's one line to its value; True when the file changed (pipeline-owned files)."""
    text = path.read_bytes().decode("utf-8")
    lines = text.splitlines(keepends=True)
    for key, value in wanted.items():
        index, match = _line(lines, key, relative)
        if _unquote(match.group("value")) == value:
            continue
        ending = lines[index][len(lines[index].rstrip("\r\n")) :]
        lines[index] = f'{match.group("head")}"{value}"{match.group("tail")}{ending}'
    updated = "".join(lines)
    if updated == text:
        return False
    _check_only_keys_changed(text, updated, relative, wanted)
    write_atomically(path, updated.encode("utf-8"))
    return True


def _line(lines: list[str], key: str, relative: str) -> tuple[int, re.Match[str]]:
    pattern = re.compile(_LINE.format(key=key))
    found = [(i, m) for i, line in enumerate(lines) if (m := pattern.match(line.rstrip("\r\n")))]
    if len(found) != 1:
        raise OutputsError(
            f"{relative} must hold exactly one `{key}:` line, found {len(found)}",
            hint="restore the file from the generated tree (it is scaffold: delete it and recompile/publish)",
        )
    return found[0]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _holder(document: Any, keys: Any) -> dict[str, Any] | None:
    """The mapping holding the keys, in either layout (values file or local ConfigMap)."""
    if not isinstance(document, dict):
        return None
    for key in ("workloadIdentity", "data"):
        holder = document.get(key)
        if isinstance(holder, dict) and all(k in holder for k in keys):
            return holder
    return None


def _check_only_keys_changed(
    before: str, after: str, relative: str, wanted: dict[str, str]
) -> None:
    try:
        old, new = yaml.safe_load(before), yaml.safe_load(after)
    except yaml.YAMLError as error:
        raise OutputsError(f"{relative} is not valid YAML: {error}") from None
    holder = _holder(old, wanted)
    keys = "/".join(f"`{key}:`" for key in wanted)
    if holder is None:
        raise OutputsError(f"{relative} has no {keys} where shipspec puts them")
    holder.update(wanted)
    if old != new:
        raise OutputsError(f"{relative}: the {keys} lines are not shipspec's")


# --- chart revisions -------------------------------------------------------------------------------

COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def set_revision(repo: Path, environment: str, module: str, revision: str) -> tuple[str, bool]:
    """Pin the module repository commit whose chart `module` runs in `environment`.

    Returns (file, changed); file is empty in the Kustomize layout, whose base lives in
    the GitOps repository itself (the promotion commit is its revision).
    """
    if not COMMIT.fullmatch(revision):
        raise OutputsError(
            f"{revision[:50]!r} is not a commit id",
            hint="pass the full commit the image was built from ($(Build.SourceVersion))",
        )
    for engine in ("argocd", "flux"):
        relative = revision_file(engine, environment, module)
        if (repo / relative).is_file():
            return relative, edit_lines(repo / relative, relative, {"revision": revision})
    return "", False
