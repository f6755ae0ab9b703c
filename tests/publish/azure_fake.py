"""A small Azure DevOps for tests: the documented REST shapes the SDK calls, over
pytest-httpserver, with Git served by local bare repositories (each repository's
``remoteUrl`` is the path of a bare repository, so pushes are real Git).

One server holds any number of organizations (the first path segment) and projects.
Routes (``{org}`` prefix; api-version negotiated through the OPTIONS discovery):

- ``OPTIONS _apis``                                resource locations (route templates)
- ``GET _apis/resourceAreas``                      where each area is served
- ``GET _apis/projects/{project}``                 TeamProject
- ``GET|POST {project}/_apis/git/repositories[/{name}]``
- ``GET|POST {project}/_apis/git/repositories/{id}/pullrequests``, ``PATCH .../{prId}``
- ``GET|POST {project}/_apis/git/repositories/{id}/refs``   (tags: real refs in the bare repo)
- ``PATCH {project}/_apis/git/repositories/{id}/refs?filter=heads/x``  lock or unlock a branch
  (a locked branch refuses pushes: a ``pre-receive`` hook in the bare repository)
- ``GET|POST {project}/_apis/policy/configurations``, ``PUT .../{id}``
- the pipeline side in :mod:`tests.publish.azure_fake_pipelines`

Every request must carry the expected ``Authorization`` header, else 401.
"""

from __future__ import annotations

import base64
import inspect
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

from .azure_fake_pipelines import PIPELINE_AREAS, PIPELINE_LOCATIONS, PipelinesMixin

