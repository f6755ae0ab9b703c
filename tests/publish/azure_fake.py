"""A small Azure DevOps for tests: the documented REST shapes the SDK calls, over
pytest-httpserver, with Git served by local bare repositories (each repository's
``remoteUrl`` is the path of a bare repository, so pushes are real Git).

Routes (``{org}`` prefix; api-version negotiated through the OPTIONS discovery):

- ``OPTIONS _apis``                                resource locations (route templates)
- ``GET _apis/resourceAreas``                      where each area is served
- ``GET _apis/projects/{project}``                 TeamProject
- ``GET|POST {project}/_apis/git/repositories[/{name}]``
- ``GET|POST {project}/_apis/git/repositories/{id}/pullrequests``, ``PATCH .../{prId}``
- ``GET|POST {project}/_apis/policy/configurations``, ``PUT .../{id}``
- ``GET {project}/_apis/build/definitions``

Every request must carry the expected ``Authorization`` header, else 401.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import git
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

LOCATIONS = [
    ("e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "ResourceAreas", "_apis/resourceAreas/{areaId}"),
    ("603fe2ac-9723-48b9-88ad-09305aa6c6e1", "core", "projects", "_apis/projects/{*projectId}"),
    ("225f7195-f9c7-4d14-ab28-a83f7ff77e1f", "git", "repositories", "{project}/_apis/git/repositories/{repositoryId}"),
    ("9946fd70-0d40-406e-b686-b4744cbbcc37", "git", "pullRequests", "{project}/_apis/git/repositories/{repositoryId}/pullrequests/{pullRequestId}"),
    ("dad91cbe-d183-45f8-9c6e-9c1164472121", "policy", "configurations", "{project}/_apis/policy/configurations/{configurationId}"),
    ("dbeaf647-6167-421a-bda9-c9327b25e2e6", "build", "definitions", "{project}/_apis/build/definitions/{definitionId}"),
]  # fmt: skip
AREAS = {
    "git": "4e080c62-fa21-4fbc-8fef-2a10a2b38049",
    "policy": "fb13a388-40dd-4a04-b530-013a739c72ef",
    "build": "965220d5-5bb9-42cf-8d67-9b146df2a5a4",
    "core": "79134c72-4a58-4b42-976c-04e7115f32bf",
}


@dataclass
class Fault:
    method: str
    path: str  # a regular expression searched in the path
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str


class FakeAzureDevOps:
    def __init__(
        self, server: HTTPServer, bare_root: Path, token: str, org: str = "contoso"
    ) -> None:
        self.server = server
        self.root = bare_root
        self.org = org
        self.expected_auth = "Basic " + base64.b64encode(f":{token}".encode()).decode()
        self.projects = {"payments": {"id": str(uuid.uuid4()), "name": "Payments"}}
        self.repos: dict[str, dict[str, Any]] = {}
        self.pull_requests: list[dict[str, Any]] = []
        self.policies: list[dict[str, Any]] = []
        self.definitions: dict[str, list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.hide_pull_requests = 0
        self.requests: list[Seen] = []
        server.expect_request(re.compile(f"^/{org}/.*")).respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/{organization}").replace("%7B", "{").replace("%7D", "}")

    def fail(self, method: str, path: str, status: int, times: int = 1, **headers: str) -> None:
        self.faults.append(Fault(method, path, status, times, headers))

    def writes(self) -> list[Seen]:
        return [r for r in self.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]

    # --- dispatch -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = unquote(request.path)[len(self.org) + 1 :]
        self.requests.append(
            Seen(
                request.method,
                path,
                request.query_string.decode(),
                dict(request.headers),
                request.get_data(as_text=True),
            )
        )
        if request.headers.get("Authorization") != self.expected_auth:
            return _error(401, "TF400813: The user is not authorized to access this resource.")
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and re.search(fault.path, path):
                fault.times -= 1
                return _error(fault.status, f"injected {fault.status}", fault.headers)
        for pattern, method, handler in self._routes():
            match = re.fullmatch(pattern, path, re.IGNORECASE)
            if match and request.method == method:
                return handler(request, *match.groups())
        return _error(404, f"no route for {request.method} {path}")

    def _routes(self) -> list[tuple[str, str, Any]]:
        repo = r"/([^/]+)/_apis/git/repositories"
        return [
            (r"/_apis", "OPTIONS", self.options),
            (r"/_apis/resourceAreas", "GET", self.resource_areas),
            (r"/_apis/projects/([^/]+)", "GET", self.project),
            (repo + r"/([^/]+)", "GET", self.get_repository),
            (repo, "POST", self.create_repository),
            (repo + r"/([^/]+)/pullrequests", "GET", self.list_prs),
            (repo + r"/([^/]+)/pullrequests", "POST", self.create_pr),
            (repo + r"/([^/]+)/pullrequests/(\d+)", "PATCH", self.update_pr),
            (r"/([^/]+)/_apis/policy/configurations", "GET", self.list_policies),
            (r"/([^/]+)/_apis/policy/configurations", "POST", self.create_policy),
            (r"/([^/]+)/_apis/policy/configurations/(\d+)", "PUT", self.update_policy),
            (r"/([^/]+)/_apis/build/definitions", "GET", self.list_definitions),
        ]

    # --- discovery ------------------------------------------------------------------------------

    def options(self, request: Request) -> Response:
        value = [
            {
                "id": lid, "area": area, "resourceName": resource, "routeTemplate": template,
                "resourceVersion": 1, "minVersion": 1.0, "maxVersion": 7.1, "releasedVersion": "7.0",
            }
            for lid, area, resource, template in LOCATIONS
        ]  # fmt: skip
        return _json({"count": len(value), "value": value})

    def resource_areas(self, request: Request) -> Response:
        base = self.server.url_for(f"/{self.org}")
        value = [{"id": aid, "name": name, "locationUrl": base} for name, aid in AREAS.items()]
        return _json({"count": len(value), "value": value})

    def project(self, request: Request, name: str) -> Response:
        found = self.projects.get(name.lower())
        if found is None:
            return _error(404, f"TF200016: The following project does not exist: {name}.")
        return _json(found)

    # --- repositories ---------------------------------------------------------------------------

    def _repo_json(self, repo: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": repo["id"],
            "name": repo["name"],
            "remoteUrl": str(repo["path"]),
            "webUrl": f"https://dev.azure.com/{self.org}/Payments/_git/{repo['name']}",
            "project": self.projects["payments"],
        }

    def _repo(self, key: str) -> dict[str, Any] | None:
        for repo in self.repos.values():
            if key.lower() in (repo["id"].lower(), repo["name"].lower()):
                return repo
        return None

    def get_repository(self, request: Request, project: str, key: str) -> Response:
        repo = self._repo(key)
        if repo is None:
            return _error(
                404, f"TF401019: The Git repository with name or identifier {key} does not exist."
            )
        return _json(self._repo_json(repo))

    def create_repository(self, request: Request, project: str) -> Response:
        body = request.get_json()
        assert body["project"]["id"] == self.projects["payments"]["id"]
        if self._repo(body["name"]) is not None:
            return _error(409, "TF400948: A Git repository with this name already exists.")
        return _json(self._repo_json(self.add_repository(body["name"])), 201)

    def add_repository(self, name: str) -> dict[str, Any]:
        path = self.root / f"{name}.git"
        git.Repo.init(path, bare=True, initial_branch="main")
        repo = {"id": str(uuid.uuid4()), "name": name, "path": path}
        self.repos[name] = repo
        return repo

    # --- pull requests --------------------------------------------------------------------------

    def _pr_json(self, pr: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in pr.items() if key != "repositoryId"}

    def list_prs(self, request: Request, project: str, repo_id: str) -> Response:
        if self.hide_pull_requests > 0:
            self.hide_pull_requests -= 1
            return _json({"count": 0, "value": []})
        args = request.args
        found = [
            pr
            for pr in self.pull_requests
            if pr["repositoryId"] == repo_id
            and pr["status"] == args.get("searchCriteria.status", pr["status"])
            and pr["sourceRefName"] == args.get("searchCriteria.sourceRefName", pr["sourceRefName"])
            and pr["targetRefName"] == args.get("searchCriteria.targetRefName", pr["targetRefName"])
        ]
        return _json({"count": len(found), "value": [self._pr_json(pr) for pr in found]})

    def create_pr(self, request: Request, project: str, repo_id: str) -> Response:
        body = request.get_json()
        for pr in self.pull_requests:
            same = (pr["sourceRefName"], pr["targetRefName"]) == (
                body["sourceRefName"],
                body["targetRefName"],
            )
            if pr["repositoryId"] == repo_id and same and pr["status"] == "active":
                return _error(
                    409,
                    "TF401179: An active pull request for the source and target branch already exists.",
                    type_key="GitPullRequestExistsException",
                )
        pr = {
            "pullRequestId": len(self.pull_requests) + 1,
            "repositoryId": repo_id,
            "status": "active",
            "sourceRefName": body["sourceRefName"],
            "targetRefName": body["targetRefName"],
            "title": body["title"],
            "description": body.get("description", ""),
        }
        self.pull_requests.append(pr)
        return _json(self._pr_json(pr), 201)

    def update_pr(self, request: Request, project: str, repo_id: str, number: str) -> Response:
        pr = next(p for p in self.pull_requests if p["pullRequestId"] == int(number))
        body = request.get_json()
        pr.update({k: v for k, v in body.items() if k in ("title", "description", "status")})
        return _json(self._pr_json(pr))

    # --- policies and pipelines -----------------------------------------------------------------

    def list_policies(self, request: Request, project: str) -> Response:
        kind = request.args.get("policyType")
        found = [p for p in self.policies if kind is None or p["type"]["id"] == kind]
        return _json({"count": len(found), "value": found})

    def create_policy(self, request: Request, project: str) -> Response:
        body = request.get_json()
        policy = {**body, "id": len(self.policies) + 1, "revision": 1, "isDeleted": False}
        self.policies.append(policy)
        return _json(policy, 201)

    def update_policy(self, request: Request, project: str, number: str) -> Response:
        policy = next(p for p in self.policies if p["id"] == int(number))
        policy.update(request.get_json())
        policy["revision"] += 1
        return _json(policy)

    def list_definitions(self, request: Request, project: str) -> Response:
        found = self.definitions.get(request.args.get("repositoryId", ""), [])
        return _json({"count": len(found), "value": found})


def _json(document: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(document), status=status, content_type="application/json; charset=utf-8"
    )


def _error(
    status: int, message: str, headers: dict[str, str] | None = None, type_key: str = ""
) -> Response:
    body = {
        "$id": "1",
        "innerException": None,
        "message": message,
        "typeName": type_key,
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": 3000,
    }
    return Response(
        json.dumps(body),
        status=status,
        content_type="application/json; charset=utf-8",
        headers=headers or {},
    )
