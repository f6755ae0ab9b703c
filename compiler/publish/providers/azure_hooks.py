"""Azure DevOps service-hook subscriptions that point at `shipspec serve`.

With a tracking URL configured (``SHIPSPEC_TRACKING_URL``, plus the shared secret
``SHIPSPEC_HOOK_AZURE_DEVOPS_SECRET`` that `serve` checks), publish makes sure every
Azure DevOps project it published to has one Web Hooks subscription per tracked event
type, delivering to ``<url>/hooks/azure-devops`` with the secret in the
``X-Shipspec-Secret`` header.  Idempotent: a subscription for the same event, project
and URL is left alone; without a tracking URL nothing happens.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from azure.devops.v7_1.core.core_client import CoreClient
from azure.devops.v7_1.service_hooks.models import Subscription
from azure.devops.v7_1.service_hooks.service_hooks_client import ServiceHooksClient

from compiler.errors import UsageError
from compiler.publish.secrets import Secret

log = logging.getLogger("shipspec.publish")
TRACKING_URL = "SHIPSPEC_TRACKING_URL"
HOOK_SECRET = "SHIPSPEC_HOOK_AZURE_DEVOPS_SECRET"
SECRET_HEADER = "X-Shipspec-Secret"
HOOKS = "Service hooks (Read & write) — the identity needs Edit subscriptions in the project"
EVENTS = (
    ("tfs", "build.complete", "2.0"),
    ("pipelines", "ms.vss-pipelines.run-state-changed-event", "5.1-preview.1"),
    ("pipelines", "ms.vss-pipelines.stage-state-changed-event", "5.1-preview.1"),
    ("pipelines", "ms.vss-pipelinechecks-events.approval-pending", "5.1-preview.1"),
    ("pipelines", "ms.vss-pipelinechecks-events.approval-completed", "5.1-preview.1"),
    ("tfs", "git.push", "1.0"),
    ("tfs", "git.pullrequest.created", "1.0"),
    ("tfs", "git.pullrequest.updated", "1.0"),
    ("tfs", "git.pullrequest.merged", "1.0"),
)


@dataclass(frozen=True)
class Tracking:
    url: str
    secret: Secret

    @property
    def hook_url(self) -> str:
        return self.url.rstrip("/") + "/hooks/azure-devops"


def tracking_from_environment(environ: Mapping[str, str] | None = None) -> Tracking | None:
    env = os.environ if environ is None else environ
    url = env.get(TRACKING_URL, "").strip()
    if not url:
        return None
    if not url.startswith("https://") and not url.startswith("http://"):
        raise UsageError(f"{TRACKING_URL}={url!r} is not an http(s) URL")
    secret = env.get(HOOK_SECRET, "").strip()
    if not secret:
        raise UsageError(
            f"{TRACKING_URL} is set but {HOOK_SECRET} is not",
            hint="serve checks that secret on every delivery",
        )
    return Tracking(url, Secret(secret))


def subscribe_all(
    provider: object, homes: Iterable[tuple[str, str]], tracking: Tracking
) -> list[str]:
    """Ensure the subscriptions in every (organization, project); returns what was created."""
    created: list[str] = []
    for organization, project in sorted(set(homes)):
        created += subscribe(provider, organization, project, tracking)
    return created


def subscribe(provider: object, organization: str, project: str, tracking: Tracking) -> list[str]:
    hooks = _hooks_client(provider, organization)
    core = provider.client(organization, CoreClient)  # type: ignore[attr-defined]
    project_id = provider.call(
        f"{organization}/{project}: look up the project",
        HOOKS,
        lambda: core.get_project(project).id,
    )  # type: ignore[attr-defined]
    listed = provider.call(
        f"{organization}: list service hooks",
        HOOKS,
        lambda: hooks.list_subscriptions(consumer_id="webHooks") or [],
    )  # type: ignore[attr-defined]
    present = {
        s.event_type
        for s in listed
        if (s.consumer_inputs or {}).get("url") == tracking.hook_url
        and (s.publisher_inputs or {}).get("projectId") == project_id
    }
    created = []
    for publisher, event, version in EVENTS:
        if event in present:
            continue
        subscription = _subscription(publisher, event, version, project_id, tracking)
        provider.call(
            f"{organization}/{project}: subscribe {event}",
            HOOKS,
            lambda s=subscription: hooks.create_subscription(s),
        )  # type: ignore[attr-defined]
        created.append(f"{organization}/{project}: service hook {event} -> {tracking.hook_url}")
    for line in created:
        log.info("created %s", line)
    return created


def homes(targets: Iterable[object]) -> set[tuple[str, str]]:
    """The Azure DevOps (organization, project) of every published repository."""
    found = set()
    for target in targets:
        config = target.config  # type: ignore[attr-defined]
        if config.organization and config.project:
            found.add((config.organization, config.project))
    return found


def _hooks_client(provider: object, organization: str) -> ServiceHooksClient:
    """Service hooks have no resource area: the client lives at the organization URL."""
    base = provider.url_template.format(organization=organization)  # type: ignore[attr-defined]
    return provider._configure(ServiceHooksClient(base, provider._creds))  # type: ignore[attr-defined]


def _subscription(
    publisher: str, event: str, version: str, project_id: str, tracking: Tracking
) -> Subscription:
    return Subscription(
        publisher_id=publisher,
        event_type=event,
        resource_version=version,
        consumer_id="webHooks",
        consumer_action_id="httpRequest",
        publisher_inputs={"projectId": project_id},
        consumer_inputs={
            "url": tracking.hook_url,
            "httpHeaders": f"{SECRET_HEADER}:{tracking.secret.reveal()}",
            "resourceDetailsToSend": "all",
            "messagesToSend": "none",
            "detailedMessagesToSend": "none",
        },
    )
