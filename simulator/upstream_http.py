"""The REST upstreams as a real HTTP server: the 社区工作台 open API and the video platform's status API.

Serves what the simulator wrote under DATA_DIR (`community/*.parquet`, `video/status/*.jsonl.gz`) the way the real
upstream systems behave towards a district data platform:

- **Auth**: `Authorization: Bearer <token>`; none or malformed → 401, unknown token → 401 (`invalid_token`), a token
  without the scope of the API it calls (`community` or `video`) → 403. `/health` is open.
- **Community** `GET /api/workbench/v1/<resource>?page=1&page_size=500&updated_since=2024-06-01T00:00:00` over
  scenarios, apps, app-record-counts, tasks, task-progress, indicators, indicator-values, work-stats. Rows are ordered
  by (updated_at, key) — stable, so paging through a filtered set returns every row exactly once; `updated_since` is
  inclusive (`updated_at >= since`). Answer: `{"code": 0, "message": "success", "data": {"items": [...], "page",
  "page_size", "total", "pages"}}`.
- **Video** `GET /api/video/v1/status?date=2024-06-01&limit=1000&cursor=<opaque>` — one day's status lines in
  device_id order, cursor-paged (`next_cursor` is null on the last page); `GET /api/video/v1/status/dates` lists days.
- **Rate limit**: a token bucket per token (`rate_limit_per_s`, burst of one second); over it → 429 with
  `Retry-After` (whole seconds).
- **Failures**: a share `error_rate` of requests answers 500/502/503 (503 with `Retry-After`). Whether a request
  fails is a hash of (seed, method, URL, how many times this URL was asked before): deterministic for a test, and a
  retry of the same URL gets a fresh draw.
- Every error is JSON: `{"code": <http status * 100 + n>, "message": "..."}`.

Run it with `serve(...)` (blocking), `start(...)` (a background thread, for tests: `with start(dir) as s: s.url`),
or `python -m simulator.upstream_http --data-dir DIR` (what `govlake upstream serve` calls).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import math
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

# URL resource -> (file under community/, primary key)
COMMUNITY_RESOURCES: dict[str, tuple[str, str]] = {
    "scenarios": ("scenarios", "scenario_id"),
    "apps": ("apps", "app_id"),
    "app-record-counts": ("app_record_counts", "stat_id"),
    "tasks": ("tasks", "task_id"),
    "task-progress": ("task_progress", "progress_id"),
    "indicators": ("indicators", "indicator_code"),
    "indicator-values": ("indicator_values", "value_id"),
    "work-stats": ("work_stats", "stat_id"),
}
MAX_PAGE_SIZE = 5000
DEFAULT_TOKEN = "dev-token"


def _error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def _jsonable(df: pl.DataFrame) -> pl.DataFrame:
    """Timestamps as ISO-8601 text, as the upstream's JSON carries them."""
    exprs = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S"))
        elif dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
    return df.with_columns(exprs) if exprs else df


