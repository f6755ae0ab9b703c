"""Azure Pipelines target: a CI/CD pipeline per module and a tenant's pipeline templates.

Per project: `azure-pipelines.yml` in every .NET module repository (and in the project's
infra repository when something owns Azure resources), plus `.shipspec/pipeline.json`
declaring what publish configures in Azure DevOps — the pipeline definition, the
environments with their approvals and exclusive lock, and the Key Vault-linked
variable groups.  Per tenant: the `pipeline-templates` repository that
`mode: templates` pipelines extend, pinned to a tag.

Every template reference a module pipeline makes is checked against the parameters
the template file declares (see :mod:`compiler.targets.azure_pipelines.contract`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from compiler.errors import BugReport, Diagnostic, PlanError
from compiler.ir import OutputFile
from compiler.layout import PIPELINE_DECLARATION as DECLARATION_FILE
from compiler.layout import PIPELINE_FILE, TEMPLATES_REPOSITORY
from compiler.resolve.model import Project
from compiler.targets.azure_pipelines.contract import (
    FAMILY,
    TEMPLATE_FILES,
    reference_problems,
    repository_problems,
    template_context,
    template_file,
    template_source,
)
from compiler.targets.azure_pipelines.preflight import PULUMI_SECRETS
from compiler.targets.azure_pipelines.values import (
    PipelineSpec,
    Values,
    pipeline_for,
    project_infra_pipeline,
    templates_resource,
)
from compiler.version import __version__

PATH_EXCLUDES = ("README.md", "docs", ".shipspec")
"""Changes that never need a build (path prefixes, as Azure DevOps path filters read them)."""


class AzurePipelines:
    name = "azure-pipelines"

    def files(self, project: Project) -> Iterator[OutputFile]:
        pipelines = project_pipelines(project)
        if project.pipelines_mode == "templates":
            problems = [d for p in pipelines for d in check_references(project, p)]
            if problems:
                raise PlanError(problems)
        for pipeline in pipelines:
            yield from pipeline_files(project, pipeline)

    def tenant_files(self, tenant: str, projects: Sequence[Project]) -> Iterator[OutputFile]:
        users = [p for p in projects if p.pipelines_mode == "templates"]
        if not users:
            return
        problems = repository_problems()
        if problems:
            raise BugReport(f"the pipeline-templates repository is inconsistent: {problems[0]}")
        yield from templates_repository(tenant, users)


def project_pipelines(project: Project) -> list[PipelineSpec]:
    pipelines = [
        pipeline_for(project, module)
        for module in project.modules
        if module.type != "infrastructure"  # its stores are stacked in <project>-infra
    ]
    if project.has_infrastructure:
        pipelines.append(project_infra_pipeline(project))
    return pipelines


def check_references(project: Project, pipeline: PipelineSpec) -> list[Diagnostic]:
    """A located error per parameter the extends template would refuse at queue time."""
    ref = templates_resource(project, TEMPLATES_REPOSITORY)["ref"]
    path = [*pipeline.key_path.replace("]", "").replace("[", ".").split(".")]
    key = [int(part) if part.isdigit() else part for part in path]
    return [
        project.source.problem(
            key,
            f"{pipeline.repository}/{PIPELINE_FILE}: {problem}",
            f"the pipeline-templates repository at {ref} declares the parameters listed in "
            "its README; if spec.pipelines.templatesRef pins an older release, pin one that "
            "matches this shipspec",
        )
        for problem in reference_problems(pipeline.template, pipeline.parameters)
    ]


# --- module and infra pipelines ----------------------------------------------------------------


def pipeline_files(project: Project, pipeline: PipelineSpec) -> Iterator[OutputFile]:
    inline = project.pipelines_mode == "inline"
    template = "inline-pipeline.yml.j2" if inline else "module-pipeline.yml.j2"
    context = pipeline_context(project, pipeline, inline)
    root = pipeline.repository
    yield project.file(
        f"{root}/{PIPELINE_FILE}", f"{FAMILY}/{template}", context, pipeline.key_path
    )
    yield project.file(
        f"{root}/{DECLARATION_FILE}",
        f"{FAMILY}/pipeline.json.j2",
        {"declaration": declaration(project, pipeline)},
        "spec.environments",
    )


def pipeline_context(project: Project, pipeline: PipelineSpec, inline: bool) -> dict[str, Any]:
    resources = list(pipeline.resources)
    if not inline:
        resources.insert(0, templates_resource(project, TEMPLATES_REPOSITORY))
    head = {
        "kind": pipeline.kind,
        "summary": _summary(pipeline),
        "default_branch": project.default_branch,
        "path_excludes": list(PATH_EXCLUDES),
        "lock_behavior": "sequential" if pipeline.kind == "infrastructure" else "",
        "resources": resources,
        "templates_ref": "" if inline else resources[0]["ref"],
        "variable_groups": _variable_groups(project, pipeline) or ["none needed"],
        "extends": "" if inline else f"{pipeline.template}@templates",
        "parameters": [] if inline else _parameter_items(pipeline.parameters),
    }
    return {
        "pipeline": head,
        "v": Values.concrete(pipeline.parameters),
        "stages": _stage_values(pipeline),
    }


def _summary(pipeline: PipelineSpec) -> str:
    stages = " -> ".join(stage.name for stage in pipeline.stages)
    subject = f"module {pipeline.module}" if pipeline.module else "the project's infrastructure"
    return f"CI/CD for {subject} ({pipeline.kind}): {stages}"


def _parameter_items(parameters: dict[str, Any] | Any) -> list[tuple[str, Any]]:
    """Parameters in declaration order; environment entries as ordered (field, value) pairs."""
    items = []
    for key, value in parameters.items():
        if isinstance(value, list):
            value = [list(entry.items()) for entry in value]
        items.append((key, value))
    return items


def _stage_values(pipeline: PipelineSpec) -> list[Any]:
    """Inline pipelines: one Values per environment stage, with the module's parameters."""
    lists = ("environments", "previewEnvironments")
    common = {k: v for k, v in pipeline.parameters.items() if k not in lists}
    previews = {e["name"] for e in pipeline.parameters.get("previewEnvironments", ())}
    out: list[Any] = []
    for environment in pipeline.parameters.get("environments", ()):
        merged = {**common, **environment, "environment": environment["name"]}
        if pipeline.kind != "infrastructure":
            out.append(Values.concrete(merged))
            continue
        preview = {
            **merged,
            "stage": environment["previewStage"],
            "displayName": f"Pulumi preview {environment['name']}",
            "azureServiceConnection": common["previewServiceConnection"],
            "cluster": "",  # previews check the stack's secrets, not the cluster
            "clusterResourceGroup": "",
        }
        shown = Values.concrete(preview) if environment["name"] in previews else None
        out.append({"preview": shown, "up": Values.concrete(merged)})
    return out


