"""Retiring an orphaned repository in Azure DevOps: its pipeline stops, its default
branch stops moving.

- The pipeline definition gets ``queueStatus: disabled`` (Definitions - Update, a PUT of
  the whole definition read just before): nothing can queue it, by trigger or by hand,
  and its runs stay readable.
- The repository's default branch is locked (Refs - Update Ref, ``isLocked: true``)
  rather than the repository disabled (``isDisabled``).  A disabled repository cannot be
  read at all: the still-deployed Argo CD Application that takes its chart from there
  would fail before the GitOps pull request removing it is merged, and `shipspec
  explain`, audits and a later revival would lose the history.  A locked branch keeps
  everything readable; others can no longer push to it or complete pull requests into it
  (the identity that locked it, and holders of *Remove others' locks*, can unlock it).

Each step reads first and writes only what differs, so a retirement that failed half-way
converges when run again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from azure.devops.v7_1.build.build_client import BuildClient
from azure.devops.v7_1.git.git_client import GitClient
from azure.devops.v7_1.git.models import GitRefUpdate

from compiler.errors import ExternalError

if TYPE_CHECKING:
    from compiler.orphans import Orphan
    from compiler.publish.providers.azure_devops import AzureDevOpsProvider

BUILD = "Build (Read & execute) — the identity needs Edit build pipeline in the project"
LOCK = "Code (Read & write) — the identity needs Contribute on the branch to lock it"
READ = "Code (Read) — the identity needs Read on the repository"


def retire(provider: AzureDevOpsProvider, orphan: Orphan, *, dry_run: bool) -> list[str]:
    organization, project = _where(orphan)
    actions = _disable_pipeline(provider, orphan, organization, project, dry_run)
    return actions + _lock_default_branch(provider, orphan, organization, project, dry_run)


def _where(orphan: Orphan) -> tuple[str, str]:
    organization, project = orphan.home.get("organization"), orphan.home.get("project")
    if not organization or not project:
        raise ExternalError(
            f"{orphan.key}: where it lives in Azure DevOps was not recorded (it was last "
            "published by an older shipspec)",
            hint="disable its pipeline and lock its default branch in Azure DevOps by hand",
        )
    return str(organization), str(project)


def _disable_pipeline(
    provider: AzureDevOpsProvider, orphan: Orphan, organization: str, project: str, dry: bool
) -> list[str]:
    declared = orphan.pipeline
    if declared is None:
        return []
    name, folder = declared["name"], declared.get("folder") or "\\"
    build = provider.client(organization, BuildClient)
    what = f"{orphan.key}: "
    found = provider.call(
        what + f"list pipelines named {name}",
        BUILD,
        lambda: build.get_definitions(project, name=name) or [],
    )
    mine = [d for d in found if (d.path or "\\") == folder]
    if not mine:
        return [f"pipeline {name} not found (nothing to disable)"]
    current: Any = provider.call(
        what + f"read pipeline {name}", BUILD, lambda: build.get_definition(project, mine[0].id)
    )
    if current.queue_status == "disabled":
        return []
    if dry:
        return [f"would disable pipeline {name}"]
    current.queue_status = "disabled"
    provider.call(
        what + f"disable pipeline {name}",
        BUILD,
        lambda: build.update_definition(current, project, current.id),
    )
    return [f"disabled pipeline {name}"]


def _lock_default_branch(
    provider: AzureDevOpsProvider, orphan: Orphan, organization: str, project: str, dry: bool
) -> list[str]:
    git = provider.client(organization, GitClient)
    repository = orphan.external_id or orphan.name
    branch = f"heads/{orphan.default_branch}"
    refs = provider.call(
        f"{orphan.key}: look up refs/{branch}",
        READ,
        lambda: git.get_refs(repository, project=project, filter=branch) or [],
    )
    exact = [r for r in refs if r.name == f"refs/{branch}"]
    if not exact:
        return [f"no {orphan.default_branch} branch to lock"]
    if exact[0].is_locked:
        return []
    if dry:
        return [f"would lock {orphan.default_branch}"]
    provider.call(
        f"{orphan.key}: lock refs/{branch}",
        LOCK,
        lambda: git.update_ref(GitRefUpdate(is_locked=True), repository, branch, project=project),
    )
    return [f"locked {orphan.default_branch}"]
