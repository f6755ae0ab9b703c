"""The templates tag: `refs/tags/<templatesRef>` on the tenant's pipeline-templates repository.

Pipelines in templates mode pin the repository at that tag, so it must exist before
any of them can queue.  It is created at the commit that holds exactly the generated
templates: the default branch's head once the templates pull request is merged,
else the publish branch's head.  An existing tag is never moved: if it holds other
templates, publish refuses (a changed template set needs a new `templatesRef`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler.publish.errors import PublishRefused
from compiler.publish.git import TreeEntry, Workspace
from compiler.publish.inputs import LINEAGE_FILE, RepoTarget
from compiler.publish.providers import RemoteRepository
from compiler.publish.result import RepoResult
from compiler.targets.azure_pipelines.contract import TEMPLATE_FILES

if TYPE_CHECKING:
    from compiler.publish.options import Context

TEMPLATES_FOLDER = "/_tenant/pipeline-templates/"
VERSION_FILE = "VERSION"
"""Names the tag (`templatesRef`) the tenant's pipelines pin."""


def unchanged_tag_warnings(changed: Iterable[str]) -> list[str]:
    """What compile says when a tenant's templates changed but the tag naming them did not.

    >>> unchanged_tag_warnings(["acme/_tenant/pipeline-templates/steps/coverage.yml"])[0][:55]
    'tenant acme: the pipeline templates changed but their t'
    >>> unchanged_tag_warnings(["acme/_tenant/pipeline-templates/steps/coverage.yml",
    ...                         "acme/_tenant/pipeline-templates/VERSION"])
    []
    """
    touched: dict[str, set[str]] = {}
    for path in changed:
        head, found, inner = path.partition(TEMPLATES_FOLDER)
        if found:
            touched.setdefault(head.rsplit("/", 1)[-1], set()).add(inner)
    return [
        f"tenant {tenant}: the pipeline templates changed but their tag did not "
        f"(pipeline-templates/{VERSION_FILE}); publish never moves an existing tag, so "
        "release them under a new one: a new shipspec version, or spec.pipelines.templatesRef"
        for tenant, files in sorted(touched.items())
        if files & set(TEMPLATE_FILES) and VERSION_FILE not in files
    ]


def ensure_tag(
    ctx: Context,
    target: RepoTarget,
    remote: RemoteRepository,
    workspace: Workspace,
    holder: str | None,
    result: RepoResult,
) -> None:
    """Create the declared tag at ``holder`` (the commit with exactly the generated files)."""
    tag = target.config.tag
    if not tag:
        return
    ref = f"refs/tags/{tag}"
    existing = ctx.provider.find_tag(target, remote, tag)
    if existing is not None:
        if ctx.offline is None:  # offline dry runs fetch nothing
            _same_content(target, workspace, ref, existing, holder)
        result.tag = ref
        if not ctx.options.dry_run:
            ctx.recorder.branch(target, ref, existing, None)
        return
    if ctx.options.dry_run or holder is None:
        result.actions.append(f"would create {ref}")
        return
    ctx.provider.create_tag(target, remote, tag, holder)
    result.tag = ref
    result.actions.append(f"created {ref} at {holder[:12]}")
    ctx.recorder.branch(target, ref, holder, None)


def _same_content(
    target: RepoTarget, workspace: Workspace, ref: str, existing: str, holder: str | None
) -> None:
    if holder is None or existing == holder:
        return
    workspace.fetch_ref(ref)
    if _files(target, workspace.tree(existing)) == _files(target, workspace.tree(holder)):
        return
    raise PublishRefused(
        f"{target.key}: {ref} already exists at {existing[:12]} with other templates; "
        "publish never moves a tag to different content",
        hint="a changed template set needs a new tag: set spec.pipelines.templatesRef "
        "(or upgrade shipspec, whose version names the default tag) and compile again",
    )


def _files(target: RepoTarget, tree: dict[str, TreeEntry]) -> dict[str, str]:
    wanted = {f.path for f in target.files} - {LINEAGE_FILE}
    return {path: entry.sha for path, entry in tree.items() if path in wanted}