def _variable_groups(project: Project, pipeline: PipelineSpec) -> list[str]:
    if pipeline.kind == "library":
        return []
    return [e.variable_group for e in project.environments]


def declaration(project: Project, pipeline: PipelineSpec) -> dict[str, Any]:
    """What publish configures in Azure DevOps for this pipeline (no secret values)."""
    deploys = pipeline.kind != "library"
    return {
        "apiVersion": "shipspec/v1",
        "pipeline": _definition(project, pipeline),
        "stages": [
            {"name": s.name, "dependsOn": list(s.depends_on), "environment": s.environment}
            for s in pipeline.stages
        ],
        "repositories": _repositories(project, pipeline),
        "serviceConnections": _service_connections(pipeline),
        "environments": _environments(project) if deploys else [],
        "variableGroups": _groups(project, pipeline) if deploys else [],
    }


def _definition(project: Project, pipeline: PipelineSpec) -> dict[str, Any]:
    return {
        "name": pipeline.name,
        "folder": f"\\{project.name}",
        "repository": pipeline.repository,
        "yamlPath": PIPELINE_FILE,
        "defaultBranch": project.default_branch,
        "mode": project.pipelines_mode,
    }


def _repositories(project: Project, pipeline: PipelineSpec) -> list[dict[str, Any]]:
    """The repositories the pipeline checks out; it pushes only to the GitOps repository."""
    resources = list(pipeline.resources)
    if project.pipelines_mode == "templates":
        resources.insert(0, templates_resource(project, TEMPLATES_REPOSITORY))
    return [
        {
            "alias": r["repository"],
            "name": r["name"],
            "ref": r["ref"],
            "access": "contribute" if r["repository"] == Values.gitops_alias else "read",
        }
        for r in resources
    ]


