"""The publish stage: every compiled repository to Git, with one pull request each.

Per repository, in order (each step is safe to repeat, so a run that failed
anywhere converges when run again):

1. ensure the remote repository exists, record it, give it a default branch;
2. apply the branch policies the spec declares;
3. fetch into the cache; refuse if the publish branch has commits shipspec did not make;
4. build the branch head: on top of the branch when it is ours and still based on the
   default branch's head, else on the default branch's head; commit only if the
   tree changes, and only after the mass-delete guard rail agrees;
5. push with a lease on the head we saw; open or update the one pull request;
   record branch, commit and pull request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from compiler.errors import ShipspecError, UsageError
from compiler.publish.changes import (
    LINEAGE_FAMILY,
    FileChange,
    Lineage,
    Proposal,
    mass_delete_problems,
    plan_changes,
    proposal,
    unified_diff,
)
from compiler.publish.errors import AuthError, PublishRefused
from compiler.publish.git import CommitInfo, Identity, TreeEntry, Workspace, blob_id
from compiler.publish.inputs import LINEAGE_FILE, RepoTarget, discover, family_of
from compiler.publish.message import (
    TRAILER_ARTIFACT,
    commit_message,
    pull_request_description,
    pull_request_title,
    spec_sha,
    trailers,
)
from compiler.publish.providers import (
    Provider,
    PullRequestDraft,
    RemoteRepository,
)
from compiler.publish.providers.cached import CachedProvider, cache_path
from compiler.publish.provision import finish
from compiler.publish.record import Recorder
from compiler.publish.result import PublishResult, RepoResult
from compiler.publish.retire import Retirement, pin_deletions, retire
from compiler.publish.retire import plan as plan_retirement
from compiler.publish.retry import RetryPolicy
from compiler.publish.secrets import redact
from compiler.publish.tag import ensure_tag
from compiler.staleness import Stale, refuse_stale, stale_reasons
from compiler.state.services.source import RecordCommit

log = logging.getLogger("shipspec.publish")
BOT = Identity("shipspec-bot", "shipspec-bot@noreply.invalid")
_BRANCH = re.compile(r"^(?!/)(?!.*//)(?!.*\.\.)(?!.*@\{)[A-Za-z0-9._/{}-]+(?<![/.])$")


@dataclass(frozen=True)
class PublishOptions:
    paths: tuple[Path, ...]
    only: tuple[str, ...] = ()
    provider: str = "azure-devops"
    dry_run: bool = False
    force: bool = False
    allow_mass_delete: bool = False
    allow_stale: bool = False
    retire: bool = False
    max_delete_share: float = 0.5
    branch_template: str = "shipspec/{project}"
    author: Identity = BOT
    committer: Identity | None = None
    cache_dir: Path = Path(".shipspec/cache/repos")
    remotes_dir: Path = Path(".shipspec/remotes")
    state_url: str | None = None
    azure_devops_url: str = "https://dev.azure.com/{organization}"

    @property
    def committer_identity(self) -> Identity:
        return self.committer or self.author


@dataclass(frozen=True)
class Context:
    options: PublishOptions
    provider: Provider
    recorder: Recorder
    retry: RetryPolicy
    offline: CachedProvider | None = None
    """Set for a dry run without a token: nothing is fetched, gaps are reported."""
    retirement: Retirement | None = None
    """The orphans of this run and the GitOps pins of retired modules to remove."""


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


def publish(options: PublishOptions, context: Context) -> PublishResult:
    """Publish every selected repository; one repository's refusal does not stop the rest."""
    targets = discover(options.paths, options.only)
    if not options.allow_stale:
        refuse_stale(_stale(targets))
    retirement = plan_retirement(context, targets)
    context = replace(context, retirement=retirement)
    results: list[RepoResult] = []
    remotes: dict[str, RemoteRepository] = {}
    for index, target in enumerate(targets):
        result = RepoResult(target.key, branch_name(options.branch_template, target))
        results.append(result)
        try:
            _publish_one(context, target, result, remotes)
        except ShipspecError as error:
            fail(result, error)
            if isinstance(error, AuthError):
                for rest in targets[index + 1 :]:
                    skipped = RepoResult(rest.key, branch_name(options.branch_template, rest))
                    skipped.status = "skipped"
                    results.append(skipped)
                return PublishResult(tuple(results))
    results += finish(context, targets, results, remotes)
    results += retire(context, retirement, results)
    return PublishResult(tuple(results))


def _stale(targets: list[RepoTarget]) -> list[Stale]:
    """Repositories whose output is older than its specs (spec names are relative to the
    folder that holds the output folder: `<base>/generated/<tenant>/<project>/<repo>`)."""
    found = []
    for target in targets:
        base = target.folder.resolve().parents[3]
        for reason in stale_reasons(base, target.specs, target.version):
            found.append(Stale(f"{target.tenant}/{target.project}", reason))
    return found


