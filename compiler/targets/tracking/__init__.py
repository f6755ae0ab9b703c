"""Tracking target: the objects that make Argo CD or Flux report to `shipspec serve`.

Generated only when the spec names a tracking URL (``spec.gitops.tracking.url``);
without one, nothing changes.

- Argo CD: ``notifications/argocd-notifications-cm.patch.yaml`` in the GitOps
  repository, a patch for the instance's ``argocd-notifications-cm`` (apply with
  ``kubectl -n argocd patch configmap argocd-notifications-cm --patch-file ...``; the
  ConfigMap belongs to the Argo CD instance and is shared, so it is never applied
  whole): the ``shipspec`` webhook service (bearer token from
  ``argocd-notifications-secret``, key ``shipspec-webhook-token``), the
  ``shipspec-sync`` template whose body is what ``serve`` validates, the
  ``on-shipspec-sync`` trigger, and a subscription for every application shipspec
  generated (selector ``shipspec/tenant``).  The patch is the same for every project
  that reports to the same ``serve``, so patches of several projects do not fight;
  ``serve`` tells their events apart by application name.
- Flux: ``flux/notifications.yaml``, a ``generic-hmac`` Provider (its key is the
  ``token`` of Secret ``shipspec-webhook-hmac``, created by the operator, never
  generated) and an Alert over the project's Kustomizations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.ir import OutputFile
from compiler.kubernetes import values as kv
from compiler.resolve.model import Project
from compiler.serialize import lines

KEY = "spec.gitops.tracking"
TEMPLATE = "gitops/documents.yaml.j2"
ARGO_PATCH = "notifications/argocd-notifications-cm.patch.yaml"
FLUX_FILE = "flux/notifications.yaml"
HMAC_SECRET = "shipspec-webhook-hmac"
ARGO_TOKEN_KEY = "shipspec-webhook-token"
ARGO_BODY = (
    '{"id": "{{.app.metadata.uid}}:{{.app.status.operationState.finishedAt}}:'
    '{{.app.status.sync.status}}:{{.app.status.health.status}}",\n'
    ' "application": "{{.app.metadata.name}}",\n'
    ' "syncStatus": "{{.app.status.sync.status}}",\n'
    ' "healthStatus": "{{.app.status.health.status}}",\n'
    ' "revisions": [{{range $i, $r := .app.status.sync.revisions}}{{if $i}},{{end}}"{{$r}}"{{end}}],\n'
    ' "appliedRevisions": [{{range $i, $r := .app.status.operationState.syncResult.revisions}}'
    '{{if $i}},{{end}}"{{$r}}"{{end}}]}\n'
)
ARGO_WHEN = (
    "app.status.operationState != nil and app.status.operationState.phase in "
    "['Succeeded', 'Error', 'Failed'] or app.status.health.status in ['Healthy', 'Degraded']"
)


class TrackingNotifications:
    name = "tracking"

    def files(self, project: Project) -> Iterator[OutputFile]:
        if not project.tracking_url or not project.workloads:
            return
        if project.engine == "argocd":
            yield _file(project, ARGO_PATCH, [argocd_patch(project)])
        else:
            yield _file(project, FLUX_FILE, flux_objects(project))


def hook_url(project: Project, source: str) -> str:
    return f"{str(project.tracking_url).rstrip('/')}/hooks/{source}"


def argocd_patch(project: Project) -> dict[str, Any]:
    service = (
        f"url: {hook_url(project, 'argocd')}\n"
        "headers:\n"
        f"- name: Authorization\n  value: Bearer ${ARGO_TOKEN_KEY}\n"
        "- name: Content-Type\n  value: application/json\n"
    )
    template = "webhook:\n  shipspec:\n    method: POST\n    body: |\n" + "".join(
        f"      {line}\n" for line in ARGO_BODY.splitlines()
    )
    trigger = f"- when: {ARGO_WHEN}\n  send:\n  - shipspec-sync\n"
    subscription = (
        "- recipients:\n  - shipspec\n  triggers:\n  - on-shipspec-sync\n"
        "  selector: shipspec/tenant\n"
    )
    return {
        "data": {
            "service.webhook.shipspec": service,
            "template.shipspec-sync": template,
            "trigger.on-shipspec-sync": trigger,
            "subscriptions": subscription,
        }
    }


def flux_objects(project: Project) -> list[dict[str, Any]]:
    name = f"{project.tenant}-{project.name}-shipspec"
    labels = {"app.kubernetes.io/part-of": project.name, "shipspec/tenant": project.tenant}
    provider = {
        "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
        "kind": "Provider",
        "metadata": {"name": name, "namespace": "flux-system", "labels": labels},
        "spec": {
            "type": "generic-hmac",
            "address": hook_url(project, "flux"),
            "secretRef": {"name": HMAC_SECRET},
        },
    }
    sources = [
        {
            "kind": "Kustomization",
            "name": kv.application_name(project, env.name),
            "namespace": "flux-system",
        }
        for env in project.environments
    ]
    alert = {
        "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
        "kind": "Alert",
        "metadata": {"name": name, "namespace": "flux-system", "labels": labels},
        "spec": {"providerRef": {"name": name}, "eventSeverity": "info", "eventSources": sources},
    }
    return [provider, alert]


def _file(project: Project, path: str, documents: list[dict[str, Any]]) -> OutputFile:
    context = {"documents": [lines(document) for document in documents]}
    return project.file(f"{project.gitops_repository}/{path}", TEMPLATE, context, KEY)
