"""The JSON record of every state table is the one `compiler.state.records` writes out."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import compiler.state.models as models
from compiler.state.models.base import Base, snake
from compiler.state.records import COLUMN_OF, RECORD_KEYS, UNLISTED

for module in pkgutil.iter_modules(models.__path__):
    importlib.import_module(f"{models.__name__}.{module.name}")

TABLES = {mapper.class_.__tablename__: mapper.class_ for mapper in Base.registry.mappers}


def test_every_table_has_a_record() -> None:
    assert sorted(RECORD_KEYS) == sorted(TABLES), (
        "list each table's record keys in compiler/state/records.py RECORD_KEYS"
    )


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_key_names_a_column_and_every_column_is_listed(table: str) -> None:
    columns = {column.key for column in TABLES[table].__table__.columns}
    keys = RECORD_KEYS.get(table, ())
    named = {COLUMN_OF.get((table, key), snake(key)) for key in keys}
    assert named <= columns, f"{table}: record keys without a column: {sorted(named - columns)}"
    unlisted = columns - named - set(UNLISTED.get(table, ()))
    assert not unlisted, (
        f"{table}: columns {sorted(unlisted)} are in no record: add them to RECORD_KEYS "
        "(part of the JSON contract) or to UNLISTED (kept out of it) in compiler/state/records.py"
    )


def test_a_record_carries_exactly_its_listed_keys() -> None:
    from compiler.state.models.runs import StageRun

    stage = StageRun(run_id="r", name="build", status="Started", id="s", tenant_id="t")
    assert set(stage.to_record()) == set(RECORD_KEYS["stage_runs"])
