"""The answer's formats: JSON (default), CSV, Parquet and Arrow IPC (stream), by `format=` or the Accept header."""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from fastapi import HTTPException, Request

FORMATS = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "arrow": "application/vnd.apache.arrow.stream",
}
ACCEPT = {"text/csv": "csv", "application/vnd.apache.parquet": "parquet", "application/x-parquet": "parquet",
          "application/vnd.apache.arrow.stream": "arrow", "application/vnd.apache.arrow.file": "arrow",
          "application/json": "json"}


class BytesCache:
    """Encoded answers by key — (bytes, what goes with them, rows) — bounded in bytes, least recently used out first.
    Keys start with a snapshot id, which is unique within one catalog only: `clear_answer_caches()` empties every
    cache when the process switches catalogs (tests, reloads)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Any, tuple[bytes, Any, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        _CACHES.append(self)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def get(self, key: Any) -> tuple[bytes, Any, int] | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
            return hit

    def put(self, key: Any, value: tuple[bytes, Any, int]) -> None:
        with self._lock:
            if key in self._entries or len(value[0]) > self.max_bytes // 8:
                return
            self._entries[key] = value
            self._size += len(value[0])
            while self._size > self.max_bytes:
                _, old = self._entries.popitem(last=False)
                self._size -= len(old[0])


_CACHES: list[BytesCache] = []


def clear_answer_caches() -> None:
    for cache in _CACHES:
        cache.clear()


def negotiate(request: Request, explicit: str | None) -> str:
    if explicit:
        return explicit
    accept = request.headers.get("accept", "")
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ACCEPT:
            return ACCEPT[media]
        if media in ("*/*", "application/*", ""):
            return "json"
    if accept:
        raise HTTPException(406, detail=f"cannot answer {accept!r}; formats: {', '.join(FORMATS.values())}")
    return "json"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_plain).encode()


def encode_table(table: pa.Table, fmt: str) -> bytes:
    sink = io.BytesIO()
    if fmt == "csv":
        for i, field in enumerate(table.schema):  # CSV has no lists: a list cell becomes its JSON text
            if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
                texts = [None if v is None else json.dumps(v, ensure_ascii=False) for v in table.column(i).to_pylist()]
                table = table.set_column(i, field.name, pa.array(texts, pa.string()))
        pa_csv.write_csv(table, sink)
    elif fmt == "parquet":
        pq.write_table(table, sink)
    else:
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    return sink.getvalue()
