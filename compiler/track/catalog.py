"""What the tracker knows about an estate, read from the compiled tree (``generated/``).

The compiled contract files are the authority: each repository's
``.shipspec/pipeline.json`` (pipeline name, stages and the environment each deploys,
Azure DevOps environments with their approvals, the GitOps repository) and
``.shipspec/repository.json`` (organization, project, module), and the GitOps
repository's Argo CD applications and Flux Kustomizations.  From them come the
routes (which tenant/project an event belongs to) and each project's release policy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from compiler.errors import UsageError
from compiler.resolve.model import Approvals
from compiler.resolve.policy import release_policy
from compiler.state import EnvironmentPolicy, ProjectPolicy

PIPELINE_FILE = Path(".shipspec") / "pipeline.json"
REPOSITORY_FILE = Path(".shipspec") / "repository.json"
TENANT_FOLDER = "_tenant"


@dataclass(frozen=True)
class Pipeline:
    """One generated Azure Pipelines definition and what its stages mean."""

    name: str
    module: str | None
    repository: str
    organization: str | None
    ado_project: str | None
    stages: tuple[tuple[str, str], ...]  # (stage, spec environment or "")
    environments: tuple[tuple[str, str], ...]  # (Azure DevOps environment, spec environment)

    def environment_of_stage(self, stage: str) -> str | None:
        return next((env or None for name, env in self.stages if name == stage), None)

    def environment_named(self, ado_environment: str) -> str | None:
        return next((env for name, env in self.environments if name == ado_environment), None)

    @property
    def build_stages(self) -> tuple[str, ...]:
        """The stages that build (no environment): a version is planned once they pass."""
        return tuple(name for name, env in self.stages if not env)


@dataclass(frozen=True)
class Application:
    """An Argo CD Application (one module in one environment) or a Flux Kustomization
    (every module of one environment)."""

    engine: str  # "argocd" | "flux"
    name: str
    environment: str
    module: str | None


@dataclass(frozen=True)
class ProjectCatalog:
    tenant: str
    project: str
    policy: ProjectPolicy
    pipelines: tuple[Pipeline, ...]
    gitops_repository: str | None
    applications: tuple[Application, ...] = field(default=())

    def pipeline(self, name: str) -> Pipeline | None:
        return next((p for p in self.pipelines if p.name == name), None)

    def pipeline_of_module(self, module: str) -> Pipeline | None:
        return next((p for p in self.pipelines if p.module == module), None)

    def application(self, name: str) -> Application | None:
        return next((a for a in self.applications if a.name == name), None)

    def to_record(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "project": self.project,
            "environments": [_policy_record(env) for env in self.policy.environments],
            "modules": list(self.policy.modules),
            "pipelines": [_pipeline_record(p) for p in self.pipelines],
            "gitopsRepository": self.gitops_repository,
            "applications": [a.__dict__ for a in self.applications],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ProjectCatalog:
        path = [
            (env["name"], Approvals(env["required"], tuple(env["approvers"])))
            for env in record["environments"]
        ]
        policy = release_policy(
            record["tenant"], record["project"], path, modules=tuple(record["modules"])
        )
        return cls(
            tenant=record["tenant"],
            project=record["project"],
            policy=policy,
            pipelines=tuple(_pipeline_from(p) for p in record["pipelines"]),
            gitops_repository=record["gitopsRepository"],
            applications=tuple(Application(**a) for a in record["applications"]),
        )


def read_catalog(generated: Path) -> tuple[ProjectCatalog, ...]:
    """Every project compiled under ``generated`` (``<tenant>/<project>/<repo>/...``)."""
    if not generated.is_dir():
        raise UsageError(f"{generated} is not a compiled tree", hint="run `shipspec compile` first")
    projects = []
    for tenant in sorted(p for p in generated.iterdir() if p.is_dir()):
        for project in sorted(p for p in tenant.iterdir() if p.is_dir()):
            if project.name != TENANT_FOLDER:
                projects.append(_project(tenant.name, project))
    return tuple(p for p in projects if p.pipelines or p.applications)


def _project(tenant: str, folder: Path) -> ProjectCatalog:
    documents = [
        (repo.name, _json(repo / PIPELINE_FILE), _json(repo / REPOSITORY_FILE))
        for repo in sorted(p for p in folder.iterdir() if p.is_dir())
        if (repo / PIPELINE_FILE).is_file()
    ]
    pipelines = tuple(_pipeline(name, pipe, repo) for name, pipe, repo in documents)
    modules = tuple(sorted({p.module for p in pipelines if p.module}))
    path = _path([pipe for _, pipe, _ in documents])
    policy = release_policy(tenant, folder.name, path, modules=modules)
    gitops = next((_gitops_name(pipe) for _, pipe, _ in documents if _gitops_name(pipe)), None)
    applications = _applications(folder / (gitops or f"{folder.name}-gitops"), tenant, folder.name)
    return ProjectCatalog(tenant, folder.name, policy, pipelines, gitops, applications)


def _json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: not a readable JSON document: {error}") from error


def _pipeline(folder: str, pipe: dict[str, Any], repo: dict[str, Any]) -> Pipeline:
    definition = pipe.get("pipeline", {})
    stages = tuple((s["name"], s.get("environment") or "") for s in pipe.get("stages", []))
    environments = tuple((e["name"], e["specEnvironment"]) for e in pipe.get("environments", []))
    return Pipeline(
        name=definition.get("name", folder),
        module=repo.get("module"),
        repository=definition.get("repository", folder),
        organization=repo.get("organization"),
        ado_project=repo.get("project"),
        stages=stages,
        environments=environments,
    )


def _path(pipelines: list[dict[str, Any]]) -> list[tuple[str, Approvals | None]]:
    """The environment path: the longest one any pipeline declares, with its approvals."""
    best: list[dict[str, Any]] = max(
        (p.get("environments", []) for p in pipelines), key=len, default=[]
    )
    return [(env["specEnvironment"], _approvals(env.get("approvals"))) for env in best]


def _approvals(declared: dict[str, Any] | None) -> Approvals | None:
    """An environment's approvals as the pipeline contract states them (null: none)."""
    if not declared:
        return None
    return Approvals(declared.get("required", 0), tuple(declared.get("approvers", ())))


