"""The promotion wire: nothing unpromoted runs, and what runs is the digest the pipeline pinned.

Before a module's first promotion to an environment, what that environment's cluster
applies holds no workload of it (no Deployment or Rollout, autoscaler, disruption
budget or ingress), in Helm (the chart renders those only with a digest) and in
Kustomize (the overlay deletes what still carries the `unpromoted` marker). After a
simulated deploy stage (`shipspec gitops set-image`) exactly the promoted module runs
there, by that digest; every other environment still runs nothing. No chart, values
file, base or overlay names a `latest` tag.  On the examples and on the suite's own
estate, in every engine and manifests combination.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SPECS
from tests.wiring.cluster import VARIANTS, WIRING_SPECS, by_kind, compile_estate, module_objects

ESTATES = [("examples", SPECS, "", ""), *(("shop", WIRING_SPECS, e, m) for e, m in VARIANTS)]
RUNNING = ("Deployment", "Rollout", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress")
PINNED = re.compile(r"^[a-z0-9.-]+/[a-z0-9./-]+@sha256:[a-f0-9]{64}$")


def _images(objects: list[dict]) -> list[str]:
    return [
        c["image"]
        for o in by_kind(objects, "Deployment", "Rollout")
        for c in o["spec"]["template"]["spec"]["containers"]
    ]


@pytest.mark.parametrize(("name", "specs", "engine", "manifests"), ESTATES, ids=[
    f"{n}-{e or 'as-written'}-{m or ''}".rstrip("-") for n, _, e, m in ESTATES
])  # fmt: skip
def test_an_environment_runs_nothing_until_promoted_then_exactly_the_pinned_digest(
    tmp_path: Path, name: str, specs: Path, engine: str, manifests: str
) -> None:
    estate = compile_estate(tmp_path, specs, engine, manifests)
    for project in estate.projects:
        for env in project.environments:
            objects = estate.applied(project, env)
            assert not by_kind(objects, *RUNNING), (project.name, env.name)
            assert by_kind(objects, "ServiceAccount")  # configuration is there, ready
        first, *others = project.environments
        promoted, *unpromoted = project.workloads
        digest = estate.promote(project, first, promoted.name)
        objects = estate.applied(project, first)
        mine = module_objects(objects, promoted.name)
        assert by_kind(mine, "Deployment", "Rollout")
        assert _images(objects) == [f"{promoted.image}@{digest}"]
        for obj in by_kind(mine, *RUNNING):
            assert obj["metadata"]["annotations"]["shipspec/image-digest"] == digest[7:]
        for module in unpromoted:
            assert not by_kind(module_objects(objects, module.name), *RUNNING)
        for env in others:
            assert not by_kind(estate.applied(project, env), *RUNNING)
        for env in project.environments:
            for module in project.workloads:
                estate.promote(project, env, module.name)
            images = _images(estate.applied(project, env))
            assert len(images) == len(project.workloads)
            assert all(PINNED.fullmatch(image) for image in images), images


def test_no_kubernetes_output_names_a_latest_tag(tmp_path: Path) -> None:
    for engine, manifests in VARIANTS:
        estate = compile_estate(tmp_path / f"{engine}-{manifests}", WIRING_SPECS, engine, manifests)
        for project in estate.projects:
            folders = [estate.gitops(project)]
            folders += [estate.folder(project) / m.repository / "charts" for m in project.workloads]
            for folder in folders:
                for path in folder.rglob("*"):
                    if path.is_file():
                        assert "latest" not in path.read_text(), path


@pytest.mark.parametrize("engine", ["argocd", "flux"])
def test_a_chart_change_reaches_an_environment_only_by_its_promotion(
    tmp_path: Path, engine: str
) -> None:
    """Each environment's Application (Argo CD, via the root Application's build of argocd/)
    or chart GitRepository (Flux) reads the chart at the commit its last promotion pinned."""
    estate = compile_estate(tmp_path, WIRING_SPECS, engine, "helm")
    project = estate.project("shop")
    first, second, *_ = project.environments
    module = project.workloads[0].name
    before = {env.name: estate.chart_revisions(project, env) for env in project.environments}
    assert all(set(v.values()) == {""} for v in before.values())  # default branch: nothing runs
    old, new = "1" * 40, "2" * 40
    estate.promote(project, first, module, old)
    estate.promote(project, second, module, old)
    estate.promote(project, first, module, new)  # a chart change, promoted to the first only
    assert estate.chart_revisions(project, first)[module] == new
    assert estate.chart_revisions(project, second)[module] == old
    for env in project.environments[2:]:
        assert estate.chart_revisions(project, env) == before[env.name]
    again = estate.gitops_cli(
        "set-image", project, "--env", first.name, "--module", module,
        "--digest", estate.promote(project, first, module, new), "--revision", new,
    )  # fmt: skip
    assert "already renders" in again


def _ports(objects: list[dict], module: str) -> set[int]:
    """Every port the module's running objects name: its containers' and its Services' targets."""
    mine = module_objects(objects, module)
    ports = {
        p["containerPort"]
        for o in by_kind(mine, "Deployment", "Rollout")
        for c in o["spec"]["template"]["spec"]["containers"]
        for p in c.get("ports", ())
    }
    targets = {p["targetPort"] for s in by_kind(mine, "Service") for p in s["spec"]["ports"]}
    return ports | {t for t in targets if isinstance(t, int)}


