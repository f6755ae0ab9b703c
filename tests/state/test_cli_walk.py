"""Done-means 1: one release of the payments example, scripted through the CLI."""

from __future__ import annotations

from pathlib import Path

from .cli import Shipspec

DATA = Path(__file__).parent / "data"
DIGEST = "sha256:" + "ab" * 32
GATES = ("--gate", "smoke=passed", "--gate", "http-5xx=passed:0.1% errors")


def test_one_release_of_payments_walks_the_path(state_url: str) -> None:
    ship = Shipspec(state_url, tenant="contoso")
    ship.run("state", "upgrade")  # harmless when already migrated
    run = ship.json(
        "runs",
        "start",
        "--pipeline",
        "payments-api-ci",
        "--number",
        "20261122.1",
        "--module",
        "payments-api",
        "--commit",
        "a1b2c3d",
    )
    ship.json("runs", "update", run["id"], "--status", "InProgress", "--stage", "build=InProgress")
    build = ship.json(
        "builds",
        "ingest",
        "--run",
        run["id"],
        "--junit",
        str(DATA / "pytest-junit.xml"),
        "--junit",
        str(DATA / "xunit-trx2junit.xml"),
        "--coverage",
        str(DATA / "cobertura.xml"),
    )
    assert (build["testsTotal"], build["testsPassed"], build["testsSkipped"]) == (6, 5, 1)
    assert build["lineRate"] == 0.85
    ship.json("runs", "update", run["id"], "--stage", "build=Succeeded")
    finished = ship.json("runs", "update", run["id"], "--status", "Succeeded")
    assert finished["finishedAt"] is not None
    image = ship.json(
        "images",
        "record",
        "--registry",
        "contosoacr.azurecr.io",
        "--repository",
        "payments-api",
        "--digest",
        DIGEST,
        "--tag",
        "1.4.0",
        "--run",
        run["id"],
    )
    plan = ship.json(
        "release",
        "plan",
        "--module",
        "payments-api",
        "--version",
        "1.4.0",
        "--run",
        run["id"],
        "--image",
        image["id"],
        actor="rita@contoso.com",
        specs=True,
    )
    assert plan["planner"] == "rita@contoso.com"
    for env in ("dev", "test"):
        assert (
            ship.json("release", "promote", "payments-api@1.4.0", "--to", env, *GATES, specs=True)[
                "status"
            ]
            == "Succeeded"
        )
    ship.json(
        "release",
        "approve",
        "payments-api@1.4.0",
        "--env",
        "staging",
        actor="alice@contoso.com",
        specs=True,
    )
    ship.json("release", "promote", "payments-api@1.4.0", "--to", "staging", *GATES, specs=True)
    for approver in ("alice@contoso.com", "bob@contoso.com"):
        approval = ship.json(
            "release", "approve", "payments-api@1.4.0", "--env", "prod", actor=approver, specs=True
        )
        assert approval["approverSource"] == "env:SHIPSPEC_ACTOR"
    started = ship.json("release", "promote", "payments-api@1.4.0", "--to", "prod", specs=True)
    assert started["status"] == "InProgress"  # no gate checked yet
    done = ship.json("release", "promote", "payments-api@1.4.0", "--to", "prod", *GATES, specs=True)
    assert done["id"] == started["id"] and done["status"] == "Succeeded"

    view = ship.json("release", "status", specs=True)
    api = next(m for m in view["modules"] if m["module"] == "payments-api")
    assert [(e["environment"], e["live"]) for e in api["environments"]] == [
        ("dev", "1.4.0"),
        ("test", "1.4.0"),
        ("staging", "1.4.0"),
        ("prod", "1.4.0"),
    ]
    text = ship.run("release", "status", specs=True).output
    assert "payments-api" in text and "prod" in text and "1.4.0" in text

    events = ship.json("events", "list")
    assert [e["type"] for e in events].count("PromotionSucceeded") == 4
    assert all(e["tenant"] == "contoso" for e in events)
    later = ship.json("events", "list", "--since", str(events[-3]["sequence"]))
    assert later == events[-2:]


def test_text_output_and_replay_notice(state_url: str, tenant: str) -> None:
    ship = Shipspec(state_url, tenant)
    args = ("runs", "start", "--pipeline", "payments-api-ci", "--number", "7")
    first = ship.run(*args)
    again = ship.run(*args)
    assert first.exit_code == again.exit_code == 0
    assert "already recorded" in again.output and "already recorded" not in first.output
    listing = ship.run("runs", "list").output
    assert listing.splitlines()[0].split() == [
        "ID",
        "PIPELINE",
        "RUN",
        "STATUS",
        "STARTED",
        "FINISHED",
    ]


def test_usage_and_database_errors_have_their_exit_codes(tenant: str, tmp_path: Path) -> None:
    ship = Shipspec("postgresql+psycopg://nobody@/nope?host=/nonexistent", tenant)
    assert "failed" in ship.fails("runs", "list", code=3)
    ship = Shipspec(f"sqlite:///{tmp_path / 'state.db'}", tenant)
    assert "NAME=VALUE" in ship.fails("runs", "update", "x", "--stage", "oops", code=2)
    assert "not found" in ship.fails("runs", "show", "no-such-run", code=1)
    assert "unsupported" in Shipspec("mysql://db/state", tenant).fails("runs", "list", code=2)