def _service_connections(pipeline: PipelineSpec) -> list[str]:
    keys = ("registryServiceConnection", "azureServiceConnection", "previewServiceConnection")
    return sorted({str(value) for key in keys if (value := pipeline.parameters.get(key))})


def _environments(project: Project) -> list[dict[str, Any]]:
    out = []
    for environment in project.environments:
        approvals = environment.approvals
        out.append(
            {
                "name": environment.azure_devops_environment,
                "specEnvironment": environment.name,
                "strategy": environment.strategy,
                "approvals": {
                    "required": approvals.required,
                    "approvers": list(approvals.approvers),
                }
                if approvals
                else None,
                "checks": {"exclusiveLock": True},
            }
        )
    return out


def _groups(project: Project, pipeline: PipelineSpec) -> list[dict[str, Any]]:
    """One variable group per environment, linked to that environment's Key Vault."""
    secrets = list(PULUMI_SECRETS) if pipeline.kind == "infrastructure" else []
    return [
        {
            "name": environment.variable_group,
            "keyVault": environment.key_vault,
            "serviceConnection": project.azure_connection or None,
            "secrets": secrets,
        }
        for environment in project.environments
    ]


# --- the tenant's pipeline-templates repository --------------------------------------------------


def templates_repository(tenant: str, projects: Sequence[Project]) -> Iterator[OutputFile]:
    first = min(projects, key=lambda p: p.name)
    root = TEMPLATES_REPOSITORY
    tag = f"v{__version__}"
    home = first.home
    context = template_context()
    for path in TEMPLATE_FILES:
        yield first.file(
            f"{root}/{path}", f"{FAMILY}/{template_source(path)}", context, "spec.pipelines"
        )
    summary = {
        "tenant": tenant,
        "tag": tag,
        "homes": [{"organization": home.organization, "project": home.project}],
        "templates": [_described(path) for path in TEMPLATE_FILES],
        "declaration": templates_declaration(tenant, tag, projects),
    }
    yield first.file(
        f"{root}/README.md", f"{FAMILY}/tenant/README.md.j2", summary, "spec.pipelines"
    )
    yield first.file(f"{root}/VERSION", f"{FAMILY}/tenant/VERSION.j2", summary, "spec.pipelines")
    yield first.file(
        f"{root}/.shipspec/repository.json",
        f"{FAMILY}/tenant/repository.json.j2",
        summary,
        "spec.pipelines",
    )


def templates_declaration(tenant: str, tag: str, projects: Sequence[Project]) -> dict[str, Any]:
    """pipeline-templates lives in the tenant's home; every using project's pipelines read it."""
    home = projects[0].home
    readers = sorted({home.build_service(p.organization, p.devops_project) for p in projects})
    return {
        "apiVersion": "shipspec/v1",
        "organization": home.organization,
        "project": home.project,
        "name": TEMPLATES_REPOSITORY,
        "tenant": tenant,
        "defaultBranch": home.default_branch,
        "tag": tag,
        "policies": {
            "minimumReviewers": home.policies.minimumReviewers,
            "buildValidation": False,
            "commentResolution": home.policies.commentResolution,
        },
        "pushers": [],
        "readers": readers,
    }


def _described(path: str) -> dict[str, Any]:
    file = template_file(path)
    return {
        "path": path,
        "summary": file.summary,
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "default": "required" if p.required else _shown(p.default),
                "allowed": ", ".join(p.values),
            }
            for p in file.parameters.values()
        ],
    }


def _shown(value: Any) -> str:
    if value == "" or value is None:
        return '""'
    return str(value)
