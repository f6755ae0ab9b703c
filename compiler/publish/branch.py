"""The publish branch of one repository: refuse foreign commits, build the commit, push it.

The branch head is built on top of the branch when it is ours and still based on
the default branch's head, else on the default branch's head; a commit is made
only if the tree changes, and only after the mass-delete guard rail agrees.  The
push carries a lease on the head that was seen, so a concurrent push is never
overwritten.
"""

from __future__ import annotations

import re
from typing import Any

from compiler.errors import UsageError
from compiler.publish.changes import (
    LINEAGE_FAMILY,
    FileChange,
    Lineage,
    mass_delete_problems,
    plan_changes,
    proposal,
    unified_diff,
)
from compiler.publish.errors import PublishRefused
from compiler.publish.git import CommitInfo, TreeEntry, Workspace, blob_id
from compiler.publish.inputs import LINEAGE_FILE, RepoTarget, family_of
from compiler.publish.message import TRAILER_ARTIFACT, commit_message, spec_sha
from compiler.publish.options import Context
from compiler.publish.providers import RemoteRepository
from compiler.publish.pull_request import open_pull_request
from compiler.publish.result import RepoResult
from compiler.publish.retire import pin_deletions
from compiler.state.services.source import RecordCommit

_BRANCH = re.compile(r"^(?!/)(?!.*//)(?!.*\.\.)(?!.*@\{)[A-Za-z0-9._/{}-]+(?<![/.])$")


def branch_name(template: str, target: RepoTarget) -> str:
    try:
        name = template.format(tenant=target.tenant, project=target.project, repository=target.name)
    except (KeyError, IndexError, ValueError) as error:
        raise UsageError(
            f"--branch {template!r} is not a valid template ({error})",
            hint="use {tenant}, {project} and {repository}, e.g. shipspec/{project}",
        ) from None
    if not _BRANCH.fullmatch(name) or name.endswith(".lock"):
        raise UsageError(f"--branch gives {name!r}, which is not a valid Git branch name")
    return name


def publish_branch(
    ctx: Context,
    target: RepoTarget,
    remote: RemoteRepository,
    workspace: Workspace,
    default_head: str | None,
    result: RepoResult,
) -> str | None:
    """Publish the branch; the commit whose tree is exactly the generated files (if known)."""
    branch_head = workspace.remote_head(result.branch)
    parent = _parent_checked(ctx, target, workspace, branch_head, default_head, result)
    base = workspace.tree(parent)
    changes = _changes(ctx, target, workspace, base)
    after = _apply(base, changes)
    default_tree = workspace.tree(default_head)
    families = _families(target, Lineage.parse(_read(workspace, default_tree, LINEAGE_FILE)))
    result.proposal = proposal(default_tree, after, families)
    if ctx.options.dry_run:
        _dry_run(workspace, target, base, changes, result, branch_head)
        return default_head if result.proposal.empty else None
    if result.proposal.empty:
        result.actions.append(
            f"nothing to propose: {remote.default_branch} already matches the specs"
        )
        return default_head
    head = _commit(ctx, target, workspace, parent, changes) if changes else parent
    assert head is not None
    _push(ctx, target, remote, workspace, head, branch_head, result)
    return head


def _parent_checked(
    ctx: Context,
    target: RepoTarget,
    workspace: Workspace,
    branch_head: str | None,
    default_head: str | None,
    result: RepoResult,
) -> str | None:
    """The parent of the next commit, once commits shipspec did not make are refused (or,
    with --force, noted as overwritten)."""
    foreign = _foreign_commits(ctx, target, workspace, branch_head, default_head)
    if foreign and not ctx.options.force:
        raise PublishRefused(_human_message(target, result.branch, foreign), hint=_HUMAN_HINT)
    if foreign:
        result.actions.append(f"overwrote {len(foreign)} commit(s) not made by shipspec (--force)")
    return _parent(workspace, branch_head, default_head, foreign)


def _changes(
    ctx: Context, target: RepoTarget, workspace: Workspace, base: dict[str, TreeEntry]
) -> list[FileChange]:
    """The file changes onto `base` (refused when they delete too much), with the GitOps
    pins of retired modules removed."""
    previous = Lineage.parse(_read(workspace, base, LINEAGE_FILE))
    changes = plan_changes(target, base, previous)
    problems = mass_delete_problems(changes, base, previous, ctx.options.max_delete_share)
    if problems and not ctx.options.allow_mass_delete:
        raise PublishRefused(
            f"{target.key}: refusing to publish: " + "; ".join(problems),
            hint="if the specs really mean it, run again with --allow-mass-delete",
        )
    if ctx.retirement is not None:
        changes = sorted(
            changes + pin_deletions(ctx.retirement, target, base, changes), key=lambda c: c.path
        )
    return changes


