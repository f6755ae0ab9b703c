"""The release page's routes: board, release, history, their JSON, sign-in, static files.

Every route that shows data authenticates first and answers 404 for a tenant the
viewer may not see, exactly as for one that does not exist, so a viewer cannot even
learn which other tenants there are.  Pages are server-rendered (jinja2, autoescaped);
the board refreshes its table in place every few seconds with a small script, and
works without it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from compiler.errors import ExternalError
from compiler.serve.app import read_body
from compiler.serve.security import Refused
from compiler.state import Scope, Store
from compiler.version import __version__
from compiler.web.access import COOKIE, Access, Viewer
from compiler.web.board import Board, project_board
from compiler.web.estate import ProjectView, WebEstate
from compiler.web.release import module_history, release_detail

REFRESH_SECONDS = 10
LOGIN_BODY_BYTES = 4096
STATIC = {"board.css": "text/css", "board.js": "text/javascript"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class NotVisible(Exception):
    """The tenant/project does not exist or the viewer may not see it (both: 404)."""


@functools.cache
def page_templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("compiler.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def web_router(store: Store, estate: WebEstate, access: Access) -> APIRouter:
    """The page's routes over one store and the projects of one spec folder."""
    router = APIRouter()
    pages = _Pages(store, estate, access)
    router.add_api_route("/", pages.index, methods=["GET"], include_in_schema=False)
    router.add_api_route("/login", pages.login_form, methods=["GET"], include_in_schema=False)
    router.add_api_route("/login", pages.login, methods=["POST"], include_in_schema=False)
    router.add_api_route("/logout", pages.logout, methods=["POST"], include_in_schema=False)
    router.add_api_route("/static/{name}", pages.static, methods=["GET"], include_in_schema=False)
    for path, handler in (
        ("/board/{tenant}/{project}", pages.board),
        ("/board/{tenant}/{project}/table", pages.board_table),
        ("/release/{tenant}/{project}/{release_id}", pages.release),
        ("/history/{tenant}/{project}/{module}", pages.history),
    ):
        router.add_api_route(path, handler, methods=["GET"], include_in_schema=False)
    for path, handler in (
        ("/api/board/{tenant}/{project}", pages.board_json),
        ("/api/release/{tenant}/{project}/{release_id}", pages.release_json),
    ):
        router.add_api_route(path, handler, methods=["GET"], tags=["release page"])
    return router


