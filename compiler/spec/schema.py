"""The JSON Schema of the spec language, exported from the models, and its error messages.

`shipspec schema` prints it for editors; :func:`schema_diagnostics` validates raw
documents with it before the models run, so the two can never disagree unnoticed.
Pydantic's export is adjusted so that editors and validators both give precise
answers:

* a discriminated union (`oneOf` + `discriminator`) becomes an `enum` on the tag
  plus one `if`/`then` per variant, so an error points into the variant the user
  meant instead of listing why every variant failed;
* optional fields lose their `null` branch: `ingress:` with nothing after it is a
  mistake, not a way to say "no ingress";
* maps with constrained keys become `propertyNames` + `additionalProperties`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from compiler.errors import Diagnostic
from compiler.spec.hints import did_you_mean
from compiler.spec.load import RawDocument
from compiler.spec.locate import format_path
from compiler.spec.models.documents import API_VERSION, KINDS
from compiler.spec.models.modules import MODULE_TYPES
from compiler.spec.secrets import secret_kind

SCHEMA_ID = "https://shipspec.dev/schema/v1/spec.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


@functools.cache
def spec_schema() -> dict[str, Any]:
    """The schema for any spec document: the envelope, then one branch per kind."""
    defs: dict[str, Any] = {}
    branches = []
    for kind, model in sorted(KINDS.items()):
        exported = model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(exported.pop("$defs", {}))
        defs[kind] = exported
        branches.append(_variant_branch("kind", kind, f"#/$defs/{kind}"))
    schema = {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "shipspec spec document",
        "description": f"A shipspec document: apiVersion {API_VERSION} and a kind.",
        "type": "object",
        "required": ["apiVersion", "kind"],
        "properties": {"apiVersion": {"const": API_VERSION}, "kind": {"enum": sorted(KINDS)}},
        "allOf": branches,
        "$defs": defs,
    }
    return _simplify(schema)


def schema_json() -> str:
    return json.dumps(spec_schema(), indent=2, sort_keys=True) + "\n"


@functools.cache
def spec_validator() -> jsonschema.protocols.Validator:
    schema = spec_schema()
    base = jsonschema.validators.validator_for(schema)
    base.check_schema(schema)
    strict_types = base.TYPE_CHECKER.redefine("integer", _is_integer)
    cls = jsonschema.validators.extend(base, type_checker=strict_types)
    return cls(schema, format_checker=base.FORMAT_CHECKER)


def _is_integer(checker: object, instance: object) -> bool:
    """JSON Schema counts 8080.0 as an integer; YAML users mean a number, so the models refuse it."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _variant_branch(tag: str, value: str, ref: str) -> dict[str, Any]:
    return {
        "if": {"properties": {tag: {"const": value}}, "required": [tag]},
        "then": {"$ref": ref},
    }


