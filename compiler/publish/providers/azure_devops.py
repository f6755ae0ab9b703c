"""The ``azure-devops`` provider, through the official azure-devops Python SDK.

Organization and project come from each repository's `.shipspec/repository.json`
(the spec); the token from ``AZURE_DEVOPS_EXT_PAT`` or ``SYSTEM_ACCESSTOKEN``.

Every SDK call goes through :meth:`AzureDevOpsProvider.call`, the one place that
knows HTTP: msrest's own hidden retries are switched off so that
:class:`~compiler.publish.retry.RetryPolicy` is the only (bounded, logged) one; a
response hook remembers each answer's status so that errors are classified by
status rather than by message: 401/403 name the missing permission, 404 is "absent",
429/5xx and network errors are retried, anything else fails with the host's message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from azure.devops.credentials import BasicAuthentication
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
from azure.devops.v7_1.location.location_client import LocationClient
from msrest.exceptions import ClientException

from compiler.errors import ExternalError, UsageError
from compiler.publish.errors import AuthError, TransientError
from compiler.publish.inputs import RepoTarget
from compiler.publish.providers import PullRequestDraft, PullRequestInfo, RemoteRepository
from compiler.publish.providers.azure_policies import BranchPolicyApplier
from compiler.publish.retry import RetryPolicy
from compiler.publish.secrets import Secret, git_auth_environment, redact, token_from_environment

log = logging.getLogger("shipspec.publish")
T = TypeVar("T")

READ = "Code (Read) — the identity needs Read on the repository"
CREATE_REPO = "Code (Read & write) — the identity needs Create repository in the project"
PULL_REQUESTS = "Code (Read & write) — the identity needs Contribute to pull requests"
TAG = "Code (Read & write) — the identity needs Create tag on the repository"
MANAGE_REPO = "Code (Read, write & manage) — the identity needs Edit repository settings"
ZERO = "0" * 40


class Absent(Exception):
    """404: the thing asked for does not exist."""


class Conflict(Exception):
    """409: e.g. an active pull request for these branches already exists."""


@dataclass
class _Observed:
    status: int | None = None
    retry_after: float | None = None


class AzureDevOpsProvider:
    name = "azure-devops"

    def __init__(
        self, token: Secret, url_template: str, retry: RetryPolicy, *, timeout: float = 30
    ) -> None:
        if "{organization}" not in url_template:
            raise UsageError(
                f"--azure-devops-url {url_template!r} needs {{organization}}",
                hint="e.g. https://dev.azure.com/{organization}",
            )
        self._token = token
        self._creds = BasicAuthentication("", token.reveal())
        self.url_template = url_template
        self.retry = retry
        self.timeout = timeout
        self._observed = _Observed()
        self._clients: dict[tuple[str, type], Any] = {}
        self._areas: dict[str, dict[str, str]] = {}

    @classmethod
    def from_options(
        cls, options: Any, store: Any, *, retry: RetryPolicy | None = None, **_: Any
    ) -> AzureDevOpsProvider:
        return cls(token_from_environment(), options.azure_devops_url, retry or RetryPolicy())

    def git_environment(self) -> Mapping[str, str]:
        return git_auth_environment(self._token)

    # --- the one place that talks HTTP ---------------------------------------------------------

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._observed.status = response.status_code
        after = response.headers.get("Retry-After", "")
        self._observed.retry_after = float(after) if after.isdigit() else None

    def _configure(self, client: Any) -> Any:
        # msrest retries 5xx (and POSTs) on its own, silently; switch that off so that
        # the RetryPolicy is the only retry loop (mutated in place: msrest reads extra
        # attributes of its own Retry object).
        client.config.retry_policy.retries = 0
        policy = client.config.retry_policy.policy
        policy.status = 0
        policy.status_forcelist = frozenset()
        policy.respect_retry_after_header = False
        policy.raise_on_status = False
        client.config.connection.timeout = self.timeout
        client.config.hooks.append(self._observe)
        client.add_user_agent("shipspec")
        return client

    def call(self, what: str, permission: str, call: Callable[[], T]) -> T:
        return self.retry.run(what, lambda: self._once(what, permission, call))

    def _once(self, what: str, permission: str, call: Callable[[], T]) -> T:
        self._observed = _Observed()
        try:
            return call()
        except (ClientException, requests.RequestException) as error:
            raise self._classify(what, permission, error) from None

    def _classify(self, what: str, permission: str, error: Exception) -> Exception:
        status = self._observed.status
        detail = redact(_message(error))
        if status is None:
            return TransientError(f"{what}: Azure DevOps could not be reached: {detail}")
        if status in (401, 403):
            reason = "rejected the token" if status == 401 else "refused the token's identity"
            return AuthError(
                f"{what}: Azure DevOps {reason} (HTTP {status}); missing permission: {permission}",
                hint="check AZURE_DEVOPS_EXT_PAT / SYSTEM_ACCESSTOKEN: not expired, scoped to this "
                "organization, and its identity holds the permission named above",
            )
        if status == 404:
            return Absent(detail)
        if status == 409:
            return Conflict(detail)
        if status == 429 or status >= 500:
            return TransientError(
                f"{what}: Azure DevOps answered HTTP {status}: {detail}",
                retry_after=self._observed.retry_after,
            )
        return ExternalError(f"{what}: Azure DevOps answered HTTP {status}: {detail}")

    def client(self, organization: str, kind: type[T]) -> T:
        key = (organization, kind)
        if key not in self._clients:
            url = self._area_url(organization, kind.resource_area_identifier)  # type: ignore[attr-defined]
            self._clients[key] = self._configure(kind(url, self._creds))
        return self._clients[key]  # type: ignore[no-any-return]

    def raw(
        self,
        organization: str,
        kind: type,
        what: str,
        permission: str,
        method: str,
        location: str,
        version: str,
        route: Mapping[str, str],
        query: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        """A call through the SDK's transport, answered as JSON (for models that drop fields)."""
        client = self.client(organization, kind)

        def send() -> Any:
            response = client._send(
                http_method=method,
                location_id=location,
                version=version,
                route_values=dict(route),
                query_parameters=dict(query or {}),
                content=body,
            )
            return response.json() if response.content else None

        return self.call(what, permission, send)

    def retire(self, orphan: Any, *, dry_run: bool) -> list[str]:
        from compiler.publish.providers.azure_retire import retire

        return retire(self, orphan, dry_run=dry_run)

    def pipeline_setup(self, *, dry_run: bool) -> Any:
        from compiler.publish.providers.azure_setup import Setups

        return Setups(self, dry_run)

    def _area_url(self, organization: str, area: str | None) -> str:
        """Where a resource area is served (what the SDK's Connection would look up)."""
        base = self.url_template.format(organization=organization)
        if area is None:
            return base
        if organization not in self._areas:
            locations = self._configure(LocationClient(base, self._creds))
            try:
                areas = self.call(
                    f"discover {base}", READ, lambda: locations.get_resource_areas() or []
                )
            except Absent:
                areas = []
            self._areas[organization] = {a.id.lower(): a.location_url for a in areas}
        return self._areas[organization].get(area.lower(), base)

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


def _message(error: Exception) -> str:
    text = getattr(error, "message", None) or str(error)
    return " ".join(str(text).split())[:300]
