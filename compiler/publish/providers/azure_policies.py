"""Branch policies on Azure DevOps: make the default branch's policies what the spec says.

Declared in `.shipspec/repository.json` (``minimumReviewers``, ``buildValidation``,
``commentResolution``) and applied through the SDK's policy API, idempotently: a
policy scoped to this repository and branch is created when missing, updated when
its settings differ, and left alone otherwise.  Build validation needs a pipeline
that builds the repository; until one exists it is reported as deferred.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from azure.devops.v7_1.build.build_client import BuildClient
from azure.devops.v7_1.policy.models import PolicyConfiguration, PolicyTypeRef
from azure.devops.v7_1.policy.policy_client import PolicyClient

from compiler.publish.inputs import RepoTarget
from compiler.publish.providers import RemoteRepository

if TYPE_CHECKING:
    from compiler.publish.providers.azure_devops import AzureDevOpsProvider

MINIMUM_REVIEWERS = "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd"
BUILD_VALIDATION = "0609b952-1397-4640-95ec-e00a01b2c241"
COMMENT_RESOLUTION = "c6a1889d-b943-4856-b76f-9e46bb6b0df2"
POLICY_NAMES = {
    MINIMUM_REVIEWERS: "minimum reviewers",
    BUILD_VALIDATION: "build validation",
    COMMENT_RESOLUTION: "comment resolution",
}

POLICIES = "Code (Read, write & manage) — the identity needs Edit policies on the repository"
BUILD_READ = "Build (Read) — the identity needs View build pipeline"

T = TypeVar("T")


class BranchPolicyApplier:
    """One repository's default-branch policies, through one provider's SDK clients."""

    def __init__(
        self,
        provider: AzureDevOpsProvider,
        target: RepoTarget,
        remote: RemoteRepository,
        org: str,
        project: str,
    ) -> None:
        self.provider = provider
        self.target = target
        self.remote = remote
        self.org = org
        self.project = project

    def apply(self) -> list[str]:
        target, remote = self.target, self.remote
        declared = target.config.policies
        ref = f"refs/heads/{remote.default_branch}"
        scope = [{"repositoryId": remote.external_id, "refName": ref, "matchKind": "Exact"}]
        wanted: list[tuple[str, dict[str, Any]]] = []
        if declared.minimum_reviewers > 0:
            wanted.append(
                (
                    MINIMUM_REVIEWERS,
                    {
                        "minimumApproverCount": declared.minimum_reviewers,
                        "creatorVoteCounts": False,
                        "allowDownvotes": False,
                        "resetOnSourcePush": True,
                        "scope": scope,
                    },
                )
            )
        if declared.comment_resolution:
            wanted.append((COMMENT_RESOLUTION, {"scope": scope}))
        actions: list[str] = []
        if declared.build_validation:
            builds, note = self._build_policies(target, remote, scope)
            wanted += builds
            actions += note
        for kind, settings in wanted:
            action = self._ensure_policy(kind, settings)
            if action:
                actions.append(action)
        return actions

    def _build_policies(
        self, target: RepoTarget, remote: RemoteRepository, scope: list[dict[str, Any]]
    ) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
        org, project = self.org, self.project
        build = self.provider.client(org, BuildClient)
        definitions = self.provider.call(
            f"{target.key}: list pipelines",
            BUILD_READ,
            lambda: build.get_definitions(
                project, repository_id=remote.external_id, repository_type="TfsGit"
            ),
        )
        if not definitions:
            return [], [
                "build validation deferred: no pipeline builds this repository yet "
                "(applied by a later publish)"
            ]
        chosen = sorted(definitions, key=lambda d: d.id)[0]
        settings = {
            "buildDefinitionId": chosen.id,
            "displayName": f"{chosen.name} (shipspec)",
            "manualQueueOnly": False,
            "queueOnSourceUpdateOnly": True,
            "validDuration": 720,
            "scope": scope,
        }
        return [(BUILD_VALIDATION, settings)], []

    def _ensure_policy(self, kind: str, settings: dict[str, Any]) -> str:
        policy = self.provider.client(self.org, PolicyClient)
        label = POLICY_NAMES[kind]
        mine = self._policies_in_scope(policy, kind, settings)
        body = PolicyConfiguration(
            is_enabled=True, is_blocking=True, type=PolicyTypeRef(id=kind), settings=settings
        )
        branch = self.remote.default_branch
        if not mine:
            self._policy_call(
                f"create {label} policy",
                lambda: policy.create_policy_configuration(body, self.project),
            )
            return f"created {label} policy on {branch}"
        current = mine[0]
        if _satisfies(current, settings):
            return ""
        self._policy_call(
            f"update {label} policy",
            lambda: policy.update_policy_configuration(body, self.project, current.id),
        )
        return f"updated {label} policy on {branch}"

    def _policies_in_scope(
        self, policy: PolicyClient, kind: str, settings: dict[str, Any]
    ) -> list[Any]:
        """This branch's live policies of the kind; for build validation, of the same pipeline."""
        existing = self._policy_call(
            f"read {POLICY_NAMES[kind]} policy",
            lambda: policy.get_policy_configurations(self.project, policy_type=kind) or [],
        )
        scope = settings["scope"][0]
        mine = [c for c in existing if _in_scope(c, scope) and not c.is_deleted]
        if kind != BUILD_VALIDATION:
            return mine
        pipeline = settings["buildDefinitionId"]
        return [c for c in mine if (c.settings or {}).get("buildDefinitionId") == pipeline]

    def _policy_call(self, action: str, request: Callable[[], T]) -> T:
        return self.provider.call(f"{self.target.key}: {action}", POLICIES, request)


def _in_scope(configuration: Any, scope: Mapping[str, Any]) -> bool:
    scopes = (configuration.settings or {}).get("scope") or []
    return any(
        (s.get("repositoryId") or "").lower() == str(scope["repositoryId"]).lower()
        and s.get("refName") == scope["refName"]
        for s in scopes
    )


def _satisfies(configuration: Any, settings: Mapping[str, Any]) -> bool:
    current = configuration.settings or {}
    same = all(current.get(key) == value for key, value in settings.items() if key != "scope")
    return bool(same and configuration.is_enabled and configuration.is_blocking)
