"""The ``local`` provider: offline publishing for development, demos and tests.

Remotes are bare repositories under one folder (`<root>/<tenant>/<project>/<repo>.git`),
created on first publish; branch policies are kept in each bare repository's Git
config (``shipspec.policy.*``) where `git config` shows them; pull requests are rows
in the state store, with the same one-active-per-branch-pair rule Azure DevOps has.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import git

from compiler.errors import ExternalError, UsageError
from compiler.publish.git import tag_commit
from compiler.publish.inputs import RepoTarget
from compiler.publish.providers import PullRequestDraft, PullRequestInfo, RemoteRepository
from compiler.state import Store
from compiler.state.services import source


class LocalProvider:
    name = "local"

    def __init__(self, root: Path, store: Store | None) -> None:
        self.root = root.resolve()
        self.store = store

    @classmethod
    def from_options(cls, options: Any, store: Store | None, **_: Any) -> LocalProvider:
        return cls(Path(options.remotes_dir), store)

    def _path(self, target: RepoTarget) -> Path:
        return self.root / target.tenant / target.project / f"{target.config.name}.git"

    def repository(self, target: RepoTarget, *, create: bool) -> RemoteRepository | None:
        path = self._path(target)
        created = False
        if not (path / "HEAD").is_file():
            if not create:
                return None
            try:
                path.mkdir(parents=True, exist_ok=True)
                git.Repo.init(path, bare=True, initial_branch=target.config.default_branch)
            except (OSError, git.GitError) as error:
                raise ExternalError(f"cannot create the bare repository {path}: {error}") from None
            created = True
        return RemoteRepository(
            name=target.config.name,
            url=str(path),
            default_branch=target.config.default_branch,
            external_id=None,
            web_url=None,
            created=created,
        )

    def git_environment(self) -> Mapping[str, str]:
        return {}

    def pipeline_setup(self, *, dry_run: bool) -> None:
        """No pipelines offline: the local provider hosts Git only."""
        return None

    def ensure_default_branch(self, target: RepoTarget, remote: RemoteRepository) -> list[str]:
        return []

    def retire(self, orphan: Any, *, dry_run: bool) -> list[str]:
        """No pipelines offline; the default branch is locked by a `pre-receive` hook in
        the bare repository (`git config shipspec.locked` names the branch)."""
        path = self.root / orphan.tenant / orphan.project / f"{orphan.name}.git"
        if not (path / "HEAD").is_file():
            return [f"no repository at {orphan.key} to lock"]
        ref = f"refs/heads/{orphan.default_branch}"
        repo = git.Repo(path)
        with repo.config_reader() as reader:
            if reader.get_value("shipspec", "locked", "") == ref:
                return []
        if dry_run:
            return [f"would lock {orphan.default_branch}"]
        hook = path / "hooks" / "pre-receive"
        hook.parent.mkdir(exist_ok=True)
        hook.write_text(_LOCK_HOOK.format(ref=ref), encoding="utf-8")
        hook.chmod(0o755)
        with repo.config_writer() as writer:
            writer.set_value("shipspec", "locked", ref)
        return [f"locked {orphan.default_branch}"]

    def find_tag(self, target: RepoTarget, remote: RemoteRepository, tag: str) -> str | None:
        try:
            return tag_commit(remote.url, tag)
        except git.GitCommandError:
            return None

    def create_tag(self, target: RepoTarget, remote: RemoteRepository, tag: str, sha: str) -> None:
        """Like Azure DevOps' ref update with a zero old id: refused if the tag appeared."""
        try:
            git.Repo(remote.url).git.update_ref(f"refs/tags/{tag}", sha, "")
        except git.GitCommandError as error:
            raise ExternalError(f"{target.key}: cannot create refs/tags/{tag}: {error}") from None

    def apply_policies(self, target: RepoTarget, remote: RemoteRepository) -> list[str]:
        policies = target.config.policies
        wanted = {
            "minimumReviewers": str(policies.minimum_reviewers),
            "buildValidation": str(policies.build_validation).lower(),
            "commentResolution": str(policies.comment_resolution).lower(),
        }
        section = f'shipspec "policy.{remote.default_branch}"'
        repo = git.Repo(remote.url)
        with repo.config_reader() as reader:
            current = {key: reader.get_value(section, key, "") for key in wanted}
        if {k: str(v).lower() for k, v in current.items()} == wanted:
            return []
        with repo.config_writer() as writer:
            for key, value in wanted.items():
                writer.set_value(section, key, value)
        shown = ", ".join(f"{k}={v}" for k, v in wanted.items())
        return [f"set branch policies on {remote.default_branch} ({shown})"]

    # --- pull requests: rows in the state store --------------------------------------------------

    def _need_store(self) -> Store:
        if self.store is None:
            raise UsageError(
                "the local provider keeps pull requests in the state store; none is open"
            )
        return self.store

    def find_pull_request(
        self, target: RepoTarget, remote: RemoteRepository, source_branch: str, dest: str
    ) -> PullRequestInfo | None:
        if self.store is None:
            return None
        with self.store.read(target.scope) as uow:
            row = source.active_pull_request(uow, target.name, source_branch, dest)
        return None if row is None else _info(row)

    def create_pull_request(
        self, target: RepoTarget, remote: RemoteRepository, draft: PullRequestDraft
    ) -> PullRequestInfo:
        fields = _fields(target, draft)
        row = self._need_store().write(
            target.scope, lambda uow: source.open_pull_request(uow, fields)
        )
        return _info(row)

    def update_pull_request(
        self,
        target: RepoTarget,
        remote: RemoteRepository,
        existing: PullRequestInfo,
        draft: PullRequestDraft,
    ) -> PullRequestInfo:
        fields = _fields(target, draft, existing.number)
        row = self._need_store().write(
            target.scope, lambda uow: source.record_pull_request(uow, fields)
        )
        return _info(row)


_LOCK_HOOK = """#!/bin/sh
# shipspec retired this repository: its module left the specs.
while read old new ref; do
  if [ "$ref" = "{ref}" ]; then
    echo "{ref} is locked: shipspec retired this repository" >&2
    exit 1
  fi
done
"""


def _fields(
    target: RepoTarget, draft: PullRequestDraft, number: str | None = None
) -> source.PullRequestFields:
    return source.PullRequestFields(
        repository=target.name,
        source_branch=draft.source_branch,
        target_branch=draft.target_branch,
        title=draft.title,
        description=draft.description,
        source_sha=draft.source_sha,
        external_id=number,
    )


def _info(row: Mapping[str, Any]) -> PullRequestInfo:
    return PullRequestInfo(
        number=str(row["externalId"]),
        title=str(row["title"]),
        description=str(row["description"] or ""),
        url=None,
    )