class _Pages:
    def __init__(self, store: Store, estate: WebEstate, access: Access) -> None:
        self.store = store
        self.estate = estate
        self.access = access

    # --- sign-in ------------------------------------------------------------------------------

    def login_form(self, request: Request) -> Response:
        return self._html("login.html.j2", viewer=None, failed=False, status=200)

    async def login(self, request: Request) -> Response:
        try:
            body = await read_body(request, LOGIN_BODY_BYTES)
        except Refused as refused:
            return self._html("login.html.j2", viewer=None, failed=True, status=refused.status)
        token = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0].strip()
        if not token or self.access.by_token(token) is None:
            return self._html("login.html.j2", viewer=None, failed=True, status=401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=_secure_cookie(request)
        )
        return response

    def logout(self, request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    def static(self, name: str) -> Response:
        if name not in STATIC:
            return Response(status_code=404)
        data = (resources.files("compiler.web") / "templates" / "static" / name).read_bytes()
        return Response(data, media_type=STATIC[name], headers=SECURITY_HEADERS)

    # --- pages --------------------------------------------------------------------------------

    def index(self, request: Request) -> Response:
        return self._viewing(request, self._index)

    def board(self, request: Request, tenant: str, project: str, module: str = "") -> Response:
        return self._viewing(
            request, lambda viewer: self._board_page(viewer, tenant, project, module)
        )

    def board_table(
        self, request: Request, tenant: str, project: str, module: str = ""
    ) -> Response:
        return self._viewing(
            request,
            lambda viewer: self._board_page(viewer, tenant, project, module, "board-table.html.j2"),
        )

    def release(self, request: Request, tenant: str, project: str, release_id: str) -> Response:
        return self._viewing(
            request, lambda viewer: self._release_page(viewer, tenant, project, release_id)
        )

    def history(self, request: Request, tenant: str, project: str, module: str) -> Response:
        return self._viewing(
            request, lambda viewer: self._history_page(viewer, tenant, project, module)
        )

    # --- JSON ---------------------------------------------------------------------------------

    def board_json(self, request: Request, tenant: str, project: str) -> Response:
        return self._json(request, tenant, project, lambda view: self._board(view).to_json())

    def release_json(
        self, request: Request, tenant: str, project: str, release_id: str
    ) -> Response:
        return self._json(
            request,
            tenant,
            project,
            lambda view: self._read(view, lambda uow: release_detail(uow, view, release_id)),
        )

    def _json(
        self,
        request: Request,
        tenant: str,
        project: str,
        document: Callable[[ProjectView], dict[str, Any] | None],
    ) -> Response:
        """Authenticate, find the project, answer its document: 401, 404, 503 or 200."""
        viewer = self._viewer(request)
        if viewer is None:
            return _unauthorized_json()
        try:
            _check_parameters(request)
            found = document(self._project(viewer, tenant, project))
        except NotVisible:
            found = None
        except ExternalError:
            return JSONResponse(
                {"error": "the state store is unavailable; retry"},
                status_code=503,
                headers=SECURITY_HEADERS,
            )
        if found is None:
            return _not_found_json()
        return JSONResponse(found, headers=SECURITY_HEADERS)

    # --- helpers ------------------------------------------------------------------------------

    def _viewer(self, request: Request) -> Viewer | None:
        return self.access.viewer(request.headers, request.cookies.get(COOKIE))

    def _viewing(self, request: Request, page: Callable[[Viewer], Response]) -> Response:
        viewer = self._viewer(request)
        if viewer is None:
            if request.url.path.endswith("/table"):
                return Response(status_code=401)  # the refreshing script: the session ended
            return RedirectResponse("/login", status_code=303)
        try:
            _check_parameters(request)
            return page(viewer)
        except NotVisible:
            return self._html("missing.html.j2", viewer=viewer, status=404)
        except ExternalError:
            return self._html("unavailable.html.j2", viewer=viewer, status=503)

    def _project(self, viewer: Viewer, tenant: str, project: str) -> ProjectView:
        view = self.estate.find(tenant, project)
        if view is None or not viewer.may_see(tenant):
            raise NotVisible
        return view

    def _read(self, view: ProjectView, query: Callable[[Any], Any]) -> Any:
        with self.store.read(Scope(view.policy.tenant, view.policy.project)) as uow:
            return query(uow)

    def _board(self, view: ProjectView, module: str = "") -> Board:
        return self._read(view, lambda uow: project_board(uow, view, module or None))

    def _index(self, viewer: Viewer) -> Response:
        projects = self.estate.visible_to(viewer.may_see)
        return self._html("index.html.j2", viewer=viewer, projects=projects)

    def _board_page(
        self,
        viewer: Viewer,
        tenant: str,
        project: str,
        module: str,
        template: str = "board.html.j2",
    ) -> Response:
        view = self._project(viewer, tenant, project)
        if module and module not in view.deployables:
            raise NotVisible
        projects = self.estate.visible_to(viewer.may_see)
        return self._html(
            template,
            viewer=viewer,
            view=view,
            board=self._board(view, module),
            module=module,
            projects=projects,
            refresh=REFRESH_SECONDS,
        )

    def _release_page(self, viewer: Viewer, tenant: str, project: str, release_id: str) -> Response:
        view = self._project(viewer, tenant, project)
        detail = self._read(view, lambda uow: release_detail(uow, view, release_id))
        if detail is None:
            raise NotVisible
        return self._html("release.html.j2", viewer=viewer, view=view, detail=detail)

    def _history_page(self, viewer: Viewer, tenant: str, project: str, module: str) -> Response:
        view = self._project(viewer, tenant, project)
        if module not in view.deployables:
            raise NotVisible
        history = self._read(view, lambda uow: module_history(uow, view, module))
        return self._html(
            "history.html.j2", viewer=viewer, view=view, module=module, history=history
        )

    def _html(self, template: str, *, status: int = 200, **context: Any) -> Response:
        text = page_templates().get_template(template).render(version=__version__, **context)
        return HTMLResponse(text, status_code=status, headers=SECURITY_HEADERS)


def _check_parameters(request: Request) -> None:
    """Names and ids are printable text; anything else names nothing (404, not a store error)."""
    if any(not value.isprintable() for value in request.path_params.values()):
        raise NotVisible


def _secure_cookie(request: Request) -> bool:
    """Secure unless served to this machine only: behind a TLS proxy the scheme reads http."""
    host = (request.url.hostname or "").casefold()
    return request.url.scheme == "https" or host not in ("127.0.0.1", "localhost", "::1")


def _unauthorized_json() -> Response:
    return JSONResponse(
        {"error": "authentication required", "hint": "send Authorization: Bearer <token>"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer", **SECURITY_HEADERS},
    )


def _not_found_json() -> Response:
    return JSONResponse({"error": "not found"}, status_code=404, headers=SECURITY_HEADERS)