@dataclass
class Limits:
    rate_limit_per_s: float
    error_rate: float
    seed: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # token -> (tokens left, last refill)
    attempts: dict[str, int] = field(default_factory=dict)  # request line -> times seen
    lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, token: str) -> int | None:
        """None when the request may pass, else the seconds to wait (token bucket, burst = one second's worth)."""
        rate = self.rate_limit_per_s
        if not rate or rate <= 0:
            return None
        burst = max(1.0, rate)
        now = time.monotonic()
        with self.lock:
            left, last = self.buckets.get(token, (burst, now))
            left = min(burst, left + (now - last) * rate)
            if left >= 1.0:
                self.buckets[token] = (left - 1.0, now)
                return None
            self.buckets[token] = (left, now)
        return max(1, math.ceil((1.0 - left) / rate))

    def injected_failure(self, request_line: str) -> int | None:
        if self.error_rate <= 0:
            return None
        with self.lock:
            n = self.attempts.get(request_line, 0)
            self.attempts[request_line] = n + 1
        digest = hashlib.sha256(f"{self.seed}|{request_line}|{n}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2**64 >= self.error_rate:
            return None
        return (500, 502, 503)[digest[8] % 3]


class Store:
    """The served data, read from the simulator's output once and kept sorted for paging."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._tables: dict[str, pl.DataFrame] = {}
        self._day = lru_cache(maxsize=8)(self._load_day)

    def table(self, resource: str) -> pl.DataFrame | None:
        with self._lock:
            if resource not in self._tables:
                name, key = COMMUNITY_RESOURCES[resource]
                path = self.data_dir / "community" / f"{name}.parquet"
                if not path.exists():
                    return None
                self._tables[resource] = pl.read_parquet(path).sort("updated_at", key, maintain_order=True)
            return self._tables[resource]

    def days(self) -> list[str]:
        folder = self.data_dir / "video" / "status"
        return sorted(p.name.removesuffix(".jsonl.gz") for p in folder.glob("*.jsonl.gz")) if folder.exists() else []

    def day(self, day: str) -> pl.DataFrame | None:
        return self._day(day)

    def _load_day(self, day: str) -> pl.DataFrame | None:
        path = self.data_dir / "video" / "status" / f"{day}.jsonl.gz"
        if not path.exists():
            return None
        return pl.read_ndjson(gzip.decompress(path.read_bytes()))


def _page_body(items: pl.DataFrame, meta: dict[str, Any]) -> Response:
    # items are serialised by polars in one go; the envelope around them is small
    envelope = json.dumps({"code": 0, "message": "success", "data": {**meta, "items": None}}, ensure_ascii=False)
    body = envelope.replace('"items": null', f'"items": {_jsonable(items).write_json()}', 1)
    return Response(body.encode("utf-8"), media_type="application/json")


def _cursor(day: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{day}|{offset}".encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> tuple[str, int]:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    day, offset = raw.split("|")
    return day, int(offset)


def _scopes(token: str | Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    if isinstance(token, str):
        return {token: frozenset({"community", "video"})}
    return {t: frozenset(s) for t, s in token.items()}


def create_app(data_dir: Path, token: str | Mapping[str, Iterable[str]] = DEFAULT_TOKEN,
               rate_limit_per_s: float = 50.0, error_rate: float = 0.0, seed: int = 0) -> FastAPI:
    """The ASGI app. TOKEN: one token with every scope, or {token: scopes} with scopes among community, video."""
    tokens = _scopes(token)
    limits = Limits(rate_limit_per_s, error_rate, seed)
    store = Store(data_dir)
    app = FastAPI(title="龙华区社区工作台 / 视频联网平台 (simulated upstreams)", docs_url=None, redoc_url=None)

    @app.middleware("http")
    async def gatekeeper(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if path == "/health":
            return await call_next(request)
        auth = request.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="upstream"'}
        if scheme.lower() != "bearer" or not given.strip():
            return _error(401, 40100, "missing bearer token", challenge)
        given = given.strip()
        if given not in tokens:
            return _error(401, 40101, "invalid token",
                          {"WWW-Authenticate": 'Bearer realm="upstream", error="invalid_token"'})
        scope = "video" if path.startswith("/api/video/") else "community"
        if scope not in tokens[given]:
            return _error(403, 40300, f"token lacks the {scope} scope")
        wait = limits.retry_after(given)
        if wait is not None:
            return _error(429, 42900, "rate limit exceeded", {"Retry-After": str(wait)})
        failure = limits.injected_failure(f"{request.method} {request.url.path}?{request.url.query}")
        if failure is not None:
            headers = {"Retry-After": "1"} if failure == 503 else None
            return _error(failure, failure * 100, "upstream temporarily unavailable", headers)
        return await call_next(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, exc.status_code * 100, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return _error(400, 40000, f"invalid parameter {where}: {first.get('msg', 'bad request')}")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/workbench/v1/{resource}")
    def community(resource: str, page: int = 1, page_size: int = 500, updated_since: datetime | None = None
                  ) -> Response:
        if resource not in COMMUNITY_RESOURCES:
            return _error(404, 40400, f"unknown resource {resource}; known: {', '.join(COMMUNITY_RESOURCES)}")
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            return _error(400, 40001, f"page must be >= 1 and page_size within 1..{MAX_PAGE_SIZE}")
        df = store.table(resource)
        if df is None:
            return _error(404, 40401, f"no data for {resource}")
        if updated_since is not None:
            df = df.filter(pl.col("updated_at") >= updated_since.replace(tzinfo=None))
        total = df.height
        meta = {"page": page, "page_size": page_size, "total": total, "pages": math.ceil(total / page_size)}
        return _page_body(df.slice((page - 1) * page_size, page_size), meta)

    @app.get("/api/video/v1/status/dates")
    def status_dates() -> dict[str, Any]:
        return {"code": 0, "message": "success", "data": {"items": store.days()}}

    @app.get("/api/video/v1/status")
    def status(date: str | None = None, cursor: str | None = None, limit: int = 1000) -> Response:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            return _error(400, 40001, f"limit must be within 1..{MAX_PAGE_SIZE}")
        offset = 0
        if cursor:
            try:
                day, offset = _uncursor(cursor)
            except (ValueError, UnicodeDecodeError):
                return _error(400, 40002, "invalid cursor")
            if date and date != day:
                return _error(400, 40003, "cursor belongs to another date")
        elif date:
            day = date
        else:
            return _error(400, 40004, "date (YYYY-MM-DD) or cursor is required")
        df = store.day(day)
        if df is None:
            return _error(404, 40402, f"no status export for {day}")
        end = offset + limit
        meta = {"date": day, "total": df.height, "next_cursor": _cursor(day, end) if end < df.height else None}
        return _page_body(df.slice(offset, limit), meta)

    return app


class UpstreamServer:
    """A server running in a background thread; `stop()` shuts it down cleanly."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, host: str) -> None:
        self._server, self._thread, self.host = server, thread, host

    @property
    def port(self) -> int:
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> UpstreamServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _server(data_dir: Path, host: str, port: int, token: str | Mapping[str, Iterable[str]], rate_limit_per_s: float,
            error_rate: float, seed: int) -> uvicorn.Server:
    app = create_app(data_dir, token, rate_limit_per_s, error_rate, seed)
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))