def _gitops_name(pipe: dict[str, Any]) -> str | None:
    for repository in pipe.get("repositories", []):
        if repository.get("alias") == "gitops":
            return str(repository["name"]).rsplit("/", 1)[-1]
    return None


def _applications(gitops: Path, tenant: str, project: str) -> tuple[Application, ...]:
    found: list[Application] = []
    for path in sorted((gitops / "argocd" / "applications").glob("*.yaml")):
        found.extend(_argo(document, tenant, project) for document in _objects(path))
    for path in sorted((gitops / "flux").glob("*.yaml")):
        found.extend(
            Application("flux", _flux_key(doc), _label(doc, "shipspec/environment"), None)
            for doc in _objects(path)
            if doc.get("kind") in ("Kustomization", "HelmRelease")
        )
    return tuple(found)


def _objects(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)]


def _argo(document: dict[str, Any], tenant: str, project: str) -> Application:
    name = document["metadata"]["name"]
    environment = _label(document, "shipspec/environment")
    prefix = f"{tenant}-{project}-{environment}-"
    module = name[len(prefix) :] if name.startswith(prefix) else None
    return Application("argocd", name, environment, module)


def _flux_key(document: dict[str, Any]) -> str:
    metadata = document["metadata"]
    return f"{document['kind']}/{metadata.get('namespace', 'flux-system')}/{metadata['name']}"


def _label(document: dict[str, Any], name: str) -> str:
    return str(document.get("metadata", {}).get("labels", {}).get(name, ""))


def _policy_record(env: EnvironmentPolicy) -> dict[str, Any]:
    return {"name": env.name, "required": env.required_approvals, "approvers": list(env.approvers)}


def _pipeline_record(pipeline: Pipeline) -> dict[str, Any]:
    record = dict(pipeline.__dict__)
    record["stages"] = [list(s) for s in pipeline.stages]
    record["environments"] = [list(e) for e in pipeline.environments]
    return record


def _pipeline_from(record: dict[str, Any]) -> Pipeline:
    stages = tuple((s[0], s[1]) for s in record["stages"])
    environments = tuple((e[0], e[1]) for e in record["environments"])
    return Pipeline(**{**record, "stages": stages, "environments": environments})
