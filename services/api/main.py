"""The marts API: read-only answers over the published snapshot for downstream apps.

Run with `govlake serve api` (uvicorn, one worker per core). Every /v1 request needs a key (services/api/auth.py)
and is audited; unknown or repeated query parameters are refused (400); invalid values get a 422 naming the
parameter. The mart endpoints are generated from the dbt manifest's contracted marts at start-up.
"""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import duckdb
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.settings import get_settings
from services.api.audit import AuditLog
from services.api.auth import authenticate
from services.api.config import api_settings
from services.api.contracts import load_marts, manifest_path
from services.api.params import refuse_unknown_parameters
from services.api.routers import catalog, open311
from services.api.routers.marts import build_router
from services.api.snapshot import watcher
from serving.reader import ServingError

AUDITED_PARAMS = 20  # at most this many parameters go into one audit line


class Audited:
    """One audit line per /v1 request, written when its answer has been sent. A plain ASGI middleware: Starlette's
    `@app.middleware("http")` wraps every answer in a task and a stream, which costs each request more than all the
    rest of a cached answer."""

    def __init__(self, app: ASGIApp, audit: AuditLog) -> None:
        self.app, self.audit = app, audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1"):
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        state = scope.setdefault("state", {})

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            self.audit.write(key=state.get("key_id"), method=scope["method"], endpoint=scope["path"],
                             params=dict(params[:AUDITED_PARAMS]), rows=state.get("rows"), status=status,
                             ms=round((time.perf_counter() - started) * 1000, 2))


def mount_marts(app: FastAPI) -> None:
    """(Re)build the /v1 routes from the manifest of the DATA_DIR in force, when it is another one than mounted."""
    settings = get_settings()
    marts = load_marts(settings)
    source = (str(manifest_path(settings)), tuple(m.table for m in marts))
    if getattr(app.state, "mart_source", None) == source:
        return
    app.router.routes = [r for r in app.router.routes if not getattr(r, "path", "").startswith("/v1")]
    # authenticate first: without a key, nothing else about the request is answered
    app.include_router(build_router(marts),
                       dependencies=[Depends(authenticate), Depends(refuse_unknown_parameters)])
    app.state.mart_source, app.state.marts = source, marts
    app.openapi_schema = None


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mount_marts(app)
        gc.freeze()  # the app's own objects (modules, a model per mart) are permanent: no collection walks them
        yield

    app = FastAPI(
        title="govlake marts API",
        description="龙华区政法与社会治理数据底座 · 数据集市接口 (read-only, served from the published snapshot). "
                    "One endpoint per contracted mart of the dbt manifest; every /v1 request needs "
                    "`Authorization: Bearer <key>` (docs/api.md). The data dictionary (数据字典: dbt's docs — "
                    "lineage, every mart's 中文 column docs, tests), generated after each publish, is at "
                    "[/catalog](/catalog) (no key).",
        version="0.2.0",
        lifespan=lifespan,
    )
    app.include_router(open311.router, dependencies=[Depends(refuse_unknown_parameters)])
    app.include_router(catalog.router, dependencies=[Depends(refuse_unknown_parameters)])
    audit = AuditLog(lambda: api_settings().audit_dir)

    def _open311_format(request: Request) -> str | None:
        path = request.url.path
        if not path.startswith("/open311/"):
            return None
        return "xml" if path.endswith(".xml") else "json"

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        fmt = _open311_format(request)
        if fmt is None:
            return await http_exception_handler(request, exc)
        return open311.error_body(exc.status_code, str(exc.detail), fmt)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        fmt = _open311_format(request)
        if fmt is None:
            return await request_validation_exception_handler(request, exc)
        described = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return open311.error_body(400, described, fmt)

    app.add_middleware(Audited, audit=audit)

    @app.get("/health", tags=["ops"])
    def health(request: Request) -> dict[str, Any]:
        try:
            current: int | None = watcher().snapshot()
        except (ServingError, duckdb.Error):
            current = None
        built = watcher().published_at if current is not None else None
        return {"status": "ok", "snapshot": str(current) if current is not None else None,
                "built_at": built.isoformat() if built else None, "marts": len(getattr(app.state, "marts", ())),
                "watch_error": watcher().error, "catalog_url": catalog.catalog_url(request),
                "catalog_snapshot": catalog.served_snapshot(), "warm_up": watcher().warmed or None}

    return app


app = create_app()
