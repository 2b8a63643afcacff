"""The API's read side: one serving.reader.Reader per process and a watcher of the served snapshot.

A request reads the snapshot that was current when it began (or the one `as_of` names), so it never mixes two.
The current snapshot id is polled by a background thread every API_SNAPSHOT_POLL_SECONDS (0.2 s): a request costs
no catalog round trip, its answers come from the result cache keyed by snapshot id, and only a cache miss opens a
DuckDB session, pinned to that snapshot (its catalog attached once and kept while requests use it). When a publish
moves the snapshot, the next requests read the new one and the old one is detached once no session uses it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

import duckdb
from fastapi import HTTPException, Query

from common.settings import get_settings
from serving.reader import CATALOG, Reader, ResultCache, ServingError, Session, sqlite_wal

POLL_SECONDS = float(os.environ.get("API_SNAPSHOT_POLL_SECONDS", "0.2"))


class Watcher:
    """The current snapshot id of the catalog, refreshed in the background; the tables of each snapshot."""

    def __init__(self, reader: Reader, poll: float = POLL_SECONDS) -> None:
        self.reader = reader
        self.poll = poll
        self.current: int | None = None
        self.published_at: datetime | None = None
        self.error: str | None = None
        self._tables: dict[int, set[str]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> int | None:
        con = self.reader._connection().cursor()
        try:
            row = con.execute(f"select id from {CATALOG}.current_snapshot()").fetchone()
            snapshot = int(row[0]) if row and row[0] else None
        finally:
            con.close()
        if snapshot != self.current:
            if snapshot is not None:
                info = [s for s in self.reader.snapshots() if s.id == snapshot]
                self.published_at = info[0].published_at if info else None
                self.reader.release(keep=snapshot)
            self.current = snapshot
        return snapshot

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.refresh()
                self.error = None
            except (duckdb.Error, ServingError) as exc:  # keep serving the last snapshot; report on /health
                self.error = str(exc)

    def snapshot(self) -> int:
        if self.current is None:
            with self._lock:
                if self.current is None:
                    self.refresh()
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="snapshot-watcher", daemon=True)
                    self._thread.start()
        if self.current is None:
            raise ServingError("nothing published yet: run `govlake demo` or `govlake publish`")
        return self.current

    def tables(self, snapshot: int, open_session: Callable[[], Session]) -> set[str]:
        """The tables of SNAPSHOT (they never change): asked once per snapshot."""
        if snapshot not in self._tables:
            self._tables[snapshot] = open_session().tables()
        return self._tables[snapshot]

    def stop(self) -> None:
        self._stop.set()


@dataclass
class ApiSession:
    """What a request reads: one snapshot, answers from the result cache, a DuckDB session only on a miss."""

    snapshot: int
    reader: Reader
    watcher: Watcher
    _stack: ExitStack = field(default_factory=ExitStack)
    _session: Session | None = None

    def _open(self) -> Session:
        if self._session is None:
            self._session = self._stack.enter_context(self.reader.pinned_session(self.snapshot))
        return self._session

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self._open().con

    def rows(self, sql: str, params: list[object] | None = None) -> list[dict[str, Any]]:
        cache = self.reader.cache
        if cache is not None and (hit := cache.get((self.snapshot, sql, tuple(params or [])))) is not None:
            return [dict(row) for row in hit]
        return self._open().rows(sql, params)

    def tables(self) -> set[str]:
        return self.watcher.tables(self.snapshot, self._open)

    def close(self) -> None:
        self._stack.close()


_CREATE = threading.RLock()  # lru_cache does not hold concurrent first callers back: one reader per process


@lru_cache
def _reader() -> Reader:
    settings = get_settings()
    sqlite_wal(settings)
    return Reader(settings, cache=ResultCache(size=4096))


@lru_cache
def _watcher() -> Watcher:
    return Watcher(reader())


def reader() -> Reader:
    if not _reader.cache_info().currsize:
        with _CREATE:
            return _reader()
    return _reader()


def watcher() -> Watcher:
    if not _watcher.cache_info().currsize:
        with _CREATE:
            return _watcher()
    return _watcher()


def reset_reader() -> None:
    """Close this process's reader; the next request opens one on the settings then in force (tests, reloads)."""
    with _CREATE:
        if _watcher.cache_info().currsize:
            _watcher().stop()
        _watcher.cache_clear()
        if _reader.cache_info().currsize:
            _reader().close()
        _reader.cache_clear()


def open_snapshot(
    as_of: Annotated[str | None, Query(description="read the marts as published then: a day YYYY-MM-DD (UTC), "
                                                   "an ISO timestamp or a snapshot id")] = None,
) -> Iterator[Session]:
    """FastAPI dependency: the current (or the as_of) snapshot, closed after the response."""
    if as_of is not None:
        try:
            with reader().session(as_of) as session:
                yield session
            return
        except ServingError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        except ValueError as exc:
            if "as_of" in str(exc):
                raise HTTPException(status_code=422, detail=[{"loc": ["query", "as_of"], "msg": str(exc),
                                                              "type": "value_error"}]) from exc
            raise
    try:
        snapshot = watcher().snapshot()
    except ServingError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    session = ApiSession(snapshot, reader(), watcher())
    try:
        yield session  # type: ignore[misc]
    finally:
        session.close()
