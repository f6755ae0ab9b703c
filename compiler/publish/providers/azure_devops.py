"""The ``azure-devops`` provider: repositories, tags, branch policies and pull requests.

Organization and project come from each repository's `.shipspec/repository.json`
(the spec); the token from ``AZURE_DEVOPS_EXT_PAT`` or ``SYSTEM_ACCESSTOKEN``.
Every call goes through :class:`~compiler.publish.providers.azure_transport.AzureDevOpsTransport`,
the one place that knows HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure.devops.v7_1.core.core_client import CoreClient
from azure.devops.v7_1.git.git_client import GitClient
from azure.devops.v7_1.git.models import (
    GitPullRequest,
    GitPullRequestSearchCriteria,
    GitRefUpdate,
    GitRepository,
    GitRepositoryCreateOptions,
    TeamProjectReference,
)

from compiler.errors import ExternalError, UsageError
from compiler.publish.inputs import RepoTarget
from compiler.publish.providers import PullRequestDraft, PullRequestInfo, RemoteRepository
from compiler.publish.providers.azure_policies import BranchPolicyApplier
from compiler.publish.providers.azure_transport import READ, Absent, AzureDevOpsTransport, Conflict
from compiler.publish.retry import RetryPolicy
from compiler.publish.secrets import git_auth_environment, token_from_environment

CREATE_REPO = "Code (Read & write) — the identity needs Create repository in the project"
PULL_REQUESTS = "Code (Read & write) — the identity needs Contribute to pull requests"
TAG = "Code (Read & write) — the identity needs Create tag on the repository"
MANAGE_REPO = "Code (Read, write & manage) — the identity needs Edit repository settings"
ZERO = "0" * 40


class AzureDevOpsProvider(AzureDevOpsTransport):
    name = "azure-devops"

    @classmethod
    def from_options(
        cls, options: Any, store: Any, *, retry: RetryPolicy | None = None, **_: Any
    ) -> AzureDevOpsProvider:
        return cls(token_from_environment(), options.azure_devops_url, retry or RetryPolicy())

    def git_environment(self) -> Mapping[str, str]:
        return git_auth_environment(self._token)

    def retire(self, orphan: Any, *, dry_run: bool) -> list[str]:
        from compiler.publish.providers.azure_retire import retire

        return retire(self, orphan, dry_run=dry_run)

    def pipeline_setup(self, *, dry_run: bool) -> Any:
        from compiler.publish.providers.azure_setup import Setups

        return Setups(self, dry_run)

    # --- repositories --------------------------------------------------------------------------

    def repository(self, target: RepoTarget, *, create: bool) -> RemoteRepository | None:
        org, project = _where(target)
        git = self.client(org, GitClient)
        name = target.config.name
        try:
            found = self.call(
                f"{target.key}: look up repository {name}",
                READ,
                lambda: git.get_repository(name, project=project),
            )
            created = False
        except Absent:
            if not create:
                return None
            found = self._create_repository(target, org, project)
            created = True
        return RemoteRepository(
            name=name,
            url=found.remote_url,
            default_branch=target.config.default_branch,
            external_id=found.id,
            web_url=found.web_url,
            created=created,
        )

    def _create_repository(self, target: RepoTarget, org: str, project: str) -> Any:
        core = self.client(org, CoreClient)
        git = self.client(org, GitClient)
        try:
            team_project = self.call(
                f"{target.key}: look up project {project}", READ, lambda: core.get_project(project)
            )
        except Absent:
            raise ExternalError(
                f"{target.key}: Azure DevOps project {project!r} does not exist in organization {org!r}",
                hint="create the project, or fix spec.azureDevOps.project",
            ) from None
        options = GitRepositoryCreateOptions(
            name=target.config.name, project=TeamProjectReference(id=team_project.id)
        )
        try:
            return self.call(
                f"{target.key}: create repository {target.config.name}",
                CREATE_REPO,
                lambda: git.create_repository(options, project=project),
            )
        except Conflict:  # created by a concurrent run (or an earlier attempt that timed out)
            return self.call(
                f"{target.key}: look up repository {target.config.name}",
                READ,
                lambda: git.get_repository(target.config.name, project=project),
            )

    def ensure_default_branch(self, target: RepoTarget, remote: RemoteRepository) -> list[str]:
        org, project = _where(target)
        git = self.client(org, GitClient)
        wanted = f"refs/heads/{remote.default_branch}"
        found = self.call(
            f"{target.key}: look up repository {remote.name}",
            READ,
            lambda: git.get_repository(remote.external_id, project=project),
        )
        if found.default_branch == wanted:
            return []
        body = GitRepository(default_branch=wanted)
        self.call(
            f"{target.key}: set the default branch",
            MANAGE_REPO,
            lambda: git.update_repository(body, remote.external_id, project=project),
        )
        return [f"set default branch {remote.default_branch}"]

    # --- tags ----------------------------------------------------------------------------------

    def find_tag(self, target: RepoTarget, remote: RemoteRepository, tag: str) -> str | None:
        org, project = _where(target)
        git = self.client(org, GitClient)
        refs = self.call(
            f"{target.key}: look up refs/tags/{tag}",
            READ,
            lambda: (
                git.get_refs(
                    remote.external_id, project=project, filter=f"tags/{tag}", peel_tags=True
                )
                or []
            ),
        )
        exact = [r for r in refs if r.name == f"refs/tags/{tag}"]
        return (exact[0].peeled_object_id or exact[0].object_id) if exact else None

    def create_tag(self, target: RepoTarget, remote: RemoteRepository, tag: str, sha: str) -> None:
        org, project = _where(target)
        git = self.client(org, GitClient)
        update = GitRefUpdate(name=f"refs/tags/{tag}", old_object_id=ZERO, new_object_id=sha)
        answers = self.call(
            f"{target.key}: create refs/tags/{tag}",
            TAG,
            lambda: git.update_refs([update], remote.external_id, project=project) or [],
        )
        if not answers or not answers[0].success:
            status = answers[0].update_status if answers else "no answer"
            raise ExternalError(f"{target.key}: Azure DevOps refused refs/tags/{tag} ({status})")

    # --- branch policies -----------------------------------------------------------------------

    def apply_policies(self, target: RepoTarget, remote: RemoteRepository) -> list[str]:
        org, project = _where(target)
        return BranchPolicyApplier(self, target, remote, org, project).apply()

    # --- pull requests -------------------------------------------------------------------------

    def find_pull_request(
        self, target: RepoTarget, remote: RemoteRepository, source: str, dest: str
    ) -> PullRequestInfo | None:
        org, project = _where(target)
        git = self.client(org, GitClient)
        criteria = GitPullRequestSearchCriteria(
            source_ref_name=f"refs/heads/{source}",
            target_ref_name=f"refs/heads/{dest}",
            status="active",
        )
        found = self.call(
            f"{target.key}: list pull requests",
            PULL_REQUESTS,
            lambda: git.get_pull_requests(remote.external_id, criteria, project=project) or [],
        )
        matching = [
            pr
            for pr in found
            if pr.source_ref_name == f"refs/heads/{source}"
            and pr.target_ref_name == f"refs/heads/{dest}"
        ]
        return (
            None
            if not matching
            else self._info(remote, min(matching, key=lambda pr: pr.pull_request_id))
        )

    def create_pull_request(
        self, target: RepoTarget, remote: RemoteRepository, draft: PullRequestDraft
    ) -> PullRequestInfo:
        org, project = _where(target)
        git = self.client(org, GitClient)
        body = GitPullRequest(
            source_ref_name=f"refs/heads/{draft.source_branch}",
            target_ref_name=f"refs/heads/{draft.target_branch}",
            title=draft.title,
            description=draft.description,
        )
        try:
            created = self.call(
                f"{target.key}: open pull request",
                PULL_REQUESTS,
                lambda: git.create_pull_request(body, remote.external_id, project=project),
            )
        except Conflict:
            # TF401179: one is already active (opened by an attempt whose answer was lost).
            existing = self.find_pull_request(
                target, remote, draft.source_branch, draft.target_branch
            )
            if existing is None:
                raise ExternalError(
                    f"{target.key}: Azure DevOps refused the pull request (HTTP 409)"
                ) from None
            return self.update_pull_request(target, remote, existing, draft)
        return self._info(remote, created)

    def update_pull_request(
        self,
        target: RepoTarget,
        remote: RemoteRepository,
        existing: PullRequestInfo,
        draft: PullRequestDraft,
    ) -> PullRequestInfo:
        if (existing.title, existing.description) == (draft.title, draft.description):
            return existing
        org, project = _where(target)
        git = self.client(org, GitClient)
        body = GitPullRequest(title=draft.title, description=draft.description)
        updated = self.call(
            f"{target.key}: update pull request {existing.number}",
            PULL_REQUESTS,
            lambda: git.update_pull_request(
                body, remote.external_id, int(existing.number), project=project
            ),
        )
        return self._info(remote, updated)

    def _info(self, remote: RemoteRepository, pr: Any) -> PullRequestInfo:
        url = f"{remote.web_url}/pullrequest/{pr.pull_request_id}" if remote.web_url else None
        return PullRequestInfo(
            number=str(pr.pull_request_id),
            title=pr.title or "",
            description=pr.description or "",
            url=url,
        )


def _where(target: RepoTarget) -> tuple[str, str]:
    config = target.config
    if not config.organization or not config.project:
        raise UsageError(
            f"{target.key}: no Azure DevOps organization/project for this repository",
            hint="declare spec.azureDevOps in the spec and compile again "
            "(publish reads .shipspec/repository.json)",
        )
    return config.organization, config.project
