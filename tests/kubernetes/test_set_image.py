"""`shipspec gitops set-image`: one line of one file, idempotent, clear errors; pins are scaffold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli.gitops import gitops_group, set_image_outcome
from compiler.gitops_image import SetImageResult
from tests.kubernetes.helpers import kustomize_build

DIGEST = "sha256:" + "0123456789abcdef" * 4
OTHER = "sha256:" + "f" * 64


def _checkout(generated: Path, tmp_path: Path) -> Path:
    repo = tmp_path / "payments-gitops"
    shutil.copytree(generated / "contoso/payments/payments-gitops", repo)
    return repo


def _snapshot(repo: Path) -> dict[str, bytes]:
    return {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file()
    }


def _run(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(gitops_group(), ["set-image", "--repo", str(repo), *args])
    return result.exit_code, result.output


def _changed_lines(
    before: dict[str, bytes], after: dict[str, bytes]
) -> dict[str, list[tuple[bytes, bytes]]]:
    assert before.keys() == after.keys()
    changed = {}
    for path in before:
        if before[path] != after[path]:
            old, new = before[path].splitlines(keepends=True), after[path].splitlines(keepends=True)
            assert len(old) == len(new)
            changed[path] = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    return changed


@pytest.mark.parametrize(
    ("manifests", "pin"),
    [
        ("helm", "environments/prod/payments-api/image.yaml"),
        ("kustomize", "overlays/prod/payments-api/image/kustomization.yaml"),
    ],
)
def test_set_image_changes_one_line_of_one_file_and_is_idempotent(
    variant, tmp_path: Path, manifests: str, pin: str
) -> None:  # type: ignore[no-untyped-def]
    repo = _checkout(variant("argocd", manifests), tmp_path)
    before = _snapshot(repo)
    code, output = _run(repo, "--env", "prod", "--module", "payments-api", "--digest", DIGEST)
    assert code == 0, output
    after = _snapshot(repo)
    changed = _changed_lines(before, after)
    assert list(changed) == [pin] and len(changed[pin]) == 1
    old, new = changed[pin][0]
    assert b'digest: ""' in old and f'digest: "{DIGEST}"'.encode() in new
    code, output = _run(repo, "--env", "prod", "--module", "payments-api", "--digest", DIGEST)
    assert code == 0 and "nothing changed" in output
    assert _snapshot(repo) == after
    code, _ = _run(repo, "--env", "prod", "--module", "payments-api", "--digest", OTHER)
    assert code == 0
    assert _changed_lines(after, _snapshot(repo))[pin][0][1].strip().endswith(f'"{OTHER}"'.encode())


def test_the_pinned_digest_reaches_the_rendered_objects(variant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = _checkout(variant("flux", "kustomize"), tmp_path)
    _run(repo, "--env", "dev", "--module", "payments-worker", "--digest", DIGEST)
    images = {
        obj["metadata"]["name"]: obj["spec"]["template"]["spec"]["containers"][0]["image"]
        for obj in kustomize_build(repo / "overlays/dev")
        if obj["kind"] == "Deployment"
    }
    assert images["payments-worker"] == f"contosoacr.azurecr.io/payments/payments-worker@{DIGEST}"
    assert "payments-api" not in images  # never promoted to dev: it runs nothing there


def test_line_endings_and_comments_are_kept(variant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = _checkout(variant("argocd", "helm"), tmp_path)
    pin = repo / "environments/dev/payments-api/image.yaml"
    pin.write_bytes(
        pin.read_bytes().replace(b"\n", b"\r\n").replace(b'digest: ""', b'digest: ""  # pinned')
    )
    assert _run(repo, "--env", "dev", "--module", "payments-api", "--digest", DIGEST)[0] == 0
    assert pin.read_bytes().count(b"\r\n") == pin.read_bytes().count(b"\n")
    assert f'digest: "{DIGEST}"  # pinned\r\n'.encode() in pin.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--env", "qa", "--module", "payments-api", "--digest", DIGEST],
            "unknown environment 'qa'",
        ),
        (
            ["--env", "prod", "--module", "ledger-client", "--digest", DIGEST],
            "unknown module 'ledger-client'",
        ),
        (
            ["--env", "prod", "--module", "payments-api", "--digest", "sha256:abc"],
            "is not an image digest",
        ),
        (
            ["--env", "prod", "--module", "payments-api", "--digest", DIGEST.upper()],
            "is not an image digest",
        ),
    ],
)
def test_clear_errors_exit_1_and_change_nothing(
    examples: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    repo = _checkout(examples, tmp_path)
    before = _snapshot(repo)
    code, output = _run(repo, *args)
    assert code == 1 and message in output
    assert "hint:" in output
    assert _snapshot(repo) == before


def test_json_output(examples: Path, tmp_path: Path) -> None:
    repo = _checkout(examples, tmp_path)
    code, output = _run(
        repo, "--env", "test", "--module", "payments-worker", "--digest", DIGEST, "--format", "json"
    )
    assert code == 0
    assert json.loads(output) == {
        "changed": True,
        "digest": DIGEST,
        "file": "environments/test/payments-worker/image.yaml",
        "previous": "",
    }


def test_a_hand_edited_pin_file_is_refused(examples: Path, tmp_path: Path) -> None:
    repo = _checkout(examples, tmp_path)
    pin = repo / "environments/dev/payments-api/image.yaml"
    pin.write_text(pin.read_text() + "other:\n  digest: x\n")
    code, output = _run(repo, "--env", "dev", "--module", "payments-api", "--digest", DIGEST)
    assert code == 1 and "exactly one `digest:` line" in output


def test_pipeline_owned_files_are_scaffold_and_everything_else_is_managed(
    examples: Path, variant
) -> None:  # type: ignore[no-untyped-def]
    for tree in (examples, variant("argocd", "kustomize")):
        for manifest in tree.glob("*/*/.shipspec/manifest.json"):
            files = json.loads(manifest.read_text())["files"]
            for path, entry in files.items():
                is_pin = "/argocd/revisions/" in path or path.endswith(
                    (
                        "/image.yaml",
                        "/image/kustomization.yaml",
                        "/outputs.yaml",
                        "/revision.yaml",
                        "/release.yaml",
                        "/next.yaml",
                    )
                )
                if "-gitops/" in path or "/charts/" in path:
                    assert entry["ownership"] == ("scaffold" if is_pin else "managed"), path


def test_set_image_says_the_chart_pin_first_and_only_where_the_layout_has_one() -> None:
    result = SetImageResult("environments/dev/api/image.yaml", "", DIGEST, changed=True)
    commit = "a" * 40
    helm = set_image_outcome(result, "api", "dev", commit, ("argocd/revisions/dev/api.yaml", True))
    assert helm.lines == (
        f"argocd/revisions/dev/api.yaml: api in dev now renders the chart of {commit}",
        f"environments/dev/api/image.yaml: api in dev now runs {DIGEST} (was unpinned)",
    )
    assert helm.exit_code == 0
    kustomize = set_image_outcome(result, "api", "dev", commit, ("", False))
    assert len(kustomize.lines) == 1
    assert kustomize.data == {
        **result.to_dict(),
        "revision": {"file": "", "revision": commit, "changed": False},
    }
    assert set_image_outcome(result, "api", "dev", None, None).data == result.to_dict()
