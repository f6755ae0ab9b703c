"""The example run the tracking tests observe: payments-api 20261201.1, requested by
dana, live through dev and test, waiting for the Release Managers in staging."""

from __future__ import annotations

from compiler.track.argocd import ArgoCdPoller
from compiler.track.azure_devops import AzureDevOpsPoller
from compiler.track.poll import TrackOptions, TrackResult, track
from tests.serve.conftest import GENERATED
from tests.track.ado_fake import FakeAzureDevOpsBuilds, FakeBuild
from tests.track.argocd_fake import FakeArgoCd

DIGEST = "sha256:" + "ab" * 32
VERSION = "20261201.1"
REQUESTER = "dana@contoso.com"
APPROVER = "erin@contoso.com"
RELEASE_MANAGERS = "[Payments]\\Release Managers"
OK = ("completed", "succeeded")


def payments_build(ado: FakeAzureDevOpsBuilds) -> FakeBuild:
    build = ado.add_build(
        FakeBuild(id=4711, number=VERSION, definition="payments-api-ci", requested_for=REQUESTER)
    )
    build.stages = {"build": OK, "image": OK, "deploy_dev": OK, "deploy_test": OK}
    ado.wait_for_approval(build, "deploy_staging", [RELEASE_MANAGERS])
    build.tests = (120, 118, 0, 2)
    build.coverage = (800, 200)
    build.image = {
        "image": "contosoacr.azurecr.io/payments/payments-api",
        "digest": DIGEST,
        "tags": [VERSION, build.commit],
    }
    return build


def promotion_message(module: str, environment: str, build_id: int = 4711) -> str:
    return f"promote {module} to {environment}\n\nImage-Digest: {DIGEST}\n\nBuild-Id: {build_id}\n"


def push(ado: FakeAzureDevOpsBuilds, argocd: FakeArgoCd | None, environment: str, sha: str) -> None:
    """A deploy stage's commit in the GitOps repository, and Argo CD syncing it."""
    ado.commits.setdefault("payments-gitops", []).append(
        (sha, promotion_message("payments-api", environment))
    )
    if argocd is not None:
        argocd.set(f"contoso-payments-{environment}-payments-api", sha)


def poll(
    store_url: str,
    ado: FakeAzureDevOpsBuilds,
    argocd: FakeArgoCd | None,
    argo_token: str,
    ado_token: str,
) -> TrackResult:
    sources: list[object] = [AzureDevOpsPoller(ado_token, ado.url_template)]
    if argocd is not None:
        sources.append(ArgoCdPoller(argocd.url, argo_token))
    return track(TrackOptions(generated=GENERATED, state_url=store_url), sources)  # type: ignore[arg-type]
