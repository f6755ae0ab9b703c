"""The pipeline side of the test Azure DevOps: the documented REST shapes of

- build definitions      ``{project}/_apis/build/definitions[/{id}]``
- environments           ``{project}/_apis/distributedtask/environments``
- check configurations   ``{project}/_apis/pipelines/checks/configurations[/{id}]``
  (settings only with ``$expand=settings``, as the service does)
- variable groups        ``{project}/_apis/distributedtask/variablegroups`` (GET),
                         ``_apis/distributedtask/variablegroups[/{id}]`` (POST, PUT)
- pipeline permissions   ``{project}/_apis/pipelines/pipelinePermissions/{type}/{id}``
- security (ACLs)        ``_apis/AccessControlLists/{namespace}``, ``_apis/AccessControlEntries/{namespace}``
- identities             ``_apis/identities?searchFilter=General&filterValue=``
- service endpoints      ``{project}/_apis/serviceendpoint/endpoints?endpointNames=``
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from werkzeug import Request, Response

if TYPE_CHECKING:
    from .azure_fake import FakeAzureDevOps

PIPELINE_LOCATIONS = [
    ("dbeaf647-6167-421a-bda9-c9327b25e2e6", "build", "definitions", "{project}/_apis/build/definitions/{definitionId}"),
    ("8572b1fc-2482-47fa-8f74-7e3ed53ee54b", "distributedtask", "environments", "{project}/_apis/distributedtask/environments/{environmentId}"),
    ("f5b09dd5-9d54-45a1-8b5a-1c8287d634cc", "distributedtask", "variablegroups", "{project}/_apis/distributedtask/variablegroups/{groupId}"),
    ("ef5b7057-ffc3-4c77-bbad-c10b4a4abcc7", "distributedtask", "variablegroupshare", "_apis/distributedtask/variablegroups/{groupId}"),
    ("86c8381e-5aee-4cde-8ae4-25c0c7f5eaea", "PipelinesChecks", "configurations", "{project}/_apis/pipelines/checks/configurations/{id}"),
    ("b5b9a4a4-e6cd-4096-853c-ab7d8b0c4eb2", "pipelinePermissions", "pipelinePermissions", "{project}/_apis/pipelines/pipelinePermissions/{resourceType}/{resourceId}"),
    ("ac08c8ff-4323-4b08-af90-bcd018d380ce", "Security", "AccessControlEntries", "_apis/AccessControlEntries/{securityNamespaceId}"),
    ("18a2ad18-7571-46ae-bec7-0c7da1495885", "Security", "AccessControlLists", "_apis/AccessControlLists/{securityNamespaceId}"),
    ("28010c54-d0c0-4c89-a5b0-1c9e188b9fb7", "IMS", "Identities", "_apis/identities/{identityId}"),
    ("e85f1c62-adfc-4b74-b618-11a150fb195e", "serviceendpoint", "endpoints", "{project}/_apis/serviceendpoint/endpoints/{endpointId}"),
]  # fmt: skip
PIPELINE_AREAS = {
    "build": "965220d5-5bb9-42cf-8d67-9b146df2a5a4",
    "distributedtask": "a85b8835-c1a1-4aac-ae97-1c3d0ba72dbd",
    "pipelineschecks": "4a933897-0488-45af-bd82-6fd3ad33f46a",
    "pipelinepermissions": "a81a0441-de52-4000-aa15-ff0e07bfbbaa",
    "ims": "8a3d49b8-91f0-46ef-b33d-dda338c25db3",
    "serviceendpoint": "1814ab31-2f4f-4a9f-8761-f4d77dc5a5d7",
}
APPROVAL = "8c6f20a7-a545-4486-9777-f762fafe0d4d"
EXCLUSIVE_LOCK = "2ef31ad6-baa0-403a-8b45-2cbc9b4e5563"
GIT_NAMESPACE = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87"


class PipelinesMixin:
    """State and handlers; every object remembers its organization (``_org``)."""

    def init_pipelines(self: FakeAzureDevOps) -> None:
        self.definitions: list[dict[str, Any]] = []
        self.environments: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []
        self.variable_groups: list[dict[str, Any]] = []
        self.permissions: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        self.acls: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.identities: dict[tuple[str, str], dict[str, Any]] = {}
        self.endpoints: list[dict[str, Any]] = []
        self._ids = 0

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def add_identity(self, org: str, name: str, kind: str = "group") -> dict[str, Any]:
        ident = str(uuid.uuid4())
        prefix = (
            "Microsoft.TeamFoundation.ServiceIdentity"
            if kind == "service"
            else "Microsoft.TeamFoundation.Identity"
        )
        identity = {
            "id": ident,
            "descriptor": f"{prefix};{ident}",
            "providerDisplayName": name,
            "isActive": True,
            "isContainer": kind == "group",
        }
        self.identities.setdefault((org, name.lower()), identity)
        return self.identities[(org, name.lower())]

    def add_endpoint(self, org: str, project: str, name: str) -> dict[str, Any]:
        endpoint = {"id": str(uuid.uuid4()), "name": name, "type": "azurerm", "_org": org}
        endpoint["_project"] = project.lower()
        self.endpoints.append(endpoint)
        return endpoint

    def pipeline_routes(self) -> list[tuple[str, str, Any]]:
        p = r"/([^/]+)/_apis"
        return [
            (p + r"/build/definitions", "GET", self.list_definitions),
            (p + r"/build/definitions", "POST", self.create_definition),
            (p + r"/build/definitions/(\d+)", "GET", self.get_definition),
            (p + r"/build/definitions/(\d+)", "PUT", self.update_definition),
            (p + r"/distributedtask/environments", "GET", self.list_environments),
            (p + r"/distributedtask/environments", "POST", self.create_environment),
            (p + r"/pipelines/checks/configurations", "GET", self.list_checks),
            (p + r"/pipelines/checks/configurations", "POST", self.create_check),
            (p + r"/pipelines/checks/configurations/(\d+)", "PATCH", self.update_check),
            (p + r"/distributedtask/variablegroups", "GET", self.list_groups),
            (r"/_apis/distributedtask/variablegroups", "POST", self.create_group),
            (r"/_apis/distributedtask/variablegroups/(\d+)", "PUT", self.update_group),
            (p + r"/pipelines/pipelinePermissions/([^/]+)/([^/]+)", "GET", self.get_permissions),
            (p + r"/pipelines/pipelinePermissions/([^/]+)/([^/]+)", "PATCH", self.set_permissions),
            (r"/_apis/AccessControlLists/([^/]+)", "GET", self.list_acls),
            (r"/_apis/AccessControlEntries/([^/]+)", "POST", self.set_aces),
            (r"/_apis/identities", "GET", self.read_identities),
            (p + r"/serviceendpoint/endpoints", "GET", self.list_endpoints),
        ]

    # --- build definitions ----------------------------------------------------------------------

    def _project_or_404(self: FakeAzureDevOps, org: str, project: str) -> dict[str, Any]:
        found = self.find_project(org, project)
        if found is None:
            raise LookupError(project)
        return found

    def list_definitions(
        self: FakeAzureDevOps, request: Request, org: str, project: str
    ) -> Response:
        owner = self._project_or_404(org, project)
        args = request.args
        found = [
            d
            for d in self.definitions
            if d["project"]["id"] == owner["id"]
            and args.get("repositoryId", d["repository"]["id"]) == d["repository"]["id"]
            and args.get("name", d["name"]) == d["name"]
        ]
        return _json({"count": len(found), "value": found})

    def create_definition(
        self: FakeAzureDevOps, request: Request, org: str, project: str
    ) -> Response:
        owner = self._project_or_404(org, project)
        body = request.get_json()
        if any(
            d["name"] == body["name"] and d["path"] == body.get("path", "\\")
            for d in self.definitions
            if d["project"]["id"] == owner["id"]
        ):
            return _error(400, f"The pipeline name {body['name']} is already in use.")
        if self.repo_by_id(body["repository"]["id"]) is None:
            return _error(400, "TF401019: the repository of the definition does not exist.")
        definition = {**body, "id": self.next_id(), "revision": 1, "project": owner}
        self.definitions.append(definition)
        return _json(definition)

    def get_definition(
        self: FakeAzureDevOps, request: Request, org: str, project: str, number: str
    ) -> Response:
        found = next((d for d in self.definitions if d["id"] == int(number)), None)
        if found is None:
            return _error(404, f"The pipeline {number} does not exist.")
        return _json(found)

    def update_definition(
        self: FakeAzureDevOps, request: Request, org: str, project: str, number: str
    ) -> Response:
        definition = next(d for d in self.definitions if d["id"] == int(number))
        body = request.get_json()
        if body.get("revision") != definition["revision"]:
            return _error(409, "TF215070: the definition was updated by someone else.")
        definition.update({k: v for k, v in body.items() if k not in ("id", "project")})
        definition["revision"] += 1
        return _json(definition)

    # --- environments and checks ----------------------------------------------------------------

    def list_environments(
        self: FakeAzureDevOps, request: Request, org: str, project: str
    ) -> Response:
        owner = self._project_or_404(org, project)
        name = request.args.get("name")
        found = [
            e
            for e in self.environments
            if e["project"]["id"] == owner["id"] and (name is None or e["name"] == name)
        ]
        return _json({"count": len(found), "value": found})

    def create_environment(
        self: FakeAzureDevOps, request: Request, org: str, project: str
    ) -> Response:
        owner = self._project_or_404(org, project)
        body = request.get_json()
        if any(
            e["name"] == body["name"] and e["project"]["id"] == owner["id"]
            for e in self.environments
        ):
            return _error(409, f"Environment with name {body['name']} already exists.")
        environment = {
            "id": self.next_id(),
            "name": body["name"],
            "description": body.get("description", ""),
            "project": {"id": owner["id"]},
        }
        self.environments.append(environment)
        return _json(environment)

    def list_checks(self: FakeAzureDevOps, request: Request, org: str, project: str) -> Response:
        owner = self._project_or_404(org, project)
        args = request.args
        expand = "settings" in args.get("$expand", "").lower()
        found = [
            c
            for c in self.checks
            if c["_project"] == owner["id"]
            and args.get("resourceType", c["resource"]["type"]) == c["resource"]["type"]
            and args.get("resourceId", c["resource"]["id"]) == c["resource"]["id"]
        ]
        shown = [_check_json(c, expand) for c in found]
        return _json({"count": len(shown), "value": shown})

    def create_check(self: FakeAzureDevOps, request: Request, org: str, project: str) -> Response:
        owner = self._project_or_404(org, project)
        body = request.get_json()
        check = {**body, "id": self.next_id(), "version": 1, "_project": owner["id"]}
        check["type"] = {**body["type"], "id": body["type"]["id"].lower()}
        self.checks.append(check)
        return _json(_check_json(check, True))

    def update_check(
        self: FakeAzureDevOps, request: Request, org: str, project: str, number: str
    ) -> Response:
        check = next(c for c in self.checks if c["id"] == int(number))
        body = request.get_json()
        check.update({k: v for k, v in body.items() if k in ("settings", "timeout", "resource")})
        check["version"] += 1
        return _json(_check_json(check, True))

    # --- variable groups ------------------------------------------------------------------------

    def list_groups(self: FakeAzureDevOps, request: Request, org: str, project: str) -> Response:
        owner = self._project_or_404(org, project)
        name = request.args.get("groupName")
        found = [
            g
            for g in self.variable_groups
            if any(
                r["projectReference"]["id"] == owner["id"]
                for r in g["variableGroupProjectReferences"]
            )
            and (name is None or g["name"] == name)
        ]
        return _json({"count": len(found), "value": found})

    def create_group(self: FakeAzureDevOps, request: Request, org: str) -> Response:
        body = request.get_json()
        error = self._group_problem(org, body)
        if error:
            return _error(400, error)
        group = {**body, "id": self.next_id()}
        self.variable_groups.append(group)
        return _json(group)

    def update_group(self: FakeAzureDevOps, request: Request, org: str, number: str) -> Response:
        group = next(g for g in self.variable_groups if g["id"] == int(number))
        body = request.get_json()
        error = self._group_problem(org, body)
        if error:
            return _error(400, error)
        group.update(body)
        return _json(group)

    def _group_problem(self: FakeAzureDevOps, org: str, body: dict[str, Any]) -> str:
        if body.get("type") == "AzureKeyVault":
            endpoint = body.get("providerData", {}).get("serviceEndpointId")
            if not any(e["id"] == endpoint for e in self.endpoints):
                return "The service connection of the Key Vault variable group does not exist."
        for reference in body.get("variableGroupProjectReferences") or []:
            if self.find_project(org, reference["projectReference"]["id"]) is None:
                return "The project of the variable group does not exist."
        return ""

    # --- pipeline permissions -------------------------------------------------------------------

    def get_permissions(
        self: FakeAzureDevOps, request: Request, org: str, project: str, kind: str, ident: str
    ) -> Response:
        owner = self._project_or_404(org, project)
        found = self.permissions.get((org, owner["id"], kind, ident))
        return _json(found or {"resource": {"type": kind, "id": ident}, "pipelines": []})

    def set_permissions(
        self: FakeAzureDevOps, request: Request, org: str, project: str, kind: str, ident: str
    ) -> Response:
        owner = self._project_or_404(org, project)
        key = (org, owner["id"], kind, ident)
        current = self.permissions.setdefault(
            key, {"resource": {"type": kind, "id": ident}, "pipelines": []}
        )
        for change in request.get_json().get("pipelines") or []:
            current["pipelines"] = [p for p in current["pipelines"] if p["id"] != change["id"]]
            current["pipelines"].append({"id": change["id"], "authorized": change["authorized"]})
        current["pipelines"].sort(key=lambda p: p["id"])
        return _json(current)

    # --- security, identities, endpoints --------------------------------------------------------

    def list_acls(self: FakeAzureDevOps, request: Request, org: str, namespace: str) -> Response:
        token = request.args.get("token")
        found = [
            {"token": t, "inheritPermissions": True, "acesDictionary": aces}
            for (ns, t), aces in self.acls.items()
            if ns == f"{org}:{namespace}" and (token is None or t == token)
        ]
        return _json({"count": len(found), "value": found})

    def set_aces(self: FakeAzureDevOps, request: Request, org: str, namespace: str) -> Response:
        body = request.get_json()
        aces = self.acls.setdefault((f"{org}:{namespace}", body["token"]), {})
        for ace in body["accessControlEntries"]:
            if not any(i["descriptor"] == ace["descriptor"] for i in self.identities.values()):
                return _error(400, f"unknown identity {ace['descriptor']}")
            old = aces.get(ace["descriptor"], {"allow": 0, "deny": 0})
            merged = (
                {"allow": old["allow"] | ace["allow"], "deny": old["deny"] | ace["deny"]}
                if body.get("merge")
                else {"allow": ace["allow"], "deny": ace["deny"]}
            )
            aces[ace["descriptor"]] = {"descriptor": ace["descriptor"], **merged}
        return _json({"count": len(aces), "value": list(aces.values())})

    def read_identities(self: FakeAzureDevOps, request: Request, org: str) -> Response:
        value = request.args.get("filterValue", "").lower()
        found = [i for (o, name), i in self.identities.items() if o == org and name == value]
        return _json({"count": len(found), "value": found})

    def list_endpoints(self: FakeAzureDevOps, request: Request, org: str, project: str) -> Response:
        owner = self._project_or_404(org, project)
        names = set(request.args.get("endpointNames", "").split(","))
        found = [
            {k: v for k, v in e.items() if not k.startswith("_")}
            for e in self.endpoints
            if e["_org"] == org and e["_project"] == owner["name"].lower() and e["name"] in names
        ]
        return _json({"count": len(found), "value": found})


def _check_json(check: dict[str, Any], expand: bool) -> dict[str, Any]:
    shown = {k: v for k, v in check.items() if not k.startswith("_")}
    if not expand:
        shown.pop("settings", None)
    return shown


def _json(document: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(document), status=status, content_type="application/json; charset=utf-8"
    )


def _error(status: int, message: str) -> Response:
    body = {"$id": "1", "message": message, "typeKey": "", "errorCode": 0, "eventId": 3000}
    return Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8")
