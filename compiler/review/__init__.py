"""`shipspec review`: what a platform pull request changes, as one comment on it.

The review compares two sides of the platform repository — the pull request's target
branch (a Git ref) and the checkout (specs and generated/ as the pull request leaves
them) — from what shipspec recorded: resolved specs and manifests.  It renders one
Markdown text, printed (`--format markdown`) or kept as the one review thread of
the pull request (:mod:`compiler.review.thread`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler.review.compare import Review, compare
from compiler.review.markdown import render
from compiler.review.sides import read_folder, read_ref
from compiler.review.thread import PullRequest, post

__all__ = ["PullRequest", "Review", "ReviewOptions", "ReviewResult", "post", "review"]


@dataclass(frozen=True)
class ReviewOptions:
    specs: Path
    output: Path
    base: str
    """The Git ref of the target branch (e.g. `origin/main`), or HEAD for a local change."""
    pull_request: PullRequest | None = None


@dataclass(frozen=True)
class ReviewResult:
    review: Review
    markdown: str


def review(options: ReviewOptions) -> ReviewResult:
    """Compare the base ref with the checkout; render the comment (nothing is posted)."""
    base = read_ref(options.base, options.specs, options.output)
    head = read_folder(options.specs, options.output)
    result = compare(base, head)
    return ReviewResult(result, render(result, _linker(options)))


def _linker(options: ReviewOptions):  # type: ignore[no-untyped-def]
    output = options.output.as_posix().strip("/")
    if options.pull_request is None:
        return lambda folder: f"{output}/{folder}"
    url = options.pull_request.web_url
    return lambda folder: f"{url}?_a=files&path=/{output}/{folder}"
