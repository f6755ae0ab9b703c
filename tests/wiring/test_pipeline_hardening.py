"""Pipeline wires: the feed token reaches the Docker build, coverage uses the current task,
and pull-request previews never hold the production credentials.

Each pipeline is read as Azure DevOps would queue it (templates expanded for
`mode: templates`, as written for `mode: inline`), so both modes are checked on the
same stages and steps.
"""

from __future__ import annotations

import re

from tests.wiring.pipelines import estate_pipelines, steps_of


def _pipelines(estates):  # type: ignore[no-untyped-def]
    for compiled in estates:
        for project, repository, _, stages in estate_pipelines(compiled):
            yield compiled, project, repository, stages


def _tasks(stages, name):  # type: ignore[no-untyped-def]
    return [s for stage in stages for s in steps_of(stage) if s.get("task") == name]


def test_coverage_is_published_with_the_current_task(estates) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for _, _, repository, stages in _pipelines(estates):
        assert not _tasks(stages, "PublishCodeCoverageResults@1"), repository
        for step in _tasks(stages, "PublishCodeCoverageResults@2"):
            assert set(step["inputs"]) <= {
                "summaryFileLocation",
                "pathToSources",
                "failIfCoverageEmpty",
            }
            assert step["inputs"]["summaryFileLocation"].endswith("coverage.cobertura.xml")
            checked += 1
    assert checked >= 5


def test_the_feed_token_reaches_the_docker_build_as_the_secret_the_dockerfile_mounts(
    estates,
) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for compiled, project, repository, stages in _pipelines(estates):
        dockerfile = compiled.folder(project) / repository / "Dockerfile"
        if not dockerfile.is_file():
            continue
        mounted = set(re.findall(r"--mount=type=secret,id=([a-z_]+)", dockerfile.read_text()))
        docker = _tasks(stages, "Docker@2")
        assert "buildAndPush" not in {s["inputs"]["command"] for s in docker}, repository
        (build,) = [s for s in docker if s["inputs"]["command"] == "build"]
        secrets = dict(
            re.findall(r"--secret id=([a-z_]+),env=([A-Z_]+)", build["inputs"]["arguments"])
        )
        assert set(secrets) == mounted == {"feed_token"}, repository
        assert build["env"][secrets["feed_token"]] == "$(System.AccessToken)"
        assert build["env"]["DOCKER_BUILDKIT"] == "1"
        (push,) = [s for s in docker if s["inputs"]["command"] == "push"]
        assert (
            "PullRequest" in push["condition"] and push["inputs"]["tags"] == build["inputs"]["tags"]
        )
        checked += 1
    assert checked >= 4


def test_previews_never_use_the_production_connection_or_passphrase(estates) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for _, project, repository, stages in _pipelines(estates):
        production = project.last.variable_group
        for stage in (s for s in stages if s["stage"].startswith("preview_")):
            assert "PullRequest" in stage["condition"]
            groups = {v["group"] for v in stage.get("variables", ()) if "group" in v}
            assert production not in groups, f"{repository}: {stage['stage']} reads {production}"
            for step in _tasks([stage], "AzureCLI@2"):  # the preflight and the preview
                connection = step["inputs"]["azureSubscription"]
                assert connection == project.preview_connection != project.azure_connection
            checked += 1
        previewed = {s["stage"] for s in stages if s["stage"].startswith("preview_")}
        assert f"preview_{project.last.identifier}" not in previewed
    assert checked >= 5
