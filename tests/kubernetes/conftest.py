"""Fixtures of the Kubernetes suite: compiled example trees and engine x manifests variants.

Trees are compiled once per session with only the Kubernetes targets (see helpers).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.kubernetes.helpers import compile_platform, copy_specs

PAYMENTS = "contoso/payments.yaml"


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`generated/` of every example spec."""
    return compile_platform(copy_specs(tmp_path_factory.mktemp("examples")))


@pytest.fixture(scope="session")
def variant(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """`generated/` of the payments example switched to another engine and manifests kind."""
    cache: dict[tuple[str, str], Path] = {}

    def build(engine: str, manifests: str) -> Path:
        if (engine, manifests) not in cache:
            root = copy_specs(tmp_path_factory.mktemp(f"{engine}-{manifests}"), PAYMENTS)
            spec = root / "specs" / PAYMENTS
            text = re.sub(r"engine: \w+", f"engine: {engine}", spec.read_text())
            text = re.sub(r"manifests: \w+", f"manifests: {manifests}", text)
            spec.write_text(text)
            cache[engine, manifests] = compile_platform(root)
        return cache[engine, manifests]

    return build
