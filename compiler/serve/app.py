"""The ASGI application: webhook receivers, health, readiness, OpenAPI.

Each receiver runs the same steps: authenticate (before reading the body, except for
Flux whose signature covers it), read at most ``max_body_bytes``, parse JSON, validate
the documented shape (pydantic), route to the owning tenant/project, record once.
Answers: 200 recorded or duplicate, 202 ignored (unknown object or untracked event
type), 400 not JSON, 401 not authenticated, 413 too large, 415 not JSON content,
422 wrong shape, 503 only when the state store is unreachable (so senders retry).
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from compiler.errors import ExternalError
from compiler.serve import security
from compiler.serve.config import ServeConfig
from compiler.serve.payloads import azure, gitops
from compiler.serve.receive import Answer, Delivery, record
from compiler.state import Store
from compiler.state.migrate import status as schema_status
from compiler.version import __version__

log = logging.getLogger("shipspec.serve")
Parse = Callable[[dict[str, Any]], Delivery | Answer]


def create_app(
    config: ServeConfig, store: Store | None = None, page: APIRouter | None = None
) -> FastAPI:
    """The service; ``page`` is the release page's router (mounted at /) when given."""
    store = store or Store(config.state_url)
    app = FastAPI(
        title="shipspec",
        version=__version__,
        description="Webhook receivers that feed the shipspec state store.",
    )
    app.middleware("http")(_access_log)
    _add_health(app, config, store)
    receiver = functools.partial(_add_receiver, app, config, store)
    receiver("azure-devops", _azure, azure.Envelope, security.check_azure_devops)
    receiver("argocd", _argocd, gitops.ArgoNotification, security.check_argocd)
    receiver("flux", _flux, gitops.FluxEvent, None)
    if page is not None:
        app.include_router(page)
    return app


def _add_health(app: FastAPI, config: ServeConfig, store: Store) -> None:
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        """Readiness: the state store answers and its schema is current."""
        return _ready(store, config)


def _add_receiver(
    app: FastAPI,
    config: ServeConfig,
    store: Store,
    source: str,
    parse: Parse,
    model: type[BaseModel],
    check: Any,
) -> None:
    """`POST /hooks/<source>`; its schema is documented by hand: the handler reads the raw body."""

    async def receive(request: Request) -> JSONResponse:
        return await _receive(request, config, store, source, parse, check)

    receive.__doc__ = f"Receive a {source} webhook delivery."
    extra = {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
    app.post(f"/hooks/{source}", tags=["webhooks"], openapi_extra=extra, name=source)(receive)


async def _receive(
    request: Request, config: ServeConfig, store: Store, source: str, parse: Parse, check: Any
) -> JSONResponse:
    try:
        if check is not None:
            check(config, request.headers)
        body = await read_body(request, config.max_body_bytes)
        if source == "flux":
            security.check_flux(config, request.headers, body)
        parsed = parse(_document(request, body))
        answer = (
            parsed if isinstance(parsed, Answer) else await run_in_threadpool(record, store, parsed)
        )
    except security.Refused as refused:
        log.warning(
            "delivery refused: %s",
            refused.message,
            extra={"source": source, "status": refused.status},
        )
        return JSONResponse({"error": refused.message}, refused.status)
    except ValidationError as error:
        return JSONResponse(
            {
                "error": "the payload does not have the documented shape",
                "problems": _problems(error),
            },
            422,
        )
    except ExternalError as error:
        log.error("state store unavailable: %s", error.message, extra={"source": source})
        return JSONResponse(
            {"error": "the state store is unavailable; retry later"},
            503,
            headers={"Retry-After": "30"},
        )
    return JSONResponse(answer.body, answer.status)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it is larger than `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise security.Refused(413, f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise security.Refused(413, f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _document(request: Request, body: bytes) -> dict[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().casefold()
    if media != "application/json":
        raise security.Refused(415, "send Content-Type: application/json")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise security.Refused(400, f"the body is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise security.Refused(422, "the body must be a JSON object")
    return document


def _problems(error: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "location": ".".join(str(part) for part in problem["loc"]) or "(body)",
            "message": problem["msg"],
        }
        for problem in error.errors()[:20]
    ]


def _azure(document: dict[str, Any]) -> Delivery | Answer:
    envelope = azure.Envelope.model_validate(document)
    parsed = azure.parse(envelope)
    if parsed is None:
        reason = f"event type {envelope.eventType!r} is not tracked"
        return Answer(202, {"status": "ignored", "reason": reason, "eventId": envelope.id})
    kind, key, project, observations = parsed
    return Delivery(
        "azure-devops", envelope.id, envelope.eventType, (kind, key), observations, project
    )


def _argocd(document: dict[str, Any]) -> Delivery:
    note = gitops.ArgoNotification.model_validate(document)
    return Delivery("argocd", note.id, "argocd.notification", note.route(), [note.observation()])


def _flux(document: dict[str, Any]) -> Delivery:
    event = gitops.FluxEvent.model_validate(document)
    return Delivery(
        "flux", event.event_id(), f"flux.{event.reason}", event.route(), [event.observation()]
    )


def _ready(store: Store, config: ServeConfig) -> JSONResponse:
    try:
        schema = schema_status(store.url)
    except Exception as error:  # any driver error means "not ready"; the body says why
        return JSONResponse({"status": "unavailable", "error": type(error).__name__}, 503)
    ready = schema.up_to_date
    body = {
        "status": "ready" if ready else "migrating",
        "schema": schema.to_record(),
        "receivers": config.enabled(),
    }
    return JSONResponse(body, 200 if ready else 503)


async def _access_log(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    request_id = request.headers.get("x-request-id", "")[:100] or uuid.uuid4().hex
    response = await call_next(request)
    response.headers["X-Request-Id"] = request_id
    log.info(
        "%s %s %s",
        request.method,
        request.url.path,
        response.status_code,
        extra={
            "requestId": request_id,
            "method": request.method,
            "path": request.url.path,
            "status": response.status_code,
            "durationMs": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return response