LOCATIONS = [
    ("e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "ResourceAreas", "_apis/resourceAreas/{areaId}"),
    ("603fe2ac-9723-48b9-88ad-09305aa6c6e1", "core", "projects", "_apis/projects/{*projectId}"),
    ("225f7195-f9c7-4d14-ab28-a83f7ff77e1f", "git", "repositories", "{project}/_apis/git/repositories/{repositoryId}"),
    ("9946fd70-0d40-406e-b686-b4744cbbcc37", "git", "pullRequests", "{project}/_apis/git/repositories/{repositoryId}/pullrequests/{pullRequestId}"),
    ("2d874a60-a811-4f62-9c9f-963a6ea0a55b", "git", "refs", "{project}/_apis/git/repositories/{repositoryId}/refs/{*filter}"),
    ("dad91cbe-d183-45f8-9c6e-9c1164472121", "policy", "configurations", "{project}/_apis/policy/configurations/{configurationId}"),
    *PIPELINE_LOCATIONS,
]  # fmt: skip
AREAS = {
    "git": "4e080c62-fa21-4fbc-8fef-2a10a2b38049",
    "policy": "fb13a388-40dd-4a04-b530-013a739c72ef",
    "core": "79134c72-4a58-4b42-976c-04e7115f32bf",
    **PIPELINE_AREAS,
}
ZERO = "0" * 40


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
    org: str = ""


class FakeAzureDevOps(PipelinesMixin):
    def __init__(
        self,
        server: HTTPServer,
        bare_root: Path,
        token: str,
        org: str = "contoso",
        projects: tuple[tuple[str, str], ...] = (("contoso", "Payments"),),
    ) -> None:
        self.server = server
        self.root = bare_root
        self.org = org
        self.expected_auth = "Basic " + base64.b64encode(f":{token}".encode()).decode()
        self.init_pipelines()
        self.org_projects: dict[tuple[str, str], dict[str, Any]] = {}
        for organization, name in projects:
            self.add_project(organization, name)
        self.repositories: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.pull_requests: list[dict[str, Any]] = []
        self.policies: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.hide_pull_requests = 0
        self.requests: list[Seen] = []
        server.expect_request(re.compile(r"^/[^/]+/.*")).respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/{organization}").replace("%7B", "{").replace("%7D", "}")

    @property
    def repos(self) -> dict[str, dict[str, Any]]:
        """The default organization's repositories by name (most tests use one project)."""
        return {r["name"]: r for (org, _, _), r in self.repositories.items() if org == self.org}

    @property
    def projects(self) -> dict[str, dict[str, Any]]:
        """The default organization's projects by lower-case name."""
        return {name: p for (org, name), p in self.org_projects.items() if org == self.org}

    def add_project(self, org: str, name: str) -> dict[str, Any]:
        project = {"id": str(uuid.uuid4()), "name": name, "state": "wellFormed"}
        self.org_projects[(org, name.lower())] = project
        self.add_identity(org, f"{name} Build Service ({org})", kind="service")
        return project

    def fail(self, method: str, path: str, status: int, times: int = 1, **headers: str) -> None:
        self.faults.append(Fault(method, path, status, times, headers))

    def writes(self) -> list[Seen]:
        return [r for r in self.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]

    # --- dispatch -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        org, _, rest = unquote(request.path).lstrip("/").partition("/")
        path = "/" + rest
        self.requests.append(
            Seen(
                request.method,
                path,
                request.query_string.decode(),
                dict(request.headers),
                request.get_data(as_text=True),
                org,
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
                try:
                    return self._call(handler, request, org, match.groups())
                except LookupError as missing:
                    return _error(
                        404, f"TF200016: The following project does not exist: {missing}."
                    )
        return _error(404, f"no route for {request.method} {path}")

    @staticmethod
    def _call(handler: Any, request: Request, org: str, groups: tuple[str, ...]) -> Response:
        """Handlers take the organization; a subclass's one-organization handlers need not."""
        if "org" in inspect.signature(handler).parameters:
            return handler(request, org, *groups)  # type: ignore[no-any-return]
        return handler(request, *groups)  # type: ignore[no-any-return]

    def _routes(self) -> list[tuple[str, str, Any]]:
        repo = r"/([^/]+)/_apis/git/repositories"
        return [
            (r"/_apis", "OPTIONS", self.options),
            (r"/_apis/resourceAreas", "GET", self.resource_areas),
            (r"/_apis/projects/([^/]+)", "GET", self.project),
            (repo + r"/([^/]+)", "GET", self.get_repository),
            (repo + r"/([^/]+)", "PATCH", self.update_repository),
            (repo, "POST", self.create_repository),
            (repo + r"/([^/]+)/pullrequests", "GET", self.list_prs),
            (repo + r"/([^/]+)/pullrequests", "POST", self.create_pr),
            (repo + r"/([^/]+)/pullrequests/(\d+)", "PATCH", self.update_pr),
            (repo + r"/([^/]+)/refs", "GET", self.list_refs),
            (repo + r"/([^/]+)/refs", "POST", self.update_refs),
            (repo + r"/([^/]+)/refs", "PATCH", self.lock_ref),
            (r"/([^/]+)/_apis/policy/configurations", "GET", self.list_policies),
            (r"/([^/]+)/_apis/policy/configurations", "POST", self.create_policy),
            (r"/([^/]+)/_apis/policy/configurations/(\d+)", "PUT", self.update_policy),
            *self.pipeline_routes(),
        ]

    # --- discovery ------------------------------------------------------------------------------

    def options(self, request: Request, org: str = "") -> Response:
        value = [
            {
                "id": lid, "area": area, "resourceName": resource, "routeTemplate": template,
                "resourceVersion": 1, "minVersion": 1.0, "maxVersion": 7.1, "releasedVersion": "7.0",
            }
            for lid, area, resource, template in LOCATIONS
        ]  # fmt: skip
        return _json({"count": len(value), "value": value})

    def resource_areas(self, request: Request, org: str = "") -> Response:
        base = self.server.url_for(f"/{org or self.org}")
        value = [{"id": aid, "name": name, "locationUrl": base} for name, aid in AREAS.items()]
        return _json({"count": len(value), "value": value})

    def find_project(self, org: str, key: str) -> dict[str, Any] | None:
        for (organization, _), project in self.org_projects.items():
            if organization == org and key.lower() in (project["id"], project["name"].lower()):
                return project
        return None

    def project(self, request: Request, org: str, name: str) -> Response:
        found = self.find_project(org, name)
        if found is None:
            return _error(404, f"TF200016: The following project does not exist: {name}.")
        return _json(found)

    # --- repositories ---------------------------------------------------------------------------

    def _repo_json(self, repo: dict[str, Any]) -> dict[str, Any]:
        project = self.org_projects[(repo["org"], repo["project"].lower())]
        return {
            "id": repo["id"],
            "name": repo["name"],
            "remoteUrl": str(repo["path"]),
            "webUrl": f"https://dev.azure.com/{repo['org']}/{project['name']}/_git/{repo['name']}",
            "project": project,
            "defaultBranch": repo.get("defaultBranch"),
        }

    def find_repo(self, org: str, project: str, key: str) -> dict[str, Any] | None:
        owner = self.find_project(org, project)
        for (organization, name, _), repo in self.repositories.items():
            if organization != org or owner is None or name != owner["name"].lower():
                continue
            if key.lower() in (repo["id"].lower(), repo["name"].lower()):
                return repo
        return None

    def get_repository(self, request: Request, org: str, project: str, key: str) -> Response:
        repo = self.find_repo(org, project, key)
        if repo is None:
            return _error(
                404, f"TF401019: The Git repository with name or identifier {key} does not exist."
            )
        return _json(self._repo_json(repo))

    def update_repository(self, request: Request, org: str, project: str, key: str) -> Response:
        """PATCH defaultBranch: the branch must exist (as the service requires)."""
        repo = self.find_repo(org, project, key)
        if repo is None:
            return _error(404, f"TF401019: repository {key} does not exist.")
        wanted = request.get_json().get("defaultBranch")
        bare = git.Repo(repo["path"])
        if wanted and _ref_sha(bare, wanted) == ZERO:
            return _error(400, f"TF401398: The branch {wanted} does not exist.")
        if wanted:
            repo["defaultBranch"] = wanted
            bare.git.symbolic_ref("HEAD", wanted)
        return _json(self._repo_json(repo))

    def create_repository(self, request: Request, org: str, project: str) -> Response:
        body = request.get_json()
        owner = self.find_project(org, project)
        assert owner is not None and body["project"]["id"] == owner["id"]
        if self.find_repo(org, project, body["name"]) is not None:
            return _error(409, "TF400948: A Git repository with this name already exists.")
        return _json(self._repo_json(self.add_repository(body["name"], org, owner["name"])), 201)

    def add_repository(
        self, name: str, org: str | None = None, project: str = "Payments"
    ) -> dict[str, Any]:
        org = org or self.org
        path = self.root / org / project / f"{name}.git"
        git.Repo.init(path, bare=True, initial_branch="main")
        repo = {"id": str(uuid.uuid4()), "name": name, "path": path, "org": org, "project": project}
        self.repositories[(org, project.lower(), name.lower())] = repo
        return repo

    def repo_by_id(self, repo_id: str) -> dict[str, Any] | None:
        return next((r for r in self.repositories.values() if r["id"] == repo_id), None)

    # --- refs (tags) ----------------------------------------------------------------------------

    def list_refs(self, request: Request, org: str, project: str, key: str) -> Response:
        repo = self.find_repo(org, project, key)
        if repo is None:
            return _error(404, f"TF401019: repository {key} does not exist.")
        wanted = "refs/" + request.args.get("filter", "")
        locked = repo.setdefault("locked", set())
        found = [
            {"name": ref.path, "objectId": ref.object.hexsha, "isLocked": ref.path in locked}
            for ref in git.Repo(repo["path"]).references
            if ref.path.startswith(wanted)
        ]
        return _json({"count": len(found), "value": found})

    def lock_ref(self, request: Request, org: str, project: str, key: str) -> Response:
        """Refs - Update Ref: GitRefUpdate {isLocked} for the branch ``filter`` names."""
        repo = self.find_repo(org, project, key)
        if repo is None:
            return _error(404, f"TF401019: repository {key} does not exist.")
        name = "refs/" + request.args.get("filter", "")
        bare = git.Repo(repo["path"])
        if _ref_sha(bare, name) == ZERO:
            return _error(400, f"TF401289: The ref {name} does not exist.")
        locked = repo.setdefault("locked", set())
        if request.get_json().get("isLocked"):
            locked.add(name)
        else:
            locked.discard(name)
        hook = Path(repo["path"]) / "hooks" / "pre-receive"
        hook.write_text(
            "#!/bin/sh\nwhile read old new ref; do\n"
            + "".join(
                f'  [ "$ref" = "{ref}" ] && echo "TF402455: {ref} is locked" >&2 && exit 1\n'
                for ref in sorted(locked)
            )
            + "done\nexit 0\n"
        )
        hook.chmod(0o755)
        sha = _ref_sha(bare, name)
        return _json({"name": name, "objectId": sha, "isLocked": name in locked})

    def update_refs(self, request: Request, org: str, project: str, key: str) -> Response:
        """GitRefUpdate[] -> GitRefUpdateResult[]; a stale oldObjectId fails that update."""
        repo = self.find_repo(org, project, key)
        if repo is None:
            return _error(404, f"TF401019: repository {key} does not exist.")
        bare = git.Repo(repo["path"])
        results = []
        for update in request.get_json():
            current = _ref_sha(bare, update["name"])
            ok = current == update["oldObjectId"]
            if ok:
                bare.git.update_ref(update["name"], update["newObjectId"])
            results.append(
                {
                    "name": update["name"],
                    "oldObjectId": update["oldObjectId"],
                    "newObjectId": update["newObjectId"],
                    "success": ok,
                    "updateStatus": "succeeded" if ok else "staleOldObjectId",
                    "repositoryId": repo["id"],
                }
            )
        return _json({"count": len(results), "value": results}, 200)

    # --- pull requests --------------------------------------------------------------------------

    def _pr_json(self, pr: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in pr.items() if key != "repositoryId"}

    def list_prs(self, request: Request, org: str, project: str, repo_id: str) -> Response:
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

    def create_pr(self, request: Request, org: str, project: str, repo_id: str) -> Response:
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

    def update_pr(
        self, request: Request, org: str, project: str, repo_id: str, number: str
    ) -> Response:
        pr = next(p for p in self.pull_requests if p["pullRequestId"] == int(number))
        body = request.get_json()
        pr.update({k: v for k, v in body.items() if k in ("title", "description", "status")})
        return _json(self._pr_json(pr))

    # --- policies -------------------------------------------------------------------------------

    def list_policies(self, request: Request, org: str, project: str) -> Response:
        kind = request.args.get("policyType")
        found = [
            p
            for p in self.policies
            if (kind is None or p["type"]["id"] == kind) and p.get("_org", org) == org
        ]
        return _json({"count": len(found), "value": [_public(p) for p in found]})

    def create_policy(self, request: Request, org: str, project: str) -> Response:
        body = request.get_json()
        policy = {**body, "id": len(self.policies) + 1, "revision": 1, "isDeleted": False}
        policy["_org"] = org
        self.policies.append(policy)
        return _json(_public(policy), 201)

    def update_policy(self, request: Request, org: str, project: str, number: str) -> Response:
        policy = next(p for p in self.policies if p["id"] == int(number))
        policy.update(request.get_json())
        policy["revision"] += 1
        return _json(_public(policy))


def _ref_sha(bare: git.Repo, name: str) -> str:
    try:
        return str(bare.git.rev_parse("--verify", "-q", name))
    except git.GitCommandError:
        return ZERO


def _public(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if not k.startswith("_")}


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
