"""A small Azure DevOps for the tracker: the documented REST shapes of builds, their
timeline, test runs, code coverage, artifacts, environment approvals and Git commits,
over pytest-httpserver.  The SDK discovers every route through ``OPTIONS _apis``.

Routes (``/{org}`` prefix):

- ``GET {project}/_apis/build/definitions?name=``        BuildDefinitionReference list
- ``GET {project}/_apis/build/builds?definitions=``      Build list
- ``GET {project}/_apis/build/builds/{id}/timeline``     Timeline (Stage / Checkpoint.Approval records)
- ``GET {project}/_apis/build/builds/{id}/artifacts?artifactName=``  BuildArtifact; its downloadUrl serves a zip
- ``GET {project}/_apis/test/runs?buildUri=``            TestRun list
- ``GET {project}/_apis/test/codecoverage?buildId=``     BuildCoverage list
- ``GET {project}/_apis/pipelines/approvals?approvalIds=`` Approval list (with steps)
- ``GET {project}/_apis/git/repositories/{repo}/commits`` GitCommitRef list

Any organization answers; only ``org`` has pipeline definitions.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

LOCATIONS = [
    ("e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "ResourceAreas", "_apis/resourceAreas/{areaId}"),
    ("dbeaf647-6167-421a-bda9-c9327b25e2e6", "build", "definitions", "{project}/_apis/build/definitions/{definitionId}"),
    ("0cd358e1-9217-4d94-8269-1c1ee6f93dcf", "build", "builds", "{project}/_apis/build/builds/{buildId}"),
    ("8baac422-4c6e-4de5-8532-db96d92acffa", "build", "Timeline", "{project}/_apis/build/builds/{buildId}/Timeline/{timelineId}"),
    ("1db06c96-014e-44e1-ac91-90b2d4b3e984", "build", "artifacts", "{project}/_apis/build/builds/{buildId}/artifacts"),
    ("cadb3810-d47d-4a3c-a234-fe5f3be50138", "Test", "Runs", "{project}/_apis/test/Runs/{runId}"),
    ("77560e8a-4e8c-4d59-894e-a5f264c24444", "Test", "CodeCoverage", "{project}/_apis/test/CodeCoverage"),
    ("c2570c3b-5b3f-41b8-98bf-5407bfde8d58", "git", "commits", "{project}/_apis/git/repositories/{repositoryId}/commits/{commitId}"),
]  # fmt: skip
AREAS = {
    "build": "965220d5-5bb9-42cf-8d67-9b146df2a5a4",
    "Test": "c2aa639c-3ccc-4740-b3b6-ce2a1e1d984e",
    "git": "4e080c62-fa21-4fbc-8fef-2a10a2b38049",
}


@dataclass
class FakeBuild:
    id: int
    number: str
    definition: str
    requested_for: str
    status: str = "inProgress"
    result: str | None = None
    commit: str = "a1b2c3d4e5f6"
    stages: dict[str, tuple[str, str | None]] = field(
        default_factory=dict
    )  # name -> (state, result)
    tests: tuple[int, int, int, int] | None = None  # total, passed, failed, skipped
    coverage: tuple[int, int] | None = None  # lines covered, not covered
    image: dict[str, Any] | None = None
    approvals: dict[str, dict[str, Any]] = field(default_factory=dict)  # stage -> approval


class FakeAzureDevOpsBuilds:
    def __init__(self, server: HTTPServer, token: str, org: str = "contoso") -> None:
        self.server = server
        self.org = org
        self.expected = "Basic " + base64.b64encode(f":{token}".encode()).decode()
        self.definitions: dict[str, int] = {}
        self.builds: list[FakeBuild] = []
        self.commits: dict[
            str, list[tuple[str, str]]
        ] = {}  # repository -> [(sha, message)], oldest first
        self.requests: list[str] = []
        server.expect_request(re.compile(r"^/[^/]+/.*")).respond_with_handler(self.handle)

    @property
    def url_template(self) -> str:
        return self.server.url_for("/{organization}").replace("%7B", "{").replace("%7D", "}")

    def define(self, name: str) -> None:
        self.definitions.setdefault(name, 100 + len(self.definitions))

    def add_build(self, build: FakeBuild) -> FakeBuild:
        self.define(build.definition)
        self.builds.append(build)
        return build

    def approve(
        self,
        build: FakeBuild,
        stage: str,
        approver: str,
        status: str = "approved",
        comment: str = "",
    ) -> None:
        approval = build.approvals[stage]
        approval["status"] = status
        approval["steps"][0].update(
            {"status": status, "comment": comment, "actualApprover": _identity(approver)}
        )

    def wait_for_approval(self, build: FakeBuild, stage: str, approvers: list[str]) -> None:
        build.stages[stage] = ("pending", None)
        build.approvals[stage] = {
            "id": f"{build.id:08d}-0000-4000-8000-{len(build.approvals):012d}",
            "status": "pending",
            "minRequiredApprovers": 1,
            "steps": [
                {"assignedApprover": _identity(a), "status": "pending", "comment": None}
                for a in approvers
            ],
        }

    # --- dispatch -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        org, _, rest = unquote(request.path).lstrip("/").partition("/")
        path = "/" + rest
        self.requests.append(f"{request.method} {org}{path}")
        if request.headers.get("Authorization") != self.expected:
            return _json({"message": "TF400813: The user is not authorized."}, 401)
        for pattern, method, handler in self._routes():
            match = re.fullmatch(pattern, path, re.IGNORECASE)
            if match and request.method == method:
                return handler(request, *match.groups())
        return _json({"message": f"no route for {request.method} {path}"}, 404)

    def _routes(self) -> list[tuple[str, str, Any]]:
        build = r"/([^/]+)/_apis/build/builds/(\d+)"
        return [
            (r"/_apis", "OPTIONS", self.options),
            (r"/_apis/resourceAreas", "GET", self.resource_areas),
            (r"/([^/]+)/_apis/build/definitions", "GET", self.list_definitions),
            (r"/([^/]+)/_apis/build/builds", "GET", self.list_builds),
            (build + r"/timeline", "GET", self.timeline),
            (build + r"/artifacts", "GET", self.artifact),
            (build + r"/artifacts/download", "GET", self.download),
            (r"/([^/]+)/_apis/test/runs", "GET", self.test_runs),
            (r"/([^/]+)/_apis/test/codecoverage", "GET", self.coverage),
            (r"/([^/]+)/_apis/pipelines/approvals", "GET", self.list_approvals),
            (r"/([^/]+)/_apis/git/repositories/([^/]+)/commits", "GET", self.list_commits),
        ]

    def options(self, request: Request) -> Response:
        value = [
            {"id": lid, "area": area, "resourceName": resource, "routeTemplate": template,
             "resourceVersion": 1, "minVersion": 1.0, "maxVersion": 7.1, "releasedVersion": "7.0"}
            for lid, area, resource, template in LOCATIONS
        ]  # fmt: skip
        return _json({"count": len(value), "value": value})

    def resource_areas(self, request: Request) -> Response:
        base = self.server.url_for("/" + request.path.strip("/").split("/")[0])
        return _json(
            {
                "value": [
                    {"id": aid, "name": name, "locationUrl": base} for name, aid in AREAS.items()
                ]
            }
        )

    # --- builds ---------------------------------------------------------------------------------

    def list_definitions(self, request: Request, project: str) -> Response:
        name = request.args.get("name", "")
        if not request.path.startswith(f"/{self.org}/"):
            return _json({"count": 0, "value": []})
        found = [
            {"id": i, "name": n, "path": "\\"} for n, i in self.definitions.items() if n == name
        ]
        return _json({"count": len(found), "value": found})

    def list_builds(self, request: Request, project: str) -> Response:
        wanted = {int(d) for d in request.args.get("definitions", "").split(",") if d}
        names = {n for n, i in self.definitions.items() if i in wanted}
        found = [
            self._build_json(b, project) for b in reversed(self.builds) if b.definition in names
        ]
        return _json({"count": len(found), "value": found})

    def _build(self, build_id: str) -> FakeBuild:
        return next(b for b in self.builds if b.id == int(build_id))

    def _build_json(self, build: FakeBuild, project: str) -> dict[str, Any]:
        return {
            "id": build.id,
            "buildNumber": build.number,
            "status": build.status,
            "result": build.result,
            "uri": f"vstfs:///Build/Build/{build.id}",
            "definition": {"id": self.definitions[build.definition], "name": build.definition},
            "requestedFor": _identity(build.requested_for),
            "sourceBranch": "refs/heads/main",
            "sourceVersion": build.commit,
            "project": {"name": project},
        }

    def timeline(self, request: Request, project: str, build_id: str) -> Response:
        build = self._build(build_id)
        records = []
        for order, (name, (state, result)) in enumerate(build.stages.items(), start=1):
            stage_id = f"{build.id:08d}-1111-4000-8000-{order:012d}"
            records.append({"id": stage_id, "parentId": None, "type": "Stage", "name": name.replace("_", " ").title(),
                            "identifier": name, "state": state, "result": result, "order": order})  # fmt: skip
            if name in build.approvals:
                checkpoint = f"{build.id:08d}-2222-4000-8000-{order:012d}"
                records.append(
                    {
                        "id": checkpoint,
                        "parentId": stage_id,
                        "type": "Checkpoint",
                        "name": "Checkpoint",
                        "state": state,
                    }
                )
                approval = build.approvals[name]
                records.append({"id": approval["id"], "parentId": checkpoint, "type": "Checkpoint.Approval",
                                "name": "Approval", "state": "completed" if approval["status"] != "pending" else "inProgress"})  # fmt: skip
        return _json({"id": str(build.id), "records": records})

    def artifact(self, request: Request, project: str, build_id: str) -> Response:
        build = self._build(build_id)
        if build.image is None or request.args.get("artifactName") != "image":
            return _json({"message": "Artifact image not found"}, 404)
        url = self.server.url_for(
            f"/{self.org}/{project}/_apis/build/builds/{build.id}/artifacts/download"
        )
        return _json(
            {
                "id": 1,
                "name": "image",
                "resource": {"type": "PipelineArtifact", "downloadUrl": url + "?format=zip"},
            }
        )

    def download(self, request: Request, project: str, build_id: str) -> Response:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("image/image.json", json.dumps(self._build(build_id).image))
            zipped.writestr("image/digest", self._build(build_id).image["digest"] + "\n")  # type: ignore[index]
        return Response(archive.getvalue(), content_type="application/zip")

    def test_runs(self, request: Request, project: str) -> Response:
        build_id = request.args.get("buildUri", "").rsplit("/", 1)[-1]
        build = self._build(build_id) if build_id.isdigit() else None
        if build is None or build.tests is None:
            return _json({"count": 0, "value": []})
        total, passed, failed, skipped = build.tests
        run = {"id": build.id * 10, "name": "VSTest results", "totalTests": total, "passedTests": passed,
               "unanalyzedTests": failed, "notApplicableTests": skipped, "state": "Completed"}  # fmt: skip
        return _json({"count": 1, "value": [run]})

    def coverage(self, request: Request, project: str) -> Response:
        build = self._build(request.args.get("buildId", "0"))
        if build.coverage is None:
            return _json({"count": 0, "value": []})
        covered, missed = build.coverage
        module = {
            "name": "Payments.Api.dll",
            "statistics": {
                "linesCovered": covered,
                "linesNotCovered": missed,
                "linesPartiallyCovered": 0,
            },
        }
        return _json({"count": 1, "value": [{"state": "completed", "modules": [module]}]})

    def list_approvals(self, request: Request, project: str) -> Response:
        wanted = set(request.args.get("approvalIds", "").split(","))
        found = [a for b in self.builds for a in b.approvals.values() if a["id"] in wanted]
        return _json({"count": len(found), "value": found})

    def list_commits(self, request: Request, project: str, repository: str) -> Response:
        newest_first = list(reversed(self.commits.get(repository, [])))
        value = [
            {"commitId": sha, "comment": message, "commentTruncated": False}
            for sha, message in newest_first
        ]
        return _json({"count": len(value), "value": value})


def _identity(email: str) -> dict[str, str]:
    return {"displayName": email.split("@")[0].title(), "uniqueName": email, "id": email}


def _json(document: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(document), status=status, content_type="application/json; charset=utf-8"
    )
