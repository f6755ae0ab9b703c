"""Validate raw documents into typed projects: envelope, secrets, schema, model, rules.

Every document is checked as far as it can be and every problem is kept, so one
run reports them all.  A document that fails the schema is not handed to the
models; the cross-document rules see only documents that passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pydantic

from compiler.errors import Diagnostic
from compiler.spec import rules
from compiler.spec.expressions import find_pipeline_expressions
from compiler.spec.hints import did_you_mean
from compiler.spec.load import RawDocument
from compiler.spec.locate import format_path
from compiler.spec.models.documents import API_VERSION, KINDS, Project, Tenant
from compiler.spec.schema import describe, schema_diagnostics
from compiler.spec.secrets import find_literal_secrets
from compiler.spec.source import ProjectSource
from compiler.spec.tenant import TenantSource, merge

SECRET_HINT = (
    "store the value in Key Vault and reference it: "
    "`secrets: [{env: NAME, secret: <key-vault-secret-name>}]`"
)


@dataclass(frozen=True)
class Spec:
    """Every valid project, sorted by tenant and name, with the files they came from."""

    projects: tuple[ProjectSource, ...]
    files: tuple[str, ...]

    def find_project(self, tenant: str, name: str) -> ProjectSource | None:
        return next((p for p in self.projects if (p.tenant, p.name) == (tenant, name)), None)

    @property
    def tenants(self) -> tuple[str, ...]:
        return tuple(sorted({p.tenant for p in self.projects}))


Trusted = frozenset[tuple[str, str]]
"""(spec file, sha256) pairs this shipspec version already compiled successfully."""


def validate_documents(
    documents: Sequence[RawDocument],
    trusted: Trusted = frozenset(),
    checked: frozenset[str] = frozenset(),
) -> tuple[list[ProjectSource], list[Diagnostic]]:
    """Validate every document, then the rules across them.

    Documents of a file in `trusted` skip the JSON Schema pass (the slowest): the
    file's exact bytes passed it before.  Documents of a file in `checked` (served by
    the spec cache: these bytes passed every check of one document with this code) skip
    the envelope, secret, expression and schema checks, whose results on the same data
    cannot differ.  The models and every rule across documents always run.
    """
    projects: list[ProjectSource] = []
    tenants: list[TenantSource] = []
    diagnostics: list[Diagnostic] = []
    for document in documents:
        if document.file in checked:
            found, source = [], _model(document)
        else:
            found, source = validate_document(
                document, (document.file, document.file_sha256) in trusted
            )
        diagnostics.extend(found)
        if isinstance(source, TenantSource):
            tenants.append(source)
        elif source is not None:
            projects.append(source)
    sources, inherited = merge(projects, tenants)
    sources.sort(key=lambda s: (s.tenant, s.name, s.file, s.document.index))
    diagnostics.extend(inherited)
    diagnostics.extend(rules.check(sources))
    return sources, diagnostics


def validate_document(
    document: RawDocument, trusted: bool = False
) -> tuple[list[Diagnostic], ProjectSource | TenantSource | None]:
    envelope = envelope_diagnostics(document)
    if envelope:
        return envelope, None
    secrets = secret_diagnostics(document) + expression_diagnostics(document)
    secret_paths = {d.path for d in secrets}
    schema = [] if trusted else schema_diagnostics(document)
    structural = [d for d in schema if d.path not in secret_paths]
    if secrets or structural:
        return secrets + structural, None
    try:
        return [], _model(document)
    except pydantic.ValidationError as error:
        return model_diagnostics(error, document), None


def _model(document: RawDocument) -> ProjectSource | TenantSource:
    model = KINDS[document.data["kind"]].model_validate(document.data)
    if isinstance(model, Tenant):
        return TenantSource(model, document)
    assert isinstance(model, Project)
    return ProjectSource(model, document)


def envelope_diagnostics(document: RawDocument) -> list[Diagnostic]:
    """apiVersion and kind decide how the rest is read, so they are checked first."""
    data = document.data
    problems = []
    if "apiVersion" not in data:
        problems.append(
            _problem(document, [], "missing `apiVersion`", f"add `apiVersion: {API_VERSION}`")
        )
    elif data["apiVersion"] != API_VERSION:
        problems.append(
            _problem(
                document,
                ["apiVersion"],
                f"unsupported apiVersion {describe(data['apiVersion'])}",
                f"this shipspec reads `apiVersion: {API_VERSION}`",
            )
        )
    if "kind" not in data:
        problems.append(
            _problem(document, [], "missing `kind`", f"add `kind:` one of {', '.join(KINDS)}")
        )
    elif data["kind"] not in KINDS:
        kinds = sorted(KINDS)
        hint = did_you_mean(str(data["kind"]), kinds) or f"known kinds: {', '.join(kinds)}"
        problems.append(
            _problem(document, ["kind"], f"unknown kind {describe(data['kind'])}", hint)
        )
    return problems


def secret_diagnostics(document: RawDocument) -> list[Diagnostic]:
    return [
        _problem(document, list(path), f"{reason}; specs must not hold secrets", SECRET_HINT)
        for path, reason in find_literal_secrets(document.data)
    ]


def expression_diagnostics(document: RawDocument) -> list[Diagnostic]:
    return [
        _problem(
            document,
            list(path),
            "Azure Pipelines expressions (`$(...)`, `${{ ... }}`, `$[ ... ]`) are not allowed in spec values",
            "write the literal value; pipelines get their variables from shipspec, not from specs",
        )
        for path in find_pipeline_expressions(document.data)
    ]


def model_diagnostics(error: pydantic.ValidationError, document: RawDocument) -> list[Diagnostic]:
    """Pydantic errors after the schema passed: rare, but still located and readable."""
    found = []
    for item in error.errors(include_url=False, include_input=False):
        path = data_path(document.data, item["loc"])
        found.append(_problem(document, path, str(item["msg"])))
    return found


def data_path(data: object, loc: Sequence[str | int]) -> list[str | int]:
    """A pydantic location without the union tags it inserts (`modules[0].microservice.x`).

    >>> data_path({"m": [{"type": "worker", "x": 1}]}, ("m", 0, "worker", "x"))
    ['m', 0, 'x']
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if (
            isinstance(node, dict)
            and part not in node
            and part in (node.get("type"), node.get("kind"))
        ):
            continue
        path.append(part)
        node = node[part] if isinstance(node, dict | list) and _has(node, part) else None
    return path


def _has(node: dict[str, object] | list[object], part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def _problem(
    document: RawDocument, path: list[str | int], message: str, hint: str = ""
) -> Diagnostic:
    return Diagnostic(document.span(path), format_path(path), message, hint)
