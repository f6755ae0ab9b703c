"""The release page in a real browser: Playwright driving the machine's Chromium.

Screenshots land in test-artifacts/web/ (the board at 1280 px and at phone width, a
release page); axe-core checks every page for serious or critical violations.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler.state import Scope
from compiler.state.services import promotion, release
from compiler.web.demo import APPROVERS, PASSING, PIPELINE
from tests.conftest import ROOT

from .conftest import CONTOSO_TOKEN, Server

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("SHIPSPEC_TEST_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (.ci/run installs it)")
    pytest.skip(what)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        _missing(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


def _signed_in(browser: object, **options: object) -> object:
    return browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 900},
        extra_http_headers={"Authorization": f"Bearer {CONTOSO_TOKEN}"},
        **options,
    )


@pytest.fixture
def page(browser: object, server: Server) -> Iterator[object]:
    context = _signed_in(browser)
    yield context.new_page()  # type: ignore[attr-defined]
    context.close()  # type: ignore[attr-defined]


@pytest.fixture
def axe_page(browser: object, server: Server) -> Iterator[object]:
    """A signed-in page that may inject axe-core (the page's own CSP forbids inline scripts)."""
    context = _signed_in(browser, bypass_csp=True)
    yield context.new_page()  # type: ignore[attr-defined]
    context.close()  # type: ignore[attr-defined]


def axe_violations(page: object) -> list[dict[str, object]]:
    if not AXE.is_file():
        _missing(f"axe-core is not installed at {AXE}: npm ci")
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    result = page.evaluate("async () => await axe.run(document)")  # type: ignore[attr-defined]
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def cell(page: object, module: str, environment: str) -> object:
    return page.locator(f'td[data-cell="{module}/{environment}"]')  # type: ignore[attr-defined]


def test_the_board_shows_what_runs_where(page: object, server: Server, artifacts: Path) -> None:
    page.goto(server.url + "/board/contoso/payments")  # type: ignore[attr-defined]
    headers = page.locator("table.board thead th").all_inner_texts()  # type: ignore[attr-defined]
    assert headers == ["Module", "dev", "test", "staging", "prod"]
    rows = page.locator("table.board tbody th").all_inner_texts()  # type: ignore[attr-defined]
    assert rows == ["payments-api", "payments-worker"], "libraries are not on the board"
    dev = cell(page, "payments-api", "dev")
    assert "1.5.0" in dev.inner_text() and "sha256:" in dev.inner_text()  # type: ignore[attr-defined]
    assert "running: build" in dev.inner_text()  # type: ignore[attr-defined]
    staging = cell(page, "payments-api", "staging").inner_text()  # type: ignore[attr-defined]
    assert "1.4.0" in staging and "promoted by azure-pipelines" in staging and "Synced" in staging
    prod = cell(page, "payments-api", "prod").inner_text()  # type: ignore[attr-defined]
    assert "nothing promoted" in prod and "1.4.0 waits: 1 of 2 approvals" in prod
    assert "1 drifted" in prod
    failed = cell(page, "payments-worker", "test").inner_text()  # type: ignore[attr-defined]
    assert "health gate failed: http-5xx" in failed
    page.screenshot(path=str(artifacts / "board-1280.png"), full_page=True)  # type: ignore[attr-defined]


def test_clicking_a_waiting_cell_shows_the_awaited_approvers(page: object, server: Server) -> None:
    page.goto(server.url + "/board/contoso/payments")  # type: ignore[attr-defined]
    waiting = cell(page, "payments-api", "prod").locator("details")  # type: ignore[attr-defined]
    awaited = waiting.locator(".awaited")
    assert not awaited.is_visible()
    waiting.locator("summary").click()
    assert awaited.is_visible()
    assert awaited.inner_text() == r"[Payments]\Release Managers, [Payments]\Security"
    assert "Approved by alice@example.com" in waiting.inner_text()


def test_the_board_works_from_the_keyboard(page: object, server: Server) -> None:
    page.goto(server.url + "/board/contoso/payments")  # type: ignore[attr-defined]
    summary = cell(page, "payments-api", "prod").locator("summary")  # type: ignore[attr-defined]
    summary.focus()
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert cell(page, "payments-api", "prod").locator(".awaited").is_visible()  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    focused = page.evaluate("() => document.activeElement.textContent")  # type: ignore[attr-defined]
    assert focused == "Release 1.4.0"


def test_the_board_refreshes_in_place_and_keeps_open_details(page: object, server: Server) -> None:
    page.goto(server.url + "/board/contoso/payments")  # type: ignore[attr-defined]
    page.evaluate("() => { window.notReloaded = true; }")  # type: ignore[attr-defined]
    cell(page, "payments-api", "prod").locator("summary").click()  # type: ignore[attr-defined]
    _approve_and_promote_prod(server)
    page.evaluate("() => window.shipspecRefresh()")  # type: ignore[attr-defined]
    prod = cell(page, "payments-api", "prod")
    sync_api.expect(prod).to_contain_text("1.4.0")
    sync_api.expect(prod).not_to_contain_text("nothing promoted")
    assert page.evaluate("() => window.notReloaded") is True  # type: ignore[attr-defined]
    assert "Updated" in page.locator("#refresh-status").inner_text()  # type: ignore[attr-defined]


def _approve_and_promote_prod(server: Server) -> None:
    view = server.estate.find("contoso", "payments")
    assert view is not None
    scope, policy = Scope("contoso", "payments"), view.policy
    decide = release.Decide("payments-api@1.4.0", "prod", "approved", "ship it")
    server.store.write(scope, lambda u: release.decide(u, decide, policy, APPROVERS[1]))
    promote = promotion.Promote("payments-api@1.4.0", "prod", PASSING)
    server.store.write(scope, lambda u: promotion.promote(u, promote, policy, PIPELINE))


def test_a_release_page_shows_build_approvals_promotions_and_lineage(
    page: object, server: Server, artifacts: Path
) -> None:
    page.goto(server.url + "/board/contoso/payments")  # type: ignore[attr-defined]
    cell(page, "payments-api", "staging").locator(".version a").click()  # type: ignore[attr-defined]
    sync_api.expect(page.locator("h1")).to_have_text("payments-api 1.4.0")  # type: ignore[attr-defined]
    text = page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert "212 of 214 passed" in text and "83.0% of lines" in text
    assert "demo.azurecr.io/payments/payments-api@sha256:" in text
    assert "alice@example.com" in text and "looks good" in text
    assert "specs/contoso/payments.yaml:" in text
    assert "smoke: passed" in text
    page.screenshot(path=str(artifacts / "release.png"), full_page=True)  # type: ignore[attr-defined]


def test_history_marks_rollbacks(page: object, server: Server) -> None:
    page.goto(server.url + "/history/contoso/payments/payments-worker")  # type: ignore[attr-defined]
    rows = page.locator("section:has(h2:text-is('dev')) tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == 3
    assert "rollback" in rows.nth(0).inner_text() and "2.0.0" in rows.nth(0).inner_text()


def test_the_board_is_readable_on_a_narrow_screen(
    browser: object, server: Server, artifacts: Path
) -> None:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844},
        extra_http_headers={"Authorization": f"Bearer {CONTOSO_TOKEN}"},
    )
    narrow = context.new_page()
    narrow.goto(server.url + "/board/contoso/payments")
    width = narrow.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"
    assert cell(narrow, "payments-api", "dev").is_visible()
    narrow.screenshot(path=str(artifacts / "board-390.png"), full_page=True)
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/board/contoso/payments",
        "/history/contoso/payments/payments-api",
    ],
)
def test_no_serious_accessibility_violations(axe_page: object, server: Server, path: str) -> None:
    axe_page.goto(server.url + path)  # type: ignore[attr-defined]
    assert axe_violations(axe_page) == []


def test_the_release_page_and_sign_in_have_no_serious_accessibility_violations(
    browser: object, axe_page: object, server: Server
) -> None:
    axe_page.goto(server.url + "/board/contoso/payments")  # type: ignore[attr-defined]
    cell(axe_page, "payments-api", "staging").locator(".version a").click()  # type: ignore[attr-defined]
    assert axe_violations(axe_page) == []
    context = browser.new_context(bypass_csp=True)  # type: ignore[attr-defined]
    anonymous = context.new_page()
    anonymous.goto(server.url + "/board/contoso/payments")
    assert anonymous.url.endswith("/login")
    assert axe_violations(anonymous) == []
    context.close()
