"""The registry wire: every cluster that runs a project's images may pull them.

The infra program does not grant AcrPull (a cluster is shared by stacks and projects;
Azure refuses a second identical role assignment), so the wire is: every environment's
cluster is listed, with the idempotent grant, in the infra README's Registry access
table, and the preflight of every deploy stage and every up stage checks exactly that
cluster against exactly that registry before the stage changes anything.
"""

from __future__ import annotations

from compiler.resolve.access import registry_name
from tests.wiring.pipelines import estate_pipelines, preflight_env, readme_table


def test_every_cluster_is_listed_with_its_grant(estates) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for compiled in estates:
        for project in compiled.estate.projects:
            if not project.workloads or not project.has_infrastructure:
                continue
            readme = compiled.folder(project) / project.infra_repository / "README.md"
            rows = {row["cluster"]: row for row in readme_table(readme, "Registry access")}
            acr = registry_name(project.registry)
            for env in project.environments:
                row = rows[env.cluster]
                assert env.name in row["environments"].split(", ")
                assert row["registry"] == project.registry
                group = env.cluster_resource_group or "<cluster's resource group>"
                assert row["grant"] == (
                    f"az aks update --name {env.cluster} --resource-group {group} --attach-acr {acr}"
                )
                checked += 1
    assert checked >= 9


def test_every_deploy_and_up_stage_checks_its_clusters_pull_first(estates) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for compiled in estates:
        for project, repository, module, stages in estate_pipelines(compiled):
            if module is not None and not module.runs_container:
                continue
            by_stage = {s["stage"]: s for s in stages}
            for env in project.environments:
                prefix = "up" if module is None else "deploy"
                stage = by_stage[f"{prefix}_{env.identifier}"]
                preflight = preflight_env(stage)
                expected = env.cluster if project.workloads else ""
                assert preflight["CLUSTER"] == expected, f"{repository} {stage['stage']}"
                assert preflight["CLUSTER_RESOURCE_GROUP"] == env.cluster_resource_group
                assert preflight["REGISTRY_NAME"] == registry_name(project.registry)
                assert preflight["REGISTRY"] == project.registry
                checked += 1
    assert checked >= 20