def _push(
    ctx: Context,
    target: RepoTarget,
    remote: RemoteRepository,
    workspace: Workspace,
    head: str,
    branch_head: str | None,
    result: RepoResult,
) -> None:
    """Push `head` unless the branch is there already; record it; open its pull request."""
    branch = result.branch
    if head != branch_head:
        workspace.push(head, branch, expected=branch_head)
        result.actions.append(f"pushed {branch} ({head[:12]})")
        result.status = "published"
    result.commit = head
    info = workspace.commit_info(head)
    ctx.recorder.branch(target, branch, head, _commit_row(target, branch, info))
    open_pull_request(ctx, target, remote, info, result)


def _foreign_commits(
    ctx: Context,
    target: RepoTarget,
    workspace: Workspace,
    branch_head: str | None,
    default_head: str | None,
) -> list[CommitInfo]:
    """Commits on the publish branch (not on the default branch) that shipspec did not make.

    Ours: recorded in the state store, or carrying the Shipspec-Artifact trailer *and*
    committed by our committer identity (amending, rebasing or cherry-picking makes the
    human the committer, so their edits are never mistaken for ours).
    """
    if branch_head is None:
        return []
    known = ctx.recorder.known_commits(target)
    email = ctx.options.committer_identity.email.casefold()

    def ours(commit: CommitInfo) -> bool:
        signed = TRAILER_ARTIFACT in commit.trailers and commit.committer_email.casefold() == email
        return commit.sha in known or signed

    return [c for c in workspace.commits(branch_head, default_head) if not ours(c)]


_HUMAN_HINT = (
    "merge or move that work to another branch, or run again with --force to replace the "
    "branch with shipspec's commit (the other commits are then gone from it)"
)


def _human_message(target: RepoTarget, branch: str, foreign: list[CommitInfo]) -> str:
    shown = ", ".join(f"{c.sha[:12]} by {c.author} ({c.subject})" for c in foreign[:3])
    more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
    return (
        f"{target.key}: branch {branch} has commits shipspec did not make: {shown}{more}; "
        "not overwriting them"
    )


def _parent(
    workspace: Workspace,
    branch_head: str | None,
    default_head: str | None,
    foreign: list[CommitInfo],
) -> str | None:
    """Stack on our own branch while it is still based on the default head; else restart."""
    if (
        branch_head
        and not foreign
        and default_head
        and workspace.is_ancestor(default_head, branch_head)
    ):
        return branch_head
    return default_head


def _read(workspace: Workspace, tree: dict[str, TreeEntry], path: str) -> bytes | None:
    entry = tree.get(path)
    return None if entry is None else workspace.read(entry.sha)


def _apply(base: dict[str, TreeEntry], changes: list[FileChange]) -> dict[str, TreeEntry]:
    after = dict(base)
    for change in changes:
        if change.kind == "delete":
            after.pop(change.path, None)
        else:
            assert change.data is not None
            mode = base[change.path].mode if change.path in base else "100644"
            after[change.path] = TreeEntry(mode, blob_id(change.data))
    return after


def _families(target: RepoTarget, default_lineage: Lineage) -> Any:
    templates = {f.path: f.family for f in target.files}

    def family(path: str) -> str:
        if path == LINEAGE_FILE:
            return LINEAGE_FAMILY
        return templates.get(path) or default_lineage.family(path) or family_of("")

    return family


def _commit(
    ctx: Context,
    target: RepoTarget,
    workspace: Workspace,
    parent: str | None,
    changes: list[FileChange],
) -> str:
    writes = {c.path: workspace.write_blob(c.data) for c in changes if c.data is not None}
    deletes = [c.path for c in changes if c.kind == "delete"]
    base = workspace.tree(parent)
    modes = {path: entry.mode for path, entry in base.items()}
    tree = workspace.build_tree(parent, writes, deletes, modes)
    if tree == workspace.tree_sha(parent):
        return parent or tree
    message = commit_message(target, changes)
    return workspace.commit(
        tree, parent, message, ctx.options.author, ctx.options.committer_identity
    )


def _commit_row(target: RepoTarget, branch: str, info: CommitInfo) -> RecordCommit | None:
    if TRAILER_ARTIFACT not in info.trailers:
        return None
    manifest = info.trailers.get("Shipspec-Manifest", (None,))[0]
    artifact = info.trailers[TRAILER_ARTIFACT][0]
    return RecordCommit(target.name, info.sha, branch, spec_sha(target), manifest, artifact)


def _dry_run(
    workspace: Workspace,
    target: RepoTarget,
    base: dict[str, TreeEntry],
    changes: list[FileChange],
    result: RepoResult,
    branch_head: str | None,
) -> None:
    assert result.proposal is not None
    if not changes and (result.proposal.empty or branch_head is not None):
        return
    result.status = "would-publish"
    result.actions.append(f"would push {result.branch} with {len(changes)} file change(s)")
    result.diff = "".join(
        unified_diff(c.path, _read(workspace, base, c.path) if c.kind != "add" else None, c.data)
        for c in changes
    )