def fail(result: RepoResult, error: ShipspecError) -> None:
    result.status = "refused" if isinstance(error, PublishRefused) else "failed"
    result.error = redact(error.message)
    result.hint = redact(error.hint)
    result.exit_code = error.exit_code
    log.info("%s: %s", result.key, result.error)


# --- one repository -----------------------------------------------------------------------------


def _publish_one(
    ctx: Context, target: RepoTarget, result: RepoResult, remotes: dict[str, RemoteRepository]
) -> None:
    dry = ctx.options.dry_run
    remote = ctx.provider.repository(target, create=not dry)
    if ctx.offline is not None:
        result.not_compared = ctx.offline.not_compared(target, remote)
    if remote is None:
        _dry_run_new(target, result)
        return
    if remote.created:
        result.actions.append("created repository")
    remotes[target.key] = remote
    ctx.recorder.repository(target, remote, ctx.provider.name)
    workspace = _workspace(ctx, target, remote)
    if ctx.offline is None:
        workspace.fetch()
    default_head = workspace.remote_head(remote.default_branch)
    if default_head is None and not dry:
        default_head = _initialise(ctx, workspace, remote)
        result.actions.append(f"initialised {remote.default_branch}")
    if not dry and default_head is not None:
        result.actions += ctx.provider.ensure_default_branch(target, remote)
    holder = _publish_branch(ctx, target, remote, workspace, default_head, result)
    ensure_tag(ctx, target, remote, workspace, holder, result)


def _workspace(ctx: Context, target: RepoTarget, remote: RemoteRepository) -> Workspace:
    path = cache_path(ctx.options.cache_dir, ctx.provider.name, target)
    return Workspace(
        path.resolve(), remote.url, ctx.provider.git_environment(), ctx.retry, target.key
    )


def _initialise(ctx: Context, workspace: Workspace, remote: RemoteRepository) -> str:
    """An empty first commit on the default branch, so pull requests have a target."""
    identity = ctx.options.author
    message = (
        f"Initialise {remote.name}\n\nCreated by shipspec so that pull requests have a target.\n"
    )
    sha = workspace.commit(
        workspace.empty_tree(), None, message, identity, ctx.options.committer_identity
    )
    workspace.push(sha, remote.default_branch, expected=None)
    return sha


def _publish_branch(
    ctx: Context,
    target: RepoTarget,
    remote: RemoteRepository,
    workspace: Workspace,
    default_head: str | None,
    result: RepoResult,
) -> str | None:
    """Publish the branch; the commit whose tree is exactly the generated files (if known)."""
    branch = result.branch
    branch_head = workspace.remote_head(branch)
    foreign = _foreign_commits(ctx, target, workspace, branch_head, default_head)
    if foreign and not ctx.options.force:
        raise PublishRefused(_human_message(target, branch, foreign), hint=_HUMAN_HINT)
    if foreign:
        result.actions.append(f"overwrote {len(foreign)} commit(s) not made by shipspec (--force)")
    parent = _parent(workspace, branch_head, default_head, foreign)
    base = workspace.tree(parent)
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
    if head != branch_head:
        workspace.push(head, branch, expected=branch_head)
        result.actions.append(f"pushed {branch} ({head[:12]})")
        result.status = "published"
    result.commit = head
    info = workspace.commit_info(head)
    ctx.recorder.branch(target, branch, head, _commit_row(target, branch, info))
    _pull_request(ctx, target, remote, info, result)
    return head


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


def _pull_request(
    ctx: Context, target: RepoTarget, remote: RemoteRepository, head: CommitInfo, result: RepoResult
) -> None:
    assert result.proposal is not None
    lineage = [
        (k, v) for k, values in head.trailers.items() for v in values if k.startswith("Shipspec-")
    ]
    draft = PullRequestDraft(
        source_branch=result.branch,
        target_branch=remote.default_branch,
        title=pull_request_title(target),
        description=pull_request_description(target, result.proposal, lineage or trailers(target)),
        source_sha=head.sha,
    )
    existing = ctx.provider.find_pull_request(
        target, remote, draft.source_branch, draft.target_branch
    )
    if existing is None:
        info = ctx.provider.create_pull_request(target, remote, draft)
        result.actions.append(f"opened pull request {info.number}")
        result.status = "published"
    elif (existing.title, existing.description) != (draft.title, draft.description):
        info = ctx.provider.update_pull_request(target, remote, existing, draft)
        result.actions.append(f"updated pull request {info.number}")
        result.status = "published"
    else:
        info = existing
    result.pull_request = info
    ctx.recorder.pull_request(target, draft, info)


# --- dry runs ---------------------------------------------------------------------------------------


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


def _dry_run_new(target: RepoTarget, result: RepoResult) -> None:
    changes = plan_changes(target, {}, Lineage())
    result.status = "would-publish"
    result.actions.append("would create the repository")
    result.actions.append(f"would push {result.branch} with {len(changes)} file change(s)")
    result.proposal = Proposal(tuple(changes))
    result.diff = "".join(unified_diff(c.path, None, c.data) for c in changes)
