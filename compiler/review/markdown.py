"""The review as Markdown: the comment `shipspec review` posts, and what `--format markdown` prints."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from compiler.render import markdown_text as md
from compiler.review.compare import RepoChange, Review

MARKER = "<!-- shipspec-review -->"
"""The first line of the comment: how a re-run finds the thread it wrote before."""

Link = Callable[[str], str]
"""A folder under the output (`tenant/project/repository`) -> the URL of its diff."""


def render(review: Review, link: Link) -> str:
    lines = [MARKER, "## shipspec review", "", _summary(review), ""]
    lines += _section("Warnings", [f"- ⚠️ {md(w)}" for w in review.warnings])
    lines += _section("Notes", [f"- {md(n)}" for n in review.notes])
    lines += _section("Repositories", list(_repository_table(review.repositories, link)))
    lines += _section("Environments", list(_environment_lines(review)))
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary(review: Review) -> str:
    if review.empty:
        return "This change leaves every generated repository and environment as it is."
    repos = len(review.repositories)
    envs = len(review.environments)
    warn = len(review.warnings)
    return (
        f"**{repos}** repositor{'y' if repos == 1 else 'ies'} and **{envs}** environment(s) "
        f"change; **{warn}** warning(s)."
    )


def _section(title: str, body: list[str]) -> list[str]:
    return [f"### {title}", "", *body, ""] if body else []


def _repository_table(repos: tuple[RepoChange, ...], link: Link) -> Iterable[str]:
    if not repos:
        return
    yield "| repository | status | family | added | changed | removed | diff |"
    yield "| --- | --- | --- | ---: | ---: | ---: | --- |"
    for repo in repos:
        for index, family in enumerate(repo.families):
            first = index == 0
            name = md(repo.folder) if first else ""
            status = repo.status if first else ""
            diff = f"[diff]({link(repo.folder)})" if first else ""
            yield (
                f"| {name} | {status} | {family.family} | {family.added} | {family.changed} "
                f"| {family.removed} | {diff} |"
            )


def _environment_lines(review: Review) -> Iterable[str]:
    for env in review.environments:
        label = " (production)" if env.production else ""
        yield f"- **{md(env.tenant)}/{md(env.project)} {md(env.environment)}**{label}"
        yield from (f"  - {md(change)}" for change in env.changes)