@pytest.mark.parametrize("engine", ["argocd", "flux"])
def test_a_kustomize_change_reaches_an_environment_only_along_the_promotion_path(
    tmp_path: Path, engine: str
) -> None:
    """Kustomize layout: a published spec change (the base and the canary and blue-green
    Rollouts) changes nothing an environment runs until it is promoted there, and a promotion
    takes the state the environment before it runs - never the tip, never a mix."""
    estate = compile_estate(tmp_path, WIRING_SPECS, engine, "kustomize")
    project = estate.project("shop")
    dev, staging, prod = project.environments
    module = "shop-api"
    for env in project.environments:
        estate.promote(project, env, module)

    def ports() -> dict[str, set[int]]:
        return {
            env.name: _ports(estate.applied(project, env), module) for env in (dev, staging, prod)
        }

    assert ports() == {"dev": {8080}, "staging": {8080}, "prod": {8080}}
    estate.republish("port: 8080}", "port: 8081}")
    assert ports() == {"dev": {8080}, "staging": {8080}, "prod": {8080}}, "published, not promoted"
    estate.promote(project, staging, module)
    assert ports()["staging"] == {8080}, "staging takes what dev runs, not the tip"
    estate.promote(project, dev, module)
    assert ports() == {"dev": {8081}, "staging": {8080}, "prod": {8080}}
    estate.promote(project, prod, module)
    assert ports()["prod"] == {8080}, "prod takes what staging runs"
    estate.promote(project, staging, module)
    estate.promote(project, prod, module)
    assert ports() == {"dev": {8081}, "staging": {8081}, "prod": {8081}}


def test_a_first_promotion_writes_the_release_compile_created(tmp_path: Path) -> None:
    """Compile's first release and next-file are byte for byte what a promotion writes from
    the same state: promoting an unchanged estate along the path rewrites neither."""
    estate = compile_estate(tmp_path, WIRING_SPECS, "flux", "kustomize")
    for project in estate.projects:
        gitops = estate.gitops(project)
        pipeline_owned = [
            *gitops.glob("overlays/*/*/release.yaml"),
            *gitops.glob("overlays/*/*/next.yaml"),
        ]
        assert pipeline_owned
        before = {path: path.read_bytes() for path in pipeline_owned}
        for env in project.environments:
            for module in project.workloads:
                estate.promote(project, env, module.name)
        assert {path: path.read_bytes() for path in pipeline_owned} == before