def serve(data_dir: Path, host: str = "127.0.0.1", port: int = 8765,
          token: str | Mapping[str, Iterable[str]] = DEFAULT_TOKEN, rate_limit_per_s: float = 50.0,
          error_rate: float = 0.0, seed: int = 0) -> None:
    """Serve in the foreground until interrupted (Ctrl-C / SIGTERM)."""
    _server(data_dir, host, port, token, rate_limit_per_s, error_rate, seed).run()


def start(data_dir: Path, host: str = "127.0.0.1", port: int = 0,
          token: str | Mapping[str, Iterable[str]] = DEFAULT_TOKEN, rate_limit_per_s: float = 50.0,
          error_rate: float = 0.0, seed: int = 0, timeout: float = 10.0) -> UpstreamServer:
    """Start in a background thread (port 0 = a free port) and return once it accepts connections."""
    server = _server(data_dir, host, port, token, rate_limit_per_s, error_rate, seed)
    thread = threading.Thread(target=server.run, name="upstream-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"upstream server did not start on {host}:{port}")
        time.sleep(0.02)
    return UpstreamServer(server, thread, host)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="upstream-http", description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, required=True, help="the simulator's output directory")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--token", default=DEFAULT_TOKEN, help="bearer token accepted with every scope")
    p.add_argument("--rate-limit", type=float, default=50.0, help="requests per second per token (0 = unlimited)")
    p.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered with a 5xx")
    p.add_argument("--seed", type=int, default=0, help="seed of the 5xx draw")
    a = p.parse_args(argv)
    serve(a.data_dir, a.host, a.port, a.token, a.rate_limit, a.error_rate, a.seed)


if __name__ == "__main__":
    main()
