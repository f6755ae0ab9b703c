"""Typed template contexts: a context is exactly its fields, and a template that reads a
name its context does not declare fails the render instead of printing nothing."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass

import jinja2
import pytest

from compiler.contexts import TemplateContext
from compiler.pipeline import resolve_specs
from compiler.targets.repo.context import RepositoryContext, module_context
from tests.conftest import ROOT, SPECS


@dataclass(frozen=True)
class Greeting(TemplateContext):
    name: str
    punctuation: str = "!"


def test_a_context_unpacks_into_exactly_its_fields() -> None:
    greeting = Greeting("payments")
    assert dict(greeting) == {"name": "payments", "punctuation": "!"}
    assert len(greeting) == 2 and "name" in greeting and "other" not in greeting
    with pytest.raises(KeyError):
        greeting["other"]
    with pytest.raises(FrozenInstanceError):
        greeting.name = "x"  # type: ignore[misc]


def test_a_template_reading_an_undeclared_name_fails() -> None:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    assert env.from_string("{{ name }}{{ punctuation }}").render(**Greeting("hi")) == "hi!"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ nmae }}").render(**Greeting("hi"))


def test_every_module_of_the_examples_gets_a_typed_repository_context() -> None:
    estate = resolve_specs([SPECS], base=ROOT)
    contexts = [module_context(p, m) for p in estate.projects for m in p.modules]
    assert contexts and all(isinstance(c, RepositoryContext) for c in contexts)
    for context in contexts:
        assert (context.container is None) == (
            context.module.type not in ("microservice", "worker")
        )
        assert context.repository["name"] == context.module.repository
