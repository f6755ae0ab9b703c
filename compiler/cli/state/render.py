"""Plain-text views of state records for people; JSON output uses the records as-is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Left-aligned columns, two spaces apart.

    >>> print(table(["a", "bb"], [["x", 1]]))
    a  bb
    x  1
    """
    cells = [
        [str(h) for h in headers],
        *([("-" if c is None else str(c)) for c in r] for r in rows),
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def record_line(kind: str, record: dict[str, Any], replayed: bool = False) -> str:
    """One line naming what was written, with an idempotent repeat said plainly."""
    status = f" [{record['status']}]" if "status" in record else ""
    suffix = " (already recorded; nothing changed)" if replayed else ""
    return f"{kind} {record.get('id', '')}{status}{suffix}"


def runs_table(records: list[dict[str, Any]]) -> str:
    rows = [
        [r["id"], r["pipeline"], r["runNumber"], r["status"], r["startedAt"], r["finishedAt"]]
        for r in records
    ]
    return table(["ID", "PIPELINE", "RUN", "STATUS", "STARTED", "FINISHED"], rows)


def run_detail(record: dict[str, Any]) -> str:
    lines = [f"{key}: {record[key]}" for key in sorted(record) if key not in ("stages",)]
    for stage in record["stages"]:
        lines.append(f"  stage {stage['name']}: {stage['status']}")
    return "\n".join(lines)


def release_status(view: dict[str, Any]) -> str:
    lines = [f"{view['tenant']}/{view['project']}  path: {' -> '.join(view['path'])}"]
    for module in view["modules"]:
        lines.append("")
        lines.append(module["module"])
        rows = [_environment_row(env) for env in module["environments"]]
        lines.extend(
            "  " + line for line in table(["ENVIRONMENT", "LIVE", "NEXT"], rows).split("\n")
        )
    return "\n".join(lines)


def _environment_row(env: dict[str, Any]) -> list[object]:
    notes = []
    if env["inProgress"]:
        notes.append(f"{env['inProgress']['version']} promotion in progress")
    notes.extend(f"{w['version']} waits for {w['waitingFor']}" for w in env["waiting"])
    live = env["live"] or "runs nothing"  # never promoted there: the manifests hold no workload
    return [env["environment"], live, "; ".join(notes) or None]


def events_table(events: list[dict[str, Any]]) -> str:
    rows = [[e["sequence"], e["occurredAt"], e["type"], e["correlationId"]] for e in events]
    return table(["SEQ", "OCCURRED", "TYPE", "CORRELATION"], rows)


def sync_table(states: list[dict[str, Any]]) -> str:
    rows = [
        [
            s["application"],
            s["environment"],
            s["status"],
            s["desiredCommit"],
            s["appliedCommit"],
            ", ".join(f"{d['kind']}/{d['namespace']}/{d['name']}" for d in s["drift"]) or None,
        ]
        for s in states
    ]
    return table(["APPLICATION", "ENVIRONMENT", "STATUS", "DESIRED", "APPLIED", "DRIFT"], rows)
