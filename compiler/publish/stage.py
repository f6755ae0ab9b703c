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
from dataclasses import replace

from compiler.errors import ShipspecError
from compiler.publish.branch import branch_name, publish_branch
from compiler.publish.changes import Lineage, Proposal, plan_changes, unified_diff
from compiler.publish.errors import AuthError, PublishRefused
from compiler.publish.git import Workspace
from compiler.publish.inputs import RepoTarget, discover
from compiler.publish.options import Context, PublishOptions
from compiler.publish.providers import RemoteRepository
from compiler.publish.providers.cached import cache_path
from compiler.publish.provision import finish
from compiler.publish.result import PublishResult, RepoResult
from compiler.publish.retire import plan as plan_retirement
from compiler.publish.retire import retire
from compiler.publish.secrets import redact
from compiler.publish.tag import ensure_tag
from compiler.staleness import Stale, refuse_stale, stale_reasons

log = logging.getLogger("shipspec.publish")


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
    holder = publish_branch(ctx, target, remote, workspace, default_head, result)
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


def _dry_run_new(target: RepoTarget, result: RepoResult) -> None:
    changes = plan_changes(target, {}, Lineage())
    result.status = "would-publish"
    result.actions.append("would create the repository")
    result.actions.append(f"would push {result.branch} with {len(changes)} file change(s)")
    result.proposal = Proposal(tuple(changes))
    result.diff = "".join(unified_diff(c.path, None, c.data) for c in changes)
