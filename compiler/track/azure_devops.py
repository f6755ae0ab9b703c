"""Polling Azure DevOps through the azure-devops SDK: builds of the published
pipelines with their timeline, test runs, coverage, the ``image`` artifact and the
approvals of their environments, and the deploy stages' commits in the GitOps
repository.

Approvals have no client in the Python SDK; they are read from the documented
``_apis/pipelines/approvals`` route through the SDK's own authenticated session.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any, TypeVar

from azure.devops.credentials import BasicAuthentication
from azure.devops.v7_1.build.build_client import BuildClient
from azure.devops.v7_1.git.git_client import GitClient
from azure.devops.v7_1.git.models import GitQueryCommitsCriteria
from azure.devops.v7_1.location.location_client import LocationClient
from azure.devops.v7_1.test.test_client import TestClient
from msrest.exceptions import ClientException
from requests import RequestException

from compiler.errors import ExternalError
from compiler.state.reports import Coverage, TestSummary
from compiler.track.catalog import Pipeline, ProjectCatalog
from compiler.track.observations import (
    ApprovalSeen,
    CommitSeen,
    ImageSeen,
    Observation,
    PushSeen,
    RunSeen,
    StepSeen,
    TestsSeen,
    ledger_status,
)

T = TypeVar("T")
APPROVALS_VERSION = "7.1"
IMAGE_ARTIFACT = "image"


class AzureDevOpsPoller:
    def __init__(
        self, token: str, url_template: str, *, builds: int = 20, timeout: float = 30
    ) -> None:
        self._creds = BasicAuthentication("", token)
        self.url_template = url_template
        self.builds = builds
        self.timeout = timeout
        self._clients: dict[tuple[str, type], Any] = {}
        self._areas: dict[str, dict[str, str]] = {}

    def observe(self, catalog: ProjectCatalog) -> list[Observation]:
        found: list[Observation] = []
        for pipeline in catalog.pipelines:
            if pipeline.organization and pipeline.ado_project:
                found.extend(
                    self._guarded(
                        f"pipeline {pipeline.name}", lambda p=pipeline: list(self._pipeline(p))
                    )
                )
        gitops = _gitops_home(catalog)
        if gitops is not None and catalog.gitops_repository:
            found.extend(
                self._guarded(
                    "GitOps commits", lambda: [self._pushes(*gitops, catalog.gitops_repository)]
                )
            )
        return found

    def _guarded(self, what: str, call: Any) -> list[Observation]:
        try:
            return list(call())
        except (ClientException, RequestException) as error:
            raise ExternalError(f"Azure DevOps: reading {what} failed: {error}") from error

    def client(self, organization: str, kind: type[T]) -> T:
        """An SDK client at the URL its resource area is served from (as Connection
        would look it up), one per organization and kind."""
        key = (organization, kind)
        if key not in self._clients:
            area = kind.resource_area_identifier  # type: ignore[attr-defined]
            client = kind(
                self._areas_of(organization).get(area.lower(), self._base(organization)),
                self._creds,
            )  # type: ignore[call-arg]
            client.config.connection.timeout = self.timeout
            self._clients[key] = client
        return self._clients[key]  # type: ignore[no-any-return]

    def _base(self, organization: str) -> str:
        return self.url_template.format(organization=organization)

    def _areas_of(self, organization: str) -> dict[str, str]:
        if organization not in self._areas:
            areas = LocationClient(self._base(organization), self._creds).get_resource_areas() or []
            self._areas[organization] = {a.id.lower(): a.location_url for a in areas}
        return self._areas[organization]

    def _pipeline(self, pipeline: Pipeline) -> Iterator[Observation]:
        organization = str(pipeline.organization)
        client = self.client(organization, BuildClient)
        project = str(pipeline.ado_project)
        definitions = client.get_definitions(project, name=pipeline.name)
        if not definitions:
            return
        builds = client.get_builds(project, definitions=[definitions[0].id], top=self.builds)
        for build in sorted(builds, key=lambda b: b.id):
            yield from self._build(organization, client, project, pipeline, build)

    def _build(
        self, organization: str, client: Any, project: str, pipeline: Pipeline, build: Any
    ) -> Iterator[Observation]:
        timeline = client.get_build_timeline(project, build.id)
        records = list(timeline.records or []) if timeline else []
        yield RunSeen(
            pipeline=pipeline.name,
            build_id=build.id,
            run_number=build.build_number,
            status=ledger_status(build.status, build.result),
            source_commit=build.source_version,
            source_branch=build.source_branch,
            requested_by=_identity(build.requested_for),
            url=f"{self._base(organization)}/{project}/_build/results?buildId={build.id}",
            stages=_stages(records),
        )
        tests_client = self.client(organization, TestClient)
        tests = _tests(tests_client, project, build)
        if tests is not None:
            coverage = _coverage(tests_client, project, build.id)
            yield TestsSeen(pipeline.name, build.id, tests, coverage)
        image = _image(client, project, pipeline.name, build.id)
        if image is not None:
            yield image
        yield from _approvals(client, project, pipeline.name, build.id, records)

    def _pushes(self, organization: str, project: str, repository: str) -> PushSeen:
        client = self.client(organization, GitClient)
        criteria = GitQueryCommitsCriteria(top=100)
        commits = client.get_commits(repository, criteria, project=project)
        ordered = tuple(CommitSeen(c.commit_id, c.comment or "") for c in reversed(commits or []))
        return PushSeen(repository=repository, branch="", commits=ordered, pushed_by="")


def _gitops_home(catalog: ProjectCatalog) -> tuple[str, str] | None:
    for pipeline in catalog.pipelines:
        if pipeline.organization and pipeline.ado_project:
            return pipeline.organization, pipeline.ado_project
    return None


def _stages(records: list[Any]) -> tuple[tuple[str, str], ...]:
    stages = sorted((r for r in records if r.type == "Stage"), key=lambda r: r.order or 0)
    found = ((r.identifier or r.name, ledger_status(r.state, r.result)) for r in stages)
    return tuple((name, status) for name, status in found if status)


def _tests(client: Any, project: str, build: Any) -> TestSummary | None:
    runs = client.get_test_runs(project, build_uri=build.uri) or []
    if not runs:
        return None
    totals = {"total": 0, "passed": 0, "failed": 0, "skipped": 0}
    for run in runs:
        totals["total"] += run.total_tests or 0
        totals["passed"] += run.passed_tests or 0
        totals["failed"] += run.unanalyzed_tests or 0
        totals["skipped"] += run.not_applicable_tests or 0
    errored = max(totals["total"] - totals["passed"] - totals["failed"] - totals["skipped"], 0)
    suites = tuple({"name": run.name or str(run.id), "tests": run.total_tests or 0} for run in runs)
    return TestSummary(errored=errored, suites=suites, **totals)


def _coverage(client: Any, project: str, build_id: int) -> Coverage | None:
    covered = valid = 0
    for coverage in client.get_build_code_coverage(project, build_id, 1) or []:
        for module in coverage.modules or []:
            stats = module.statistics
            if stats is not None:
                covered += stats.lines_covered or 0
                valid += (
                    (stats.lines_covered or 0)
                    + (stats.lines_not_covered or 0)
                    + (stats.lines_partially_covered or 0)
                )
    if not valid:
        return None
    return Coverage(
        line_rate=round(covered / valid, 4),
        branch_rate=None,
        lines_covered=covered,
        lines_valid=valid,
    )


def _image(client: Any, project: str, pipeline: str, build_id: int) -> ImageSeen | None:
    try:
        artifact = client.get_artifact(project, build_id, IMAGE_ARTIFACT)
    except ClientException:
        return None
    url = artifact.resource.download_url if artifact and artifact.resource else None
    if not url:
        return None
    response = client._send_request(client._client.get(url), headers={"Accept": "application/zip"})
    record = _image_json(response.content)
    if record is None:
        return None
    registry, _, repository = str(record["image"]).partition("/")
    return ImageSeen(
        pipeline,
        build_id,
        registry,
        repository,
        str(record["digest"]),
        tuple(record.get("tags", ())),
    )


def _image_json(data: bytes) -> dict[str, Any] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            name = next((n for n in archive.namelist() if n.endswith("image.json")), None)
            return None if name is None else dict(json.loads(archive.read(name)))
    except (zipfile.BadZipFile, ValueError, KeyError):
        return None


def _approvals(
    client: Any, project: str, pipeline: str, build_id: int, records: list[Any]
) -> Iterator[ApprovalSeen]:
    by_id = {r.id: r for r in records}
    checkpoints = [r for r in records if r.type == "Checkpoint.Approval"]
    if not checkpoints:
        return
    url = f"{client.normalized_url}/{project}/_apis/pipelines/approvals"
    query = {
        "approvalIds": ",".join(r.id for r in checkpoints),
        "$expand": "steps",
        "api-version": APPROVALS_VERSION,
    }
    response = client._send_request(
        client._client.get(url, query), headers={"Accept": "application/json"}
    )
    for approval in response.json().get("value", []):
        stage = _stage_of(by_id, approval.get("id", ""))
        yield ApprovalSeen(
            external_id=approval["id"],
            pipeline=pipeline,
            build_id=build_id,
            stage=stage,
            status=approval.get("status", "pending"),
            steps=tuple(_step(step) for step in approval.get("steps", [])),
            required=approval.get("minRequiredApprovers") or 1,
        )


def _stage_of(by_id: dict[str, Any], record_id: str) -> str | None:
    record = by_id.get(record_id)
    while record is not None and record.type != "Stage":
        record = by_id.get(record.parent_id)
    return None if record is None else (record.identifier or record.name)


def _step(step: dict[str, Any]) -> StepSeen:
    who = step.get("actualApprover") or step.get("assignedApprover") or {}
    name = who.get("uniqueName") or who.get("displayName") or ""
    return StepSeen(
        approver=name, status=str(step.get("status", "pending")), comment=step.get("comment") or ""
    )


def _identity(identity: Any) -> str | None:
    return None if identity is None else (identity.unique_name or identity.display_name)
