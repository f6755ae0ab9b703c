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
