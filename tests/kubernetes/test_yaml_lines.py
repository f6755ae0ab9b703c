"""The YAML layout of generated data files reads back as exactly the data, whatever the values."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.render import environment
from compiler.serialize import lines

scalars = st.one_of(st.text(), st.integers(), st.booleans())
keys = st.text(min_size=1)
data = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def _render(value: dict) -> str:
    return environment("gitops").get_template("documents.yaml.j2").render(documents=[lines(value)])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, data, max_size=5))
def test_documents_read_back_as_the_data(value: dict) -> None:
    assert yaml.safe_load(_render(value)) == (value or None)


def test_several_documents_are_separated() -> None:
    text = (
        environment("kustomize")
        .get_template("documents.yaml.j2")
        .render(documents=[lines({"a": 1}), lines({"b": [{"c": {}}]})])
    )
    assert list(yaml.safe_load_all(text)) == [{"a": 1}, {"b": [{"c": {}}]}]
