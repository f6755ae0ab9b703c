"""The Azure DevOps side provisioned whole: every example (and a tenant of our own with
two projects in two Azure DevOps projects, a `trunk` default branch, inline and
templates mode) published into an empty organization of the local server with the
real SDK and real Git, then every pipeline's references walked and resolved."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import git
import pytest
import yaml
from pytest_httpserver import HTTPServer

from compiler.pipeline import CompileOptions, compile_specs

from .azure_fake import FakeAzureDevOps
from .azure_fake_pipelines import APPROVAL, EXCLUSIVE_LOCK
from .conftest import Platform

OWN_SPECS = Path(__file__).parent / "specs"
PROJECTS = (
    ("contoso", "Payments"),
    ("fabrikam", "Platform"),
    ("northwind-traders", "Orders"),
    ("acme", "Shop"),
    ("acme", "Billing"),
    ("acme", "Platform"),
)
ENDPOINTS = {
    ("contoso", "Payments"): ("contoso-arm", "contoso-arm-preview", "contoso-acr"),
    ("northwind-traders", "Orders"): ("northwind-arm", "northwind-arm-preview", "northwind-acr"),
    ("acme", "Shop"): ("acme-arm", "acme-arm-preview", "acme-acr"),
}
GIT_URL = re.compile(r"https://dev\.azure\.com/([^/\s\"']+)/([^/\s\"']+)/_git/([A-Za-z0-9._-]+)")


@pytest.fixture
def estate(
    platform: Platform,
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Platform, FakeAzureDevOps]:
    from azure.devops import _file_cache
    from azure.devops import client as sdk_client

    monkeypatch.setattr(sdk_client.Client, "_locations_cache", {})
    (tmp_path / "sdk-cache").mkdir()
    cache = _file_cache.get_cache("options", cache_dir=str(tmp_path / "sdk-cache"))
    monkeypatch.setattr(sdk_client, "OPTIONS_FILE_CACHE", cache)
    token = f"pat-{uuid.uuid4().hex}"
    monkeypatch.setenv("AZURE_DEVOPS_EXT_PAT", token)
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN", raising=False)
    shutil.copytree(OWN_SPECS, platform.root / "specs", dirs_exist_ok=True)
    shutil.rmtree(platform.generated)  # the fixture compiled the repository layout only
    compile_specs(CompileOptions((platform.root / "specs",), platform.generated))
    ado = FakeAzureDevOps(httpserver, tmp_path / "ado-git", token, projects=PROJECTS)
    for (org, project), names in ENDPOINTS.items():
        for name in names:
            ado.add_endpoint(org, project, name)
    for org, name in _approvers(platform.generated):
        ado.add_identity(org, name)
    return platform, ado


def _approvers(generated: Path) -> set[tuple[str, str]]:
    """(organization, approver) of every environment any pipeline declares."""
    found = set()
    for path in generated.rglob(".shipspec/pipeline.json"):
        org = json.loads((path.parent / "repository.json").read_text())["organization"]
        for env in json.loads(path.read_text())["environments"]:
            for name in (env["approvals"] or {}).get("approvers", []):
                found.add((org, name))
    return found


def publish(platform: Platform, ado: FakeAzureDevOps, *args: str) -> Any:
    """`shipspec publish` of the whole generated tree, through click."""
    from click.testing import CliRunner

    from compiler.cli.publish import publish_command

    base = [
        str(platform.generated),
        "--provider", "azure-devops",
        "--azure-devops-url", ado.base_url,
        "--cache-dir", str(platform.cache),
        "--state-url", platform.state_url,
    ]  # fmt: skip
    return CliRunner().invoke(publish_command, [*base, *args], catch_exceptions=False)


def run_all(platform: Platform, ado: FakeAzureDevOps, **options: Any) -> Any:
    return platform.run(provider="azure-devops", azure_devops_url=ado.base_url, only=(), **options)


# --- the walk ----------------------------------------------------------------------------------


def declarations(platform: Platform) -> list[tuple[Path, dict[str, Any], dict[str, Any]]]:
    out = []
    for path in sorted(platform.generated.rglob(".shipspec/pipeline.json")):
        repo = path.parent.parent
        home = json.loads((repo / ".shipspec/repository.json").read_text())
        out.append((repo, home, json.loads(path.read_text())))
    return out


def assert_queueable(ado: FakeAzureDevOps, home: dict[str, Any], decl: dict[str, Any]) -> None:
    """Everything the pipeline refers to exists with the declared values, and it may use it."""
    org, project = home["organization"], home["project"]
    owner = ado.find_project(org, project)
    assert owner is not None
    pipeline = decl["pipeline"]
    [definition] = [
        d
        for d in ado.definitions
        if d["name"] == pipeline["name"] and d["project"]["id"] == owner["id"]
    ]
    own = ado.find_repo(org, project, pipeline["repository"])
    assert own is not None and definition["repository"]["id"] == own["id"]
    assert definition["repository"]["defaultBranch"] == f"refs/heads/{pipeline['defaultBranch']}"
    assert definition["process"] == {"type": 2, "yamlFilename": pipeline["yamlPath"]}
    assert definition["path"] == pipeline["folder"]
    authorized = _authorized_for(ado, org, definition["id"])
    for resource in decl["repositories"]:
        where, _, name = resource["name"].rpartition("/")
        repo = ado.find_repo(org, where, name)
        assert repo is not None, resource
        assert _resolves(repo, resource["ref"]), resource
        assert ("repository", f"{ado.find_project(org, where)['id']}.{repo['id']}") in authorized
    for env in decl["environments"]:
        [found] = [
            e
            for e in ado.environments
            if e["name"] == env["name"] and e["project"]["id"] == owner["id"]
        ]
        assert ("environment", str(found["id"])) in authorized
        checks = [
            c
            for c in ado.checks
            if c["resource"] == {"type": "environment", "id": str(found["id"]), "name": env["name"]}
        ]
        kinds = sorted(c["type"]["id"] for c in checks)
        assert kinds == sorted(([APPROVAL] if env["approvals"] else []) + [EXCLUSIVE_LOCK])
        if env["approvals"]:
            [approval] = [c for c in checks if c["type"]["id"] == APPROVAL]
            settings = approval["settings"]
            names = {a["displayName"] for a in settings["approvers"]}
            assert set(env["approvals"]["approvers"]) <= names
            assert settings["minRequiredApprovers"] == env["approvals"]["required"]
            assert settings["requesterCannotBeApprover"] is True
    for group in decl["variableGroups"]:
        [found] = [
            g
            for g in ado.variable_groups
            if g["name"] == group["name"]
            and g["variableGroupProjectReferences"][0]["projectReference"]["id"] == owner["id"]
        ]
        assert found["type"] == "AzureKeyVault"
        assert found["providerData"]["vault"] == group["keyVault"]
        assert set(group["secrets"]) <= set(found["variables"])  # groups are shared
        assert ("variablegroup", str(found["id"])) in authorized
    for name in decl["serviceConnections"]:
        [endpoint] = [e for e in ado.endpoints if e["name"] == name and e["_org"] == org]
        assert ("endpoint", endpoint["id"]) in authorized


def _authorized_for(ado: FakeAzureDevOps, org: str, pid: int) -> set[tuple[str, str]]:
    return {
        (kind, ident)
        for (o, _, kind, ident), doc in ado.permissions.items()
        if o == org and any(p["id"] == pid and p["authorized"] for p in doc["pipelines"])
    }


def _resolves(repo: dict[str, Any], ref: str) -> bool:
    bare = git.Repo(repo["path"])
    return any(r.path == ref for r in bare.references)


def test_an_empty_organization_becomes_runnable_in_one_publish(
    estate: tuple[Platform, FakeAzureDevOps],
) -> None:
    platform, ado = estate
    result = run_all(platform, ado)
    assert result.exit_code == 0, [(r.key, r.error) for r in result.repositories if r.error]
    decls = declarations(platform)
    assert len(decls) >= 10
    for _, home, decl in decls:
        assert_queueable(ado, home, decl)
    # every repository any generated file names exists, in the right organization/project
    named = set()
    for path in platform.generated.rglob("*"):
        if path.is_file():
            named |= set(GIT_URL.findall(path.read_text(encoding="utf-8", errors="replace")))
    assert named
    for org, project, name in named:
        assert ado.find_repo(org, project.replace("%20", " "), name) is not None, (
            org,
            project,
            name,
        )
    # every generated repository sits on its declared default branch
    for declaration in platform.generated.rglob(".shipspec/repository.json"):
        home = json.loads(declaration.read_text())
        repo = ado.find_repo(home["organization"], home["project"], home["name"])
        assert repo is not None and repo["defaultBranch"] == f"refs/heads/{home['defaultBranch']}"
        assert f"refs/heads/{home['defaultBranch']}" in {
            r.path for r in git.Repo(repo["path"]).references
        }


def test_extends_templates_name_a_declared_repository(
    estate: tuple[Platform, FakeAzureDevOps],
) -> None:
    platform, _ = estate
    checked = 0
    for repo, _, decl in declarations(platform):
        pipeline = yaml.safe_load((repo / decl["pipeline"]["yamlPath"]).read_text())
        aliases = {r["repository"] for r in pipeline.get("resources", {}).get("repositories", [])}
        template = (pipeline.get("extends") or {}).get("template", "")
        if "@" in template:
            assert template.rsplit("@", 1)[1] in aliases
            checked += 1
    assert checked >= 5


def test_a_second_publish_changes_nothing(estate: tuple[Platform, FakeAzureDevOps]) -> None:
    platform, ado = estate
    assert run_all(platform, ado).exit_code == 0
    writes = len(ado.writes())
    refs = {
        k: {r.path: r.commit.hexsha for r in git.Repo(v["path"]).references}
        for k, v in ado.repositories.items()
    }
    again = run_all(platform, ado)
    assert again.exit_code == 0
    assert ado.writes()[writes:] == []
    assert refs == {
        k: {r.path: r.commit.hexsha for r in git.Repo(v["path"]).references}
        for k, v in ado.repositories.items()
    }
    assert not [
        (r.key, a)
        for r in again.repositories
        for a in r.actions
        if not a.startswith("nothing to propose")
    ]


def test_a_human_approver_survives_and_is_reported(
    estate: tuple[Platform, FakeAzureDevOps],
) -> None:
    platform, ado = estate
    assert run_all(platform, ado).exit_code == 0
    auditor = ado.add_identity("contoso", "[Payments]\\Auditors")
    prod = next(e for e in ado.environments if e["name"] == "payments-prod")
    check = next(
        c
        for c in ado.checks
        if c["resource"]["id"] == str(prod["id"]) and c["type"]["id"] == APPROVAL
    )
    check["settings"]["approvers"].append(
        {"id": auditor["id"], "displayName": "[Payments]\\Auditors"}
    )
    check["settings"]["minRequiredApprovers"] = 1
    dry = publish(platform, ado, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "kept approver [Payments]\\Auditors on payments-prod" in dry.output
    assert "drift: approvals on payments-prod differ (required 1 -> 2)" in dry.output
    assert check["settings"]["minRequiredApprovers"] == 1  # a dry run touches nothing
    fixed = publish(platform, ado)
    assert fixed.exit_code == 0, fixed.output
    assert "updated approvals on payments-prod (required 1 -> 2)" in fixed.output
    assert check["settings"]["minRequiredApprovers"] == 2
    assert auditor["id"] in {a["id"] for a in check["settings"]["approvers"]}


def test_a_half_failed_publish_converges(estate: tuple[Platform, FakeAzureDevOps]) -> None:
    platform, ado = estate
    ado.fail("POST", r"distributedtask/variablegroups$", 500, times=50)
    first = run_all(platform, ado)
    assert first.exit_code == 3
    assert ado.variable_groups == []
    ado.faults.clear()
    assert run_all(platform, ado).exit_code == 0
    for _, home, decl in declarations(platform):
        assert_queueable(ado, home, decl)
    names = [
        (g["name"], g["variableGroupProjectReferences"][0]["projectReference"]["id"])
        for g in ado.variable_groups
    ]
    assert len(names) == len(set(names))
    assert len({(d["name"], d["project"]["id"]) for d in ado.definitions}) == len(ado.definitions)


def test_forbidden_environment_names_the_permission(
    estate: tuple[Platform, FakeAzureDevOps],
) -> None:
    platform, ado = estate
    ado.fail("POST", r"distributedtask/environments$", 403, times=1)
    result = publish(platform, ado)
    assert result.exit_code == 3
    assert "Environment (Read & manage)" in result.output


def test_the_build_service_pushes_only_to_the_gitops_default_branch(
    estate: tuple[Platform, FakeAzureDevOps],
) -> None:
    platform, ado = estate
    assert run_all(platform, ado).exit_code == 0
    service = ado.identities[("contoso", "payments build service (contoso)")]["descriptor"]
    project = ado.find_project("contoso", "Payments")["id"]
    gitops = ado.find_repo("contoso", "Payments", "payments-gitops")["id"]
    api = ado.find_repo("contoso", "Payments", "payments-api")["id"]
    acl = {
        token: aces.get(service)
        for (ns, token), aces in ado.acls.items()
        if ns.startswith("contoso:")
    }
    main = f"repoV2/{project}/{gitops}/refs/heads/6d00610069006e00"
    assert acl[main] == {"descriptor": service, "allow": 4 | 128, "deny": 0}
    for repo in (gitops, api):
        assert acl[f"repoV2/{project}/{repo}"]["allow"] == 2
        assert acl[f"repoV2/{project}/{repo}"]["deny"] & 4
    branch_tokens = [t for t in acl if "/refs/heads/" in t and acl[t]]
    assert branch_tokens == [main]


def test_the_templates_tag_is_created_once_and_never_moved(
    estate: tuple[Platform, FakeAzureDevOps],
) -> None:
    platform, ado = estate
    result = run_all(platform, ado)
    templates = next(
        r for r in result.repositories if r.key == "contoso/_tenant/pipeline-templates"
    )
    assert templates.tag == "refs/tags/v0.1.0"
    repo = ado.find_repo("contoso", "Payments", "pipeline-templates")
    bare = git.Repo(repo["path"])
    tagged = bare.commit("refs/tags/v0.1.0")
    assert tagged.hexsha == templates.commit  # the publish branch's head: exactly the templates
    rows = platform.rows()["branches"]
    assert any(
        row["name"] == "refs/tags/v0.1.0" and row["head_sha"] == tagged.hexsha for row in rows
    )
    bare.git.update_ref("refs/tags/v0.1.0", bare.commit("refs/heads/main").hexsha)
    moved = publish(platform, ado)
    assert moved.exit_code == 1
    assert "refs/tags/v0.1.0 already exists" in moved.output
    assert "templatesRef" in moved.output


def test_a_dry_run_on_an_empty_organization_lists_what_it_would_create(
    estate: tuple[Platform, FakeAzureDevOps],
) -> None:
    platform, ado = estate
    result = publish(platform, ado, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    assert ado.writes() == []
    records = json.loads(result.output)["repositories"]
    setup = {r["repository"]: r["actions"] for r in records if r.get("kind") == "azure-devops"}
    payments = setup["contoso/payments"]
    assert "would create pipeline payments-api-ci" in payments
    assert "would create environment payments-prod" in payments
    assert "would add approvals check to payments-prod" in payments
    assert "would create variable group payments-prod" in payments
