"""The page is tenant-scoped and authenticated; nothing secret ever reaches it."""

from __future__ import annotations

import re

import pytest
import requests

from compiler.errors import UsageError
from compiler.web.access import Access

from .conftest import CONTOSO_TOKEN, NORTHWIND_TOKEN, Server, tokens_json

PAGES = ("/", "/board/contoso/payments", "/history/contoso/payments/payments-api")


@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_credentials_sends_the_browser_to_sign_in(server: Server, path: str) -> None:
    response = server.get(path)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_json_without_credentials_is_401_with_a_hint(server: Server) -> None:
    response = server.get("/api/board/contoso/payments")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["hint"]


def test_a_wrong_token_is_refused(server: Server) -> None:
    assert server.get("/api/board/contoso/payments", "not-a-valid-token-123").status_code == 401


def test_a_viewer_sees_only_the_granted_tenant(server: Server) -> None:
    index = server.get("/", CONTOSO_TOKEN).text
    assert "/board/contoso/payments" in index
    assert "northwind" not in index and "fabrikam" not in index
    assert server.get("/api/board/contoso/payments", CONTOSO_TOKEN).status_code == 200
    assert server.get("/api/board/northwind/orders", NORTHWIND_TOKEN).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/board/northwind/orders",
        "/board/northwind/orders/table",
        "/history/northwind/orders/orders-api",
        "/api/board/northwind/orders",
    ],
)
def test_another_tenants_data_is_not_found_not_forbidden(server: Server, path: str) -> None:
    response = server.get(path, CONTOSO_TOKEN)
    assert response.status_code == 404
    assert "orders-api" not in response.text
    missing = server.get(path.replace("northwind", "nowhere"), CONTOSO_TOKEN)
    assert (missing.status_code, missing.text) == (404, response.text)


def test_a_release_id_of_another_tenant_is_not_found(server: Server) -> None:
    board = server.get("/api/board/northwind/orders", NORTHWIND_TOKEN).json()
    release = next(c["release_id"] for r in board["rows"] for c in r["cells"] if c["release_id"])
    for path in (
        f"/release/northwind/orders/{release}",
        f"/api/release/northwind/orders/{release}",
    ):
        assert server.get(path, NORTHWIND_TOKEN).status_code == 200
        assert server.get(path, CONTOSO_TOKEN).status_code == 404
    assert server.get(f"/api/release/contoso/payments/{release}", CONTOSO_TOKEN).status_code == 404


def test_sign_in_sets_an_http_only_cookie_and_no_page_shows_the_token(server: Server) -> None:
    session = requests.Session()
    signed = session.post(
        server.url + "/login", data={"token": CONTOSO_TOKEN}, allow_redirects=False, timeout=10
    )
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    for path in (*PAGES, "/api/board/contoso/payments"):
        page = session.get(server.url + path, timeout=10)
        assert page.status_code == 200
        assert CONTOSO_TOKEN not in page.text and NORTHWIND_TOKEN not in page.text
    assert (
        session.post(server.url + "/login", data={"token": "nope"}, timeout=10).status_code == 401
    )


def test_pages_carry_a_strict_content_security_policy(server: Server) -> None:
    headers = server.get("/board/contoso/payments", CONTOSO_TOKEN).headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    page = server.get("/board/contoso/payments", CONTOSO_TOKEN).text
    assert not re.search(r"<script>(?!</script>)", page), "no inline script"


def test_a_proxy_user_gets_the_tenants_granted_to_them_or_their_domain() -> None:
    access = Access.from_environment(
        {
            "SHIPSPEC_WEB_PROXY_HEADER": "X-Forwarded-Email",
            "SHIPSPEC_WEB_GRANTS": '{"alice@contoso.com": ["contoso"], "@northwind.com": ["northwind"]}',
        }
    )
    alice = access.viewer({"x-forwarded-email": "Alice@Contoso.com"}, None)
    bob = access.viewer({"x-forwarded-email": "bob@northwind.com"}, None)
    stranger = access.viewer({"x-forwarded-email": "eve@example.com"}, None)
    assert alice and alice.may_see("contoso") and not alice.may_see("northwind")
    assert bob and bob.may_see("northwind") and not bob.may_see("contoso")
    assert stranger is not None and not stranger.may_see("contoso")
    assert access.viewer({}, None) is None


def test_anonymous_access_only_when_enabled() -> None:
    assert Access.from_environment({"SHIPSPEC_WEB_TOKENS": tokens_json()}).viewer({}, None) is None
    viewer = Access.from_environment({}, anonymous=True).viewer({}, None)
    assert viewer is not None and viewer.may_see("anything")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"viewer": "x"}', "must be a JSON list"),
        ('[{"viewer": "x", "token": "short", "tenants": ["a"]}]', r"16\+ characters"),
        ('[{"viewer": "x"}]', "needs viewer, token and tenants"),
    ],
)
def test_bad_token_configuration_is_a_clear_usage_error(raw: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Access.from_environment({"SHIPSPEC_WEB_TOKENS": raw})


def test_an_oversized_sign_in_is_refused_without_reading_it_all(server: Server) -> None:
    response = requests.post(
        server.url + "/login", data={"token": "x" * 100_000}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 413


@pytest.mark.parametrize("path", ["/release/contoso/payments/%00", "/board/contoso/pay%0Aments"])
def test_unprintable_names_are_not_found_not_errors(server: Server, path: str) -> None:
    assert server.get(path, CONTOSO_TOKEN).status_code == 404
    api = path.replace("/release/", "/api/release/").replace("/board/", "/api/board/")
    assert server.get(api, CONTOSO_TOKEN).status_code == 404


def test_the_refreshing_table_answers_401_once_signed_out(server: Server) -> None:
    assert server.get("/board/contoso/payments/table").status_code == 401
    assert server.get("/board/contoso/payments/table", CONTOSO_TOKEN).status_code == 200
