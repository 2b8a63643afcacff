"""The API's read side: one serving.reader.Reader per process and a watcher of the served snapshot.

A request reads the snapshot that was current when it began (or the one `as_of` names), so it never mixes two.
The current snapshot id is polled by a background thread every API_SNAPSHOT_POLL_SECONDS (0.1 s): a request costs
no catalog round trip, its answers come from the result cache keyed by snapshot id, and only a cache miss opens a
DuckDB session, pinned to that snapshot (its catalog attached once and kept while requests use it). When a publish
moves the snapshot, the watcher first runs this worker's recent queries on the new one (`API_WARM_SECONDS` at most),
so that requests do not all miss at once; then the next requests read it, and the old one is detached once no
session uses it.

A query of a DuckLake table costs ~15 ms of CPU before it reads a byte (the metadata catalog is asked for the
snapshot's files and statistics each time). The served tables of a snapshot that are small (`API_HOT_TABLE_MAX_BYTES`
of Parquet each, `API_HOT_MAX_BYTES` in all) are therefore copied once per worker into an in-memory database
(`HotTables`): a query on them costs about a millisecond. The big facts stay in the lake.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

import duckdb
import pyarrow as pa
from fastapi import HTTPException, Query
from starlette.concurrency import run_in_threadpool

from common.settings import get_settings
from services.api.carryover import SAME, RowFilter, carry_over, table_status
from services.api.formats import clear_answer_caches
from serving.reader import CATALOG, Reader, ResultCache, ServingError, Session, sqlite_wal

log = logging.getLogger("govlake.api")
POLL_SECONDS = float(os.environ.get("API_SNAPSHOT_POLL_SECONDS", "0.1"))
HOT_TABLE_MAX_BYTES = int(os.environ.get("API_HOT_TABLE_MAX_BYTES", str(8 * 1024 * 1024)))
HOT_MAX_BYTES = int(os.environ.get("API_HOT_MAX_BYTES", str(64 * 1024 * 1024)))
# DuckDB threads per worker: its reads are small and many run at once (one worker per core already)
DUCKDB_THREADS = int(os.environ.get("API_DUCKDB_THREADS", "1"))
WARM_SECONDS = float(os.environ.get("API_WARM_SECONDS", "0.6"))  # a new snapshot's warm-up before it is served
COPY_SECONDS = 0.15  # of the warm-up, at least this for copying the tables the queries not carried over read
ARROW_CACHE_MAX_BYTES = 512 * 1024  # a bigger Arrow answer (a large export) is not kept: at most 64 MB in all
HOLD_SECONDS = 5.0  # how often the reader's hold on a SQLite catalog is renewed (serving.reader.CatalogHold)
FREEZE_SECONDS = 30.0  # how often the watcher moves the answers cached since into the collector's frozen set
RECENT_QUERIES = int(os.environ.get("API_WARM_QUERIES", "1024"))  # the queries a new snapshot's warm-up replays
# how to ask a query on another snapshot's session: its SQL and parameters as that snapshot's data makes them
Again = Callable[["ApiSession"], tuple[str, list[object]]]
TABLE_REFERENCE = re.compile(r'\b(?:from|join)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)


class HotTables:
    """Per snapshot, its small served tables copied into an in-memory database `hot_v<snapshot>` of this worker.

    A query whose tables all have a copy runs there (no DuckLake at all: ~0.3 ms), any other on the lake. A table is
    copied the first time a query names it (a request's, or the watcher's while it warms a new snapshot up); a
    snapshot never changes, so neither does a copy."""

    def __init__(self, reader: Reader, table_max: int = HOT_TABLE_MAX_BYTES, total_max: int = HOT_MAX_BYTES) -> None:
        self.reader = reader
        self.table_max, self.total_max = table_max, total_max
        self._sizes: dict[int, dict[str, int]] = {}  # snapshot -> served table -> Parquet bytes (data + deletes)
        self._ids: dict[int, dict[str, int]] = {}  # snapshot -> served table -> its DuckLake table id
        self._copied: dict[int, set[str]] = {}
        # snapshot -> (the snapshot served before it, its tables no publish touched since): copied from memory
        self._untouched: dict[int, tuple[int, set[str]]] = {}
        self._lock = threading.Lock()  # the dicts above, and a snapshot's database
        self._copying = InFlight()  # one copy of a table at a time

    @staticmethod
    def alias(snapshot: int) -> str:
        return f"hot_v{snapshot}"

    def sizes(self, snapshot: int) -> dict[str, int]:
        """The served tables of SNAPSHOT and their size: one metadata query per snapshot (their ids with them)."""
        if snapshot not in self._sizes:
            con = self.reader._connection()
            pinned = self.reader._pin(snapshot)
            try:
                rows = con.cursor().execute(
                    f"select table_name, coalesce(file_size_bytes, 0) + coalesce(delete_file_size_bytes, 0), table_id "
                    f"from ducklake_table_info('{pinned}')").fetchall()
            finally:
                self.reader._unpin(snapshot)
            self._ids[snapshot] = {str(t): int(i) for t, _, i in rows}
            self._sizes[snapshot] = {str(t): int(n) for t, n, _ in rows}
        return self._sizes[snapshot]

    def ids(self, snapshot: int) -> dict[str, int]:
        self.sizes(snapshot)
        return self._ids[snapshot]

    def copied(self, snapshot: int) -> set[str]:
        return self._copied.get(snapshot, set())

    def ensure(self, snapshot: int, tables: Iterable[str]) -> None:
        """Copy the small ones of TABLES of SNAPSHOT that are not copied yet (a big or unknown one is left alone).
        Each table is copied by one thread while the ones that need it wait; a request needing another table does not
        wait for this one."""
        sizes = self.sizes(snapshot)
        wanted = [t for t in dict.fromkeys(tables) if t in sizes and t not in self.copied(snapshot)
                  and sizes[t] <= self.table_max]
        if not wanted:
            return
        con = self.reader._connection()
        hot = self.alias(snapshot)
        with self._lock:
            if snapshot not in self._copied:
                con.execute(f"attach if not exists ':memory:' as {hot}")
                self._copied[snapshot] = set()
        for table in wanted:
            with self._copying((snapshot, table)):
                with self._lock:
                    done = self._copied.get(snapshot)
                    if done is None:  # released meanwhile: the request reads the lake
                        return
                    if table in done or sum(sizes[t] for t in done) + sizes[table] > self.total_max:
                        continue
                if not self._copy_from_memory(con, snapshot, table):
                    pinned = self.reader._pin(snapshot)
                    try:
                        with con.cursor() as cur:
                            cur.execute(f'create table {hot}.main."{table}" as select * from {pinned}.main."{table}"')
                    finally:
                        self.reader._unpin(snapshot)
                with self._lock:
                    done.add(table)

    def untouched(self, snapshot: int, previous: int, tables: Iterable[str]) -> None:
        """TABLES of SNAPSHOT are those of PREVIOUS, rows and all (the carry-over's table status)."""
        self._untouched[snapshot] = (previous, set(tables))

    def _copy_from_memory(self, con: duckdb.DuckDBPyConnection, snapshot: int, table: str) -> bool:
        """Copy TABLE of SNAPSHOT from the copy of the snapshot before it, when no publish touched it since: ~0.3 ms
        instead of a lake read (~5 ms idle, several times that under load). False when there is none (or it went
        meanwhile: the caller then reads the lake)."""
        previous, tables = self._untouched.get(snapshot, (None, set()))
        if previous is None or table not in tables or table not in self.copied(previous):
            return False
        try:
            with con.cursor() as cur:
                cur.execute(f'create table {self.alias(snapshot)}.main."{table}" as '
                            f'select * from {self.alias(previous)}.main."{table}"')
        except duckdb.Error:
            return False
        return True

    def versions(self) -> list[int]:
        return sorted(set(self._copied) | set(self._sizes))

    def release(self, versions: Iterable[int]) -> None:
        """Drop the copies of VERSIONS (snapshots no session reads any more)."""
        with self._lock:
            for version in versions:
                self._sizes.pop(version, None)
                self._ids.pop(version, None)
                self._untouched.pop(version, None)
                if self._copied.pop(version, None) is not None:
                    with suppress(duckdb.Error):
                        self.reader._connection().execute(f"detach {self.alias(version)}")


class InFlight:
    """A lock per answer being computed now (by its cache key), held while one thread computes it."""

    def __init__(self) -> None:
        self._locks: dict[object, list[Any]] = {}  # key -> [lock, threads holding or waiting for it]
        self._guard = threading.Lock()

    @contextmanager
    def __call__(self, key: object) -> Iterator[None]:
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if not entry[1]:
                    del self._locks[key]


class RecentQueries:
    """The queries this worker ran lately — (kind, SQL, parameters) and what the last run of each cost in seconds,
    most recently used last, bounded — which a new snapshot's warm-up runs again before the snapshot is served:
    requests then find their answers in the result cache right after a publish, instead of every distinct request
    missing at once. With each, the rows it reads when the caller said (a RowFilter: what lets its answer be carried
    over to a new snapshot). Holds no results, no rows."""

    def __init__(self, size: int = RECENT_QUERIES) -> None:
        self.size = size
        # (kind, SQL, parameters) -> (seconds its last run took, times asked, the rows it reads, how to ask it again)
        self._entries: OrderedDict[tuple[str, str, tuple[object, ...]],
                                   tuple[float, int, RowFilter | None, Again | None]] = OrderedDict()
        self._lock = threading.Lock()

    def used(self, kind: str, sql: str, params: tuple[object, ...], seconds: float | None = None,
             reads: RowFilter | None = None, again: Again | None = None) -> None:
        """A query was answered (SECONDS: it ran, and took that long; None: from a cache). AGAIN: how to ask it on
        another snapshot, when its SQL or parameters come from the snapshot's data."""
        key = (kind, sql, params)
        with self._lock:
            cost, asked, _, _ = self._entries.get(key, (0.0, 0, None, None))
            self._entries[key] = (cost if seconds is None else seconds, asked + 1, reads, again)
            self._entries.move_to_end(key)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def costliest_first(self) -> list[tuple[str, str, tuple[object, ...], Again | None]]:
        """The dearest first, by what missing it would cost the requests: its time times how often it is asked. A
        cheap miss (a copied table, ~1 ms) is no harm to a request, a lake read is; and a page asked a hundred times
        more often than another is missed by a hundred times the requests (Open311's default page: all the
        requests that come while it is computed wait for it)."""
        with self._lock:
            ranked = sorted(self._entries.items(), key=lambda item: -item[1][0] * item[1][1])
            return [(*key, again) for key, (_, _, _, again) in ranked]

    def filters(self) -> dict[tuple[str, tuple[object, ...]], RowFilter]:
        """(SQL, parameters) -> the rows it reads, for the queries whose caller said."""
        with self._lock:
            return {(sql, params): reads for (_, sql, params), (_, _, reads, _) in self._entries.items() if reads}


class Watcher:
    """The current snapshot id of the catalog, refreshed in the background; the tables of each snapshot."""

    def __init__(self, reader: Reader, hot: HotTables | None = None, poll: float = POLL_SECONDS,
                 warm_seconds: float = WARM_SECONDS) -> None:
        self.reader = reader
        self.hot = hot
        self.poll = poll
        self.warm_seconds = warm_seconds
        self.current: int | None = None
        self.published_at: datetime | None = None
        self.error: str | None = None
        self.warmed: dict[str, float | int] = {}  # the last warm-up: tables copied, queries replayed, seconds
        self.recent = RecentQueries()
        self.arrows: ResultCache = ResultCache(size=128)  # Arrow answers (Parquet, CSV, Arrow IPC) by the same key
        self.in_flight = InFlight()
        self._tables: dict[int, set[str]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _carry(self, previous: int | None, snapshot: int) -> int:
        """The cached answers of PREVIOUS that SNAPSHOT did not change, cached for SNAPSHOT too
        (services/api/carryover.py); how many."""
        if previous is None or self.hot is None or snapshot <= previous:
            return 0
        cur = self.reader._connection().cursor()
        try:
            status = table_status(cur, previous, snapshot, self.hot.ids(previous), self.hot.ids(snapshot))
            if status is None:
                return 0
            self.hot.untouched(snapshot, previous, (t for t, s in status.items() if s == SAME))
            return carry_over(cur, previous, snapshot, status,
                              [c for c in (self.reader.cache, self.arrows) if c is not None], self.recent.filters())
        except duckdb.Error:  # nothing carried: every answer is computed again, as without this
            return 0
        finally:
            cur.close()

    def _warm(self, snapshot: int, started: float, carried: int = 0) -> None:
        """Before a new snapshot is served, for at most warm_seconds (the copies get at least COPY_SECONDS): the
        recent queries whose answers were not carried over — the small tables they read copied first, then the
        queries run on it, the dearest first, into the result caches.
        The rest is run (and copied) by the first request that needs it. STARTED: when the snapshot was seen (the
        carry-over before this counts against the same budget)."""
        if self.hot is None:
            return
        carry_seconds = time.perf_counter() - started
        self.hot.sizes(snapshot)
        replayed = 0
        if self.current is not None:
            caches = {"rows": self.reader.cache, "arrow": self.arrows}
            # the recent queries whose answers were not carried over
            pending = [(kind, sql, params, again) for kind, sql, params, again in self.recent.costliest_first()
                       if again is not None or (cache := caches[kind]) is None
                       or cache.get((snapshot, sql, params)) is None]
            # first the small tables they read, copied, the most needed first: a miss on a copy then costs ~1 ms
            # instead of 10-50 ms on the lake, and a copy takes tens of ms (200 ms for a 6 MB table at scale 1.0).
            # Whatever the carry-over left of the budget, at least COPY_SECONDS go to this: without the copies the
            # first requests on the new snapshot each copy or read the lake at once (a burst seen in the bench)
            needed = Counter(t for _, sql, _, _ in pending for t in set(TABLE_REFERENCE.findall(sql)))
            copies_until = max(started + self.warm_seconds, time.perf_counter() + COPY_SECONDS)
            for table, _ in needed.most_common():
                if time.perf_counter() > copies_until:
                    break
                with suppress(duckdb.Error):
                    self.hot.ensure(snapshot, [table])
            warm = ApiSession(snapshot, self.reader, self, record=False)
            try:
                for kind, sql, params, again in pending:
                    if time.perf_counter() - started > self.warm_seconds:
                        break
                    with suppress(duckdb.Error):  # a query the new snapshot cannot answer is left to its request
                        if again is not None:  # asked as the new snapshot's data makes it
                            sql, asked = again(warm)
                            params = tuple(asked)
                        if kind == "arrow":
                            warm.arrow(sql, list(params))
                        else:
                            warm.rows(sql, list(params))
                        replayed += 1
            finally:
                warm.close()
        self.warmed = {"snapshot": snapshot, "carried": carried, "carry_seconds": round(carry_seconds, 3),
                       "tables": len(self.hot.copied(snapshot)), "queries": replayed,
                       "seconds": round(time.perf_counter() - started, 3)}
        # the cached answers just made live until evicted: out of the collector's way, or a full collection walks
        # them all while requests wait (~100 ms seen here). Freezing leaves them to reference counting, which frees
        # them on eviction (they hold no cycles). The young generations are collected first, so that little garbage
        # is frozen with them.
        gc.collect(1)
        gc.freeze()

    def refresh(self) -> int | None:
        con = self.reader._connection().cursor()
        try:
            row = con.execute(f"select id from {CATALOG}.current_snapshot()").fetchone()
            snapshot = int(row[0]) if row and row[0] else None
        finally:
            con.close()
        if snapshot != self.current:
            seen, seen_at = time.perf_counter(), time.time()
            if snapshot is not None:
                info = [s for s in self.reader.snapshots() if s.id == snapshot]
                self.published_at = info[0].published_at if info else None
                self._warm(snapshot, seen, self._carry(self.current, snapshot))
            previous, self.current = self.current, snapshot
            if self.warmed.get("snapshot") == snapshot:  # when, and in which worker: the bench reads it per worker
                self.warmed.update(worker=os.getpid(), seen_at=round(seen_at, 3), switched_at=round(time.time(), 3))
            log.info("serving snapshot %s (was %s): %s", snapshot, previous, self.warmed)
            if snapshot is not None:
                self.reader.renew_hold()  # past the publish's commit: the catalog's WAL can be checkpointed
                self.reader.release(keep=snapshot)
                if self.hot is not None and previous is not None:
                    # the copies of the snapshot served until now stay one more publish: requests that began on
                    # it still read them (they take no pin, so none of them can be counted)
                    self.hot.release(v for v in self.hot.versions() if v < previous)
        return snapshot

    def _run(self) -> None:
        frozen = time.monotonic()
        while not self._stop.wait(self.poll):
            if time.monotonic() - frozen > FREEZE_SECONDS:
                # the answers cached since the last freeze join the frozen ones (see _warm): a full collection then
                # walks only what is younger. Measured at scale 1.0: p99 of cached answers 50 ms -> 9 ms
                gc.collect(1)
                gc.freeze()
                frozen = time.monotonic()
            try:
                self.refresh()
                self.reader.renew_hold(older_than=HOLD_SECONDS)
                self.error = None
            except (duckdb.Error, ServingError) as exc:  # keep serving the last snapshot; report on /health
                self.error = str(exc)
                log.warning("snapshot watcher: %s (still serving snapshot %s)", exc, self.current)

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
            self._tables[snapshot] = set(self.hot.sizes(snapshot)) if self.hot is not None else \
                open_session().tables()
        return self._tables[snapshot]

    def stop(self) -> None:
        self._stop.set()


@dataclass
class ApiSession:
    """What a request reads: one snapshot, answers from the result cache, a DuckDB session only on a miss."""

    snapshot: int
    reader: Reader
    watcher: Watcher
    record: bool = True  # count its queries as recent (not the warm-up's own replays)
    _stack: ExitStack = field(default_factory=ExitStack)
    _session: Session | None = None
    _hot: duckdb.DuckDBPyConnection | None = None

    def _open(self) -> Session:
        """The lake: a DuckLake session pinned to the snapshot (~2 ms to open, ~15 ms of CPU a query)."""
        if self._session is None:
            self._session = self._stack.enter_context(self.reader.pinned_session(self.snapshot))
        return self._session

    def _cursor(self, sql: str) -> tuple[duckdb.DuckDBPyConnection, bool]:
        """Where SQL runs: on the snapshot's in-memory copies when every table it names has one (copied now if
        small), else on the lake. Returns (cursor, on the copies)."""
        hot = self.watcher.hot
        if hot is not None:
            tables = TABLE_REFERENCE.findall(sql)
            hot.ensure(self.snapshot, tables)
            copied = hot.copied(self.snapshot)
            if tables and all(t in copied for t in tables):
                if self._hot is None:
                    self._hot = self.reader._connection().cursor()
                    self._hot.execute(f"use {hot.alias(self.snapshot)}")
                    self._stack.callback(self._hot.close)
                return self._hot, True
        return self._open().con, False

    def _execute(self, sql: str, params: list[object] | None) -> duckdb.DuckDBPyConnection:
        cur, on_copies = self._cursor(sql)
        try:
            return cur.execute(sql, params or [])
        except duckdb.CatalogException:
            if not on_copies:
                raise
            return self._open().con.execute(sql, params or [])  # a table the SQL names in a way not recognised

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self._open().con

    def _answer(self, kind: str, cache: ResultCache | None, sql: str, params: list[object] | None,
                reads: RowFilter | None, compute: Callable[[duckdb.DuckDBPyConnection], Any],
                keep: Callable[[Any], bool] = lambda _: True, again: Again | None = None) -> Any:
        """The answer of SQL from CACHE, else computed (COMPUTE: from the executed cursor) and kept when KEEP says.
        One computation per answer at a time: requests that miss while another computes it wait for that one
        instead of running the query again (after a publish, a dozen requests for the same dear answer would
        otherwise each run it, and a worker's CPU with them)."""
        key = (self.snapshot, sql, tuple(params or []))
        hit = cache.get(key) if cache is not None else None
        if hit is None:
            with self.watcher.in_flight(key):
                hit = cache.get(key) if cache is not None else None
                if hit is None:
                    started = time.perf_counter()
                    answer = compute(self._execute(sql, params))
                    if self.record:
                        self.watcher.recent.used(kind, sql, key[2], time.perf_counter() - started, reads, again)
                    if cache is not None and keep(answer):
                        cache.put(key, answer)
                    return answer
        if self.record:
            self.watcher.recent.used(kind, sql, key[2], reads=reads, again=again)
        return hit

    def arrow(self, sql: str, params: list[object] | None = None, reads: RowFilter | None = None) -> pa.Table:
        """The answer as an Arrow table (immutable: a cached one is shared as is). READS: the rows it is made of,
        when the caller can say (a page of a mart), so that the answer can outlive this snapshot if a publish does
        not touch them (services/api/carryover.py)."""
        return self._answer("arrow", self.watcher.arrows, sql, params, reads,
                            lambda cur: cur.to_arrow_table(), lambda t: t.nbytes <= ARROW_CACHE_MAX_BYTES)

    def rows(self, sql: str, params: list[object] | None = None, reads: RowFilter | None = None,
             again: Again | None = None) -> list[dict[str, Any]]:
        """The answer as rows, each a new dict (callers may change them). READS: as for `arrow`. AGAIN: when SQL or
        its parameters were made from this snapshot's data (a window that ends at the newest row), how to make
        them on another session's — the warm-up of a new snapshot asks that instead of this SQL again."""
        def fetch(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
            columns = [d[0] for d in cur.description]
            return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]

        return [dict(row) for row in self._answer("rows", self.reader.cache, sql, params, reads, fetch,
                                                  again=again)]

    def tables(self) -> set[str]:
        return self.watcher.tables(self.snapshot, self._open)

    def close(self) -> None:
        self._stack.close()


_CREATE = threading.RLock()  # lru_cache does not hold concurrent first callers back: one reader per process


@lru_cache
def _reader() -> Reader:
    settings = get_settings()
    sqlite_wal(settings)
    return Reader(settings, cache=ResultCache(size=4096), threads=DUCKDB_THREADS, hold_catalog=True)


@lru_cache
def _watcher() -> Watcher:
    return Watcher(reader(), HotTables(reader()))


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
        clear_answer_caches()  # their keys are snapshot ids, which another catalog numbers alike


async def open_snapshot(
    as_of: Annotated[str | None, Query(description="read the marts as published then: a day YYYY-MM-DD (UTC), "
                                                   "an ISO timestamp or a snapshot id")] = None,
) -> AsyncIterator[Session]:
    """FastAPI dependency: the current (or the as_of) snapshot, closed after the response. The current one costs no
    I/O (the watcher knows it; a session opens only on a cache miss, in the endpoint's thread): no thread hop."""
    if as_of is not None:
        with ExitStack() as stack:
            try:
                session = await run_in_threadpool(stack.enter_context, reader().session(as_of))
            except ServingError as exc:
                raise HTTPException(status_code=404, detail=str(exc)) from exc
            except ValueError as exc:
                if "as_of" in str(exc):
                    raise HTTPException(status_code=422, detail=[{"loc": ["query", "as_of"], "msg": str(exc),
                                                                  "type": "value_error"}]) from exc
                raise
            try:
                yield session
            finally:
                await run_in_threadpool(stack.close)
        return
    try:
        snapshot = watcher().current if watcher().current is not None else \
            await run_in_threadpool(watcher().snapshot)
    except ServingError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    api_session = ApiSession(snapshot, reader(), watcher())
    try:
        yield api_session  # type: ignore[misc]
    finally:
        if api_session._session is not None:
            await run_in_threadpool(api_session.close)