def _simplify(node: Any) -> Any:
    if isinstance(node, list):
        return [_simplify(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _simplify(value) for key, value in node.items()}
    node = _drop_null_branch(node)
    node = _discriminator_to_branches(node)
    node = _pattern_properties_to_names(node)
    node = _anchor_end(node)
    if isinstance(node.get("properties"), dict):
        for prop in node["properties"].values():
            if isinstance(prop, dict):
                prop.pop("title", None)
    return node


def _anchor_end(node: dict[str, Any]) -> dict[str, Any]:
    """`$` also matches before a final newline in Python and some editors; the models do not."""
    pattern = node.get("pattern")
    if isinstance(pattern, str) and pattern.endswith("$") and not pattern.endswith("(?!\\n)$"):
        return {**node, "pattern": pattern[:-1] + "(?!\\n)$"}
    return node


def _drop_null_branch(node: dict[str, Any]) -> dict[str, Any]:
    branches = node.get("anyOf")
    if not isinstance(branches, list) or {"type": "null"} not in branches:
        return node
    rest = [branch for branch in branches if branch != {"type": "null"}]
    merged = {key: value for key, value in node.items() if key not in ("anyOf", "default")}
    if len(rest) == 1:
        return {**rest[0], **merged}
    return {**merged, "anyOf": rest}


def _discriminator_to_branches(node: dict[str, Any]) -> dict[str, Any]:
    discriminator = node.get("discriminator")
    if not discriminator or "oneOf" not in node:
        return node
    tag = discriminator["propertyName"]
    mapping = discriminator["mapping"]
    rest = {key: value for key, value in node.items() if key not in ("oneOf", "discriminator")}
    return {
        **rest,
        "type": "object",
        "required": [tag],
        "properties": {tag: {"enum": sorted(mapping)}},
        "allOf": [_variant_branch(tag, value, ref) for value, ref in sorted(mapping.items())],
    }


def _pattern_properties_to_names(node: dict[str, Any]) -> dict[str, Any]:
    patterns = node.get("patternProperties")
    if not isinstance(patterns, dict) or len(patterns) != 1:
        return node
    ((pattern, value_schema),) = patterns.items()
    names = {**node.get("propertyNames", {}), "pattern": pattern}
    rest = {
        key: value
        for key, value in node.items()
        if key not in ("patternProperties", "propertyNames")
    }
    return {**rest, "propertyNames": names, "additionalProperties": value_schema}


# --- validating raw documents --------------------------------------------------------------------


def schema_diagnostics(document: RawDocument) -> list[Diagnostic]:
    """Every schema violation in one document, translated into a located message."""
    errors = spec_validator().iter_errors(document.data)
    found = [diagnostic for error in errors for diagnostic in _translate(error, document)]
    return _dedupe(found)


def _dedupe(found: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for diagnostic in found:
        key = (diagnostic.span, diagnostic.path, diagnostic.message)
        if key not in seen:
            seen.add(key)
            unique.append(diagnostic)
    return unique


def _translate(error: ValidationError, document: RawDocument) -> Iterator[Diagnostic]:
    path = list(error.absolute_path)
    handler = _HANDLERS.get(str(error.validator), _generic)
    yield from handler(error, path, document)


def _unknown_keys(
    error: ValidationError, path: list[Any], doc: RawDocument
) -> Iterator[Diagnostic]:
    allowed = sorted(error.schema.get("properties", {}))
    extra_schema = error.schema.get("additionalProperties")
    for key in sorted(set(error.instance) - set(allowed)):
        if extra_schema is not False:
            continue
        key_path = [*path, key]
        yield Diagnostic(
            doc.span(key_path, at_key=True),
            format_path(key_path),
            _unknown_key_message(key, path, doc),
            did_you_mean(key, allowed),
        )


def _unknown_key_message(key: str, path: list[Any], doc: RawDocument) -> str:
    module_type = _module_type_at(path, doc)
    if module_type:
        owners = sorted(t for t, model in MODULE_TYPES.items() if key in model.model_fields)
        if owners:
            return f"`{key}` is not allowed on {_article(module_type)} {module_type} module (only on: {', '.join(owners)})"
    return f"unknown key `{key}`"


def _module_type_at(path: list[Any], doc: RawDocument) -> str | None:
    if len(path) == 3 and path[:2] == ["spec", "modules"]:
        module = doc.data["spec"]["modules"][path[2]]
        kind = module.get("type") if isinstance(module, dict) else None
        return kind if isinstance(kind, str) and kind in MODULE_TYPES else None
    return None


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _missing_keys(
    error: ValidationError, path: list[Any], doc: RawDocument
) -> Iterator[Diagnostic]:
    module_type = _module_type_at(path, doc)
    owner = f" for {_article(module_type)} {module_type} module" if module_type else ""
    for key in error.schema.get("required", []):
        if isinstance(error.instance, dict) and key not in error.instance:
            yield Diagnostic(
                doc.span(path), format_path([*path, key]), f"missing required key `{key}`{owner}"
            )


def _wrong_type(error: ValidationError, path: list[Any], doc: RawDocument) -> Iterator[Diagnostic]:
    expected = error.schema.get("type")
    names = [expected] if isinstance(expected, str) else list(expected)
    message = (
        f"expected {_or([_TYPE_NAMES.get(n, n) for n in names])}, got {describe(error.instance)}"
    )
    yield Diagnostic(doc.span(path), format_path(path), message, _type_hint(names, error.instance))


def _any_of(error: ValidationError, path: list[Any], doc: RawDocument) -> Iterator[Diagnostic]:
    branches = error.schema.get("anyOf", [])
    types = [branch.get("type") for branch in branches]
    if all(isinstance(t, str) for t in types):
        message = f"expected {_or([_TYPE_NAMES.get(t, t) for t in types])}, got {describe(error.instance)}"
        yield Diagnostic(doc.span(path), format_path(path), message)
        return
    yield from _generic(error, path, doc)


def _bad_format(error: ValidationError, path: list[Any], doc: RawDocument) -> Iterator[Diagnostic]:
    if "propertyNames" in error.schema_path:
        key_path = [*path, error.instance]
        message = f"`{error.instance}` is not a valid key here"
        yield Diagnostic(
            doc.span(key_path, at_key=True), format_path(key_path), message, _expected(error)
        )
        return
    message = f"{describe(error.instance)} is not valid here"
    yield Diagnostic(doc.span(path), format_path(path), message, _expected(error))


def _expected(error: ValidationError) -> str:
    hint = error.schema.get("x-hint") or error.schema.get("description")
    return (
        f"expected {hint}" if hint else f"expected a value matching {error.schema.get('pattern')}"
    )


def _not_in_enum(error: ValidationError, path: list[Any], doc: RawDocument) -> Iterator[Diagnostic]:
    options = [str(option) for option in error.schema.get("enum", [error.schema.get("const")])]
    message = f"{describe(error.instance)} is not one of: {', '.join(options)}"
    hint = did_you_mean(str(error.instance), options) if isinstance(error.instance, str) else ""
    yield Diagnostic(doc.span(path), format_path(path), message, hint)


def _out_of_range(
    error: ValidationError, path: list[Any], doc: RawDocument
) -> Iterator[Diagnostic]:
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "more than",
        "exclusiveMaximum": "less than",
    }
    limit = error.schema[str(error.validator)]
    message = f"{error.instance} is out of range: must be {bounds[str(error.validator)]} {limit}"
    yield Diagnostic(doc.span(path), format_path(path), message)


def _size(error: ValidationError, path: list[Any], doc: RawDocument) -> Iterator[Diagnostic]:
    limit = error.schema[str(error.validator)]
    words = {
        "minItems": f"needs at least {limit} item{'s' if limit != 1 else ''}",
        "maxItems": f"takes at most {limit} items",
        "minLength": f"needs at least {limit} character{'s' if limit != 1 else ''}",
        "maxLength": f"takes at most {limit} characters",
    }
    yield Diagnostic(doc.span(path), format_path(path), words[str(error.validator)])


def _generic(error: ValidationError, path: list[Any], doc: RawDocument) -> Iterator[Diagnostic]:
    yield Diagnostic(doc.span(path), format_path(path), error.message)


_HANDLERS = {
    "additionalProperties": _unknown_keys,
    "required": _missing_keys,
    "type": _wrong_type,
    "anyOf": _any_of,
    "pattern": _bad_format,
    "enum": _not_in_enum,
    "const": _not_in_enum,
    "minimum": _out_of_range,
    "maximum": _out_of_range,
    "exclusiveMinimum": _out_of_range,
    "exclusiveMaximum": _out_of_range,
    "minItems": _size,
    "maxItems": _size,
    "minLength": _size,
    "maxLength": _size,
}

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str) and secret_kind(value):
        return "a value that looks like a secret (not shown)"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, dict):
        return "a mapping"
    return "a list"


def _type_hint(expected: list[str], value: Any) -> str:
    if "string" in expected and isinstance(value, int | float) and not isinstance(value, bool):
        return f'quote it to make it text: "{value}"'
    if "object" in expected and value is None:
        return "give it keys, or remove it to use the defaults"
    return ""
