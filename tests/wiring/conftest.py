"""The estates every wiring test reads: the examples as committed, and the wiring specs
(every store kind, both pipeline modes, both manifest styles) compiled once per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler.pipeline import CompileOptions, compile_specs, resolve_specs
from compiler.resolve import Estate
from tests.conftest import ROOT, SPECS

WIRING_SPECS = Path(__file__).parent / "specs"


@dataclass(frozen=True)
class Compiled:
    name: str
    generated: Path
    estate: Estate

    def folder(self, project) -> Path:  # type: ignore[no-untyped-def]
        return self.generated / project.tenant / project.name

    def templates(self, project) -> Path:  # type: ignore[no-untyped-def]
        return self.generated / project.tenant / "_tenant" / "pipeline-templates"


@pytest.fixture(scope="session")
def estates(tmp_path_factory: pytest.TempPathFactory) -> list[Compiled]:
    out = tmp_path_factory.mktemp("wiring") / "generated"
    compile_specs(CompileOptions((WIRING_SPECS,), out))
    return [
        Compiled("examples", ROOT / "generated", resolve_specs([SPECS], base=ROOT)),
        Compiled("wiring", out, resolve_specs([WIRING_SPECS], base=ROOT)),
    ]
