"""Small helpers that turn a mistake into a suggestion."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """A "did you mean" hint for the closest choice, or "" when nothing is close.

    >>> did_you_mean("replcas", ["replicas", "resources"])
    'did you mean `replicas`?'
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else ""


def modules_phrase(names: list[str], singular_verb: str, plural_verb: str) -> str:
    """`module `a` deploys` or `modules `a`, `b` and 2 more deploy`."""
    shown = ", ".join(f"`{name}`" for name in names[:3])
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    if len(names) == 1:
        return f"module {shown} {singular_verb}"
    return f"modules {shown}{more} {plural_verb}"


def count_phrase(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"
