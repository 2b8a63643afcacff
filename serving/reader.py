"""The read side of the served marts: attach the DuckLake catalog read-only, pin a snapshot, travel in time.

Every reader (the API, `govlake sql`, `govlake kpi`, the bench, Superset's connection hook) attaches the same catalog
through here. A DuckLake transaction reads the snapshot that was current when it began, so a query or a session
inside one transaction never sees half a publish, and a publish committed meanwhile is seen by the next transaction
without reopening anything.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

import duckdb

from common import duck
from common.settings import Settings

CATALOG = "govlake"  # the alias every reader attaches the catalog under
PUBLISH_MESSAGE = "govlake publish"  # the commit message of a publish (other snapshots: the catalog's creation)
# per served table, its content hash at the last publish: a table of the catalog until 2026-12; now in each publish's
# commit information (publish.py), and the table is dropped by the first publish that finds it
LEGACY_STATE_TABLE = "_published_marts"


class ServingError(LookupError):
    """Nothing to read: nothing published yet, or no snapshot as of the time asked."""


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    published_at: datetime
    changed: str  # the extra info of the commit: which tables it replaced


def data_path(settings: Settings) -> str:
    """Where the served tables' Parquet files live: `serving/` in the lake (a local directory or S3/MinIO)."""
    lake = settings.lake
    root = str(Path(lake.removeprefix("file://"))) if lake.startswith("file://") else lake.rstrip("/")
    return f"{root}/serving/"


def catalog_exists(settings: Settings) -> bool:
    uri = settings.serving_catalog_uri
    return not uri.startswith("sqlite:") or Path(uri.removeprefix("sqlite:")).exists()


def attach_sql(settings: Settings, alias: str = CATALOG, read_only: bool = True, version: int | None = None) -> str:
    # a reader takes the data path the catalog stores (the writer set it): any process can read, wherever it runs
    options = ["read_only"] if read_only else [f"data_path '{data_path(settings)}'"]
    if version is not None:
        options.append(f"snapshot_version {int(version)}")
    return f"attach 'ducklake:{settings.serving_catalog_uri}' as {alias} ({', '.join(options)})"


def sqlite_wal(settings: Settings) -> None:
    """Put a SQLite catalog in WAL mode (persistent, once): readers then never block the publisher's commit. In
    the default rollback-journal mode a steady stream of reads holds the file's shared lock and a publish fails
    with "database is locked". The publisher sets it when it creates the catalog; readers check it too (a catalog
    made by an older publisher)."""
    uri = settings.serving_catalog_uri
    if not uri.startswith("sqlite:") or not catalog_exists(settings):
        return
    # closed here and now, not when collected: closing a file drops every lock this process holds on it, those of
    # DuckDB's SQLite too (CatalogHold), and `with sqlite3.connect()` alone does not close
    with closing(sqlite3.connect(Path(uri.removeprefix("sqlite:")), timeout=5)) as con:
        if con.execute("pragma journal_mode").fetchone()[0] != "wal":
            con.execute("pragma journal_mode=wal")


def open_connection(settings: Settings, checked_extensions: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that can read the lake and attach DuckLake (nothing attached yet); CHECKED_EXTENSIONS:
    see common.duck.connect."""
    con = duck.connect(settings, checked_extensions=checked_extensions)
    con.execute("load ducklake")
    postgres = settings.serving_catalog_uri.startswith("postgres:")
    con.execute("load postgres_scanner" if postgres else "load sqlite_scanner")
    con.execute("set parquet_metadata_cache = true")  # files of a snapshot never change: cache their footers
    return con


def _require_catalog(settings: Settings) -> None:
    if not catalog_exists(settings):
        raise ServingError("nothing published yet: run `govlake demo` or `govlake publish`")


@dataclass(frozen=True)
class CatalogSnapshot:
    id: int
    at: datetime
    published: bool  # made by a publish (others: the catalog's creation)
    extra: str  # the commit's extra information


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def catalog_snapshots(con: duckdb.DuckDBPyConnection, alias: str = CATALOG) -> list[CatalogSnapshot]:
    """Every snapshot the catalog keeps, oldest first. The times come as epoch microseconds: a TIMESTAMPTZ value
    makes DuckDB's Python binding list pytz's time zones first (~9 ms, once a process)."""
    rows = con.execute(
        f"select snapshot_id, epoch_us(snapshot_time), commit_message = ?, coalesce(commit_extra_info, '') "
        f"from ducklake_snapshots('{alias}') order by snapshot_id", [PUBLISH_MESSAGE]).fetchall()
    return [CatalogSnapshot(int(i), _EPOCH + timedelta(microseconds=us), bool(published), extra)
            for i, us, published, extra in rows]


def list_snapshots(con: duckdb.DuckDBPyConnection, alias: str = CATALOG) -> list[SnapshotInfo]:
    """The snapshots publishes made, oldest first."""
    return published_snapshots(catalog_snapshots(con, alias))


def published_snapshots(snapshots: list[CatalogSnapshot]) -> list[SnapshotInfo]:
    return [SnapshotInfo(s.id, s.at, s.extra) for s in snapshots if s.published]


def parse_as_of(as_of: str) -> int | datetime:
    """A snapshot id (`12`), a day (`2024-06-30`: as published by the end of that day, UTC) or an ISO timestamp."""
    value = as_of.strip()
    if re.fullmatch(r"\d{1,12}", value):
        return int(value)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.combine(date.fromisoformat(value) + timedelta(days=1), time(), UTC) - timedelta(
                microseconds=1)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"as_of must be a snapshot id, a day YYYY-MM-DD or an ISO timestamp, got {as_of!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def resolve_as_of(snapshots: list[SnapshotInfo], as_of: str) -> int:
    """The id of the snapshot served at AS_OF (the last publish at or before it)."""
    if not snapshots:
        raise ServingError("nothing published yet: run `govlake demo` or `govlake publish`")
    wanted = parse_as_of(as_of)
    if isinstance(wanted, int):
        if wanted not in {s.id for s in snapshots}:
            raise ServingError(f"no published snapshot {wanted} (kept: {', '.join(str(s.id) for s in snapshots)})")
        return wanted
    before = [s for s in snapshots if s.published_at <= wanted]
    if not before:
        raise ServingError(f"nothing was published as of {as_of} (the oldest snapshot kept is "
                           f"{snapshots[0].published_at:%Y-%m-%d %H:%M:%S %Z}, retention: SERVING_RETENTION_DAYS)")
    return before[-1].id


class ResultCache:
    """Query results (rows, or Arrow tables) keyed by (snapshot id, SQL, parameters): a snapshot never changes, so an
    answer stays right for as long as that snapshot is read. A DuckLake read looks up the snapshot's files in the
    catalog each time (~10 ms for a small filtered read here); a hit costs microseconds. Bounded, least recently
    used out first."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, str, tuple[object, ...]], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str, tuple[object, ...]]) -> Any:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
            return hit

    def entries(self, snapshot: int) -> list[tuple[tuple[int, str, tuple[object, ...]], Any]]:
        """The cached answers of SNAPSHOT, (key, answer) each."""
        with self._lock:
            return [(key, value) for key, value in self._entries.items() if key[0] == snapshot]

    def put(self, key: tuple[int, str, tuple[object, ...]], rows: Any) -> None:
        with self._lock:
            self._entries[key] = rows
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


@dataclass
class Session:
    """One consistent snapshot: every query of a session reads the same one."""

    snapshot: int
    con: duckdb.DuckDBPyConnection
    cache: ResultCache | None = None

    def rows(self, sql: str, params: list[object] | None = None) -> list[dict[str, Any]]:
        key = (self.snapshot, sql, tuple(params or []))
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return [dict(row) for row in hit]
        cur = self.con.execute(sql, params or [])
        columns = [d[0] for d in cur.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
        if self.cache is not None:
            self.cache.put(key, [dict(row) for row in rows])
        return rows

    def tables(self) -> set[str]:
        return {r[0] for r in self.con.execute("select table_name from duckdb_tables() where database_name = "
                                               "current_database()").fetchall()}


class CatalogHold:
    """Keeps a SQLite catalog open in this process while a long-lived reader runs.

    DuckDB's SQLite extension opens a SQLite connection per transaction and closes it after. Under a steady stream
    of reads, a process's last connection to the catalog closes and the next one reopens the WAL's shared memory,
    racing the other processes doing the same; the loser is told to retry, and the extension's SQLite (built
    without usleep) sleeps a whole second before it does. Seen in the API under the bench's load: a few reads a
    minute took exactly 1.00 s, among them the watcher's poll — the new snapshot then served a second late. A
    transaction kept open on the catalog file keeps its connection, and the shared memory, open. It reads nothing of
    the lake and pins no snapshot, but it keeps the catalog's WAL from being checkpointed past it: `renew` replaces
    it with a new one (every few seconds, and when a publish is seen).

    Its locks are this process's locks on the file, which closing the file in any other way drops (POSIX): SQLite
    from another library in the same process, such as Python's sqlite3, must not open the catalog while a hold is
    taken, and must have closed what it opened before (`sqlite_wal` closes at once; a connection left to the
    collector closes whenever). With the locks dropped, another process closing what it takes for the last
    connection deletes the WAL files under the hold, and this process goes on reading the deleted ones: `renew`
    sees the shared memory file replaced, lets go, and takes the new one."""

    ALIAS = "catalog_file"

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str) -> None:
        self._con = con
        self._shm = Path(f"{path}-shm")
        con.execute(f"attach if not exists '{path}' as {self.ALIAS} (type sqlite, read_only)")
        self._held: duckdb.DuckDBPyConnection | None = None
        self._held_shm: int | None = None  # the inode of the shared memory file the hold opened
        self._lock = threading.Lock()
        self.renewed = 0.0
        self.renew()

    def _shm_inode(self) -> int | None:
        try:
            return self._shm.stat().st_ino
        except OSError:
            return None

    def renew(self) -> None:
        """A new transaction holding the file (one row read: ~3 ms), then the previous one ended: the file is never
        left without one — unless the shared memory file was replaced under it: then let go first."""
        if self._held is not None and self._shm_inode() != self._held_shm:
            self.close()
        held = self._con.cursor()
        held.execute("begin transaction")
        held.execute(f"select 1 from {self.ALIAS}.ducklake_snapshot limit 1").fetchall()
        with self._lock:
            previous, self._held = self._held, held
            self._held_shm = self._shm_inode()
            self.renewed = monotonic()
        if previous is not None:
            _end(previous)

    def close(self) -> None:
        with self._lock:
            held, self._held = self._held, None
        if held is not None:
            _end(held)


def _end(cursor: duckdb.DuckDBPyConnection) -> None:
    with suppress(duckdb.Error):
        cursor.execute("rollback")
    cursor.close()


class Reader:
    """One DuckDB instance with the catalog attached read-only, reused across sessions (the API keeps one per
    process): attaching costs tens of milliseconds, a session on an attached catalog a few. A pinned snapshot
    (time travel) is attached once under its own alias and kept, since a snapshot never changes."""

    def __init__(self, settings: Settings, cache: ResultCache | None = None, threads: int | None = None,
                 hold_catalog: bool = False) -> None:
        self.settings = settings
        self.cache = cache
        self.threads = threads  # DuckDB threads (a server answering many small reads at once: 1 each)
        self.hold_catalog = hold_catalog  # a long-lived reader (the API): keep a SQLite catalog open (CatalogHold)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._hold: CatalogHold | None = None
        self._pinned: set[int] = set()
        self._users: dict[int, int] = {}  # pinned snapshot -> sessions using it now
        self._lock = threading.Lock()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._con is None:
                _require_catalog(self.settings)
                con = open_connection(self.settings)
                if self.threads:
                    con.execute(f"set threads = {int(self.threads)}")
                con.execute(attach_sql(self.settings))
                self._con = con
                if self.hold_catalog and self.settings.serving_catalog_uri.startswith("sqlite:"):
                    self._hold = CatalogHold(con, self.settings.serving_catalog_uri.removeprefix("sqlite:"))
            return self._con

    def renew_hold(self, older_than: float = 0.0) -> None:
        """Move the catalog hold (CatalogHold) to the catalog as it is now, if it was taken over OLDER_THAN seconds
        ago (a long-lived reader's caller does it every few seconds)."""
        hold = self._hold
        if hold is not None and monotonic() - hold.renewed >= older_than:
            hold.renew()

    def snapshots(self) -> list[SnapshotInfo]:
        return list_snapshots(self._connection().cursor())

    def _pin(self, version: int) -> str:
        """Attach VERSION (once) and count one more session using it; `_unpin` counts it out."""
        alias = f"{CATALOG}_v{version}"
        with self._lock:
            if version not in self._pinned:
                assert self._con is not None
                self._con.execute(attach_sql(self.settings, alias, version=version))
                self._pinned.add(version)
            self._users[version] = self._users.get(version, 0) + 1
        return alias

    def _unpin(self, version: int) -> None:
        with self._lock:
            if version in self._users:
                self._users[version] -= 1

    @contextmanager
    def session(self, as_of: str | None = None) -> Iterator[Session]:
        con = self._connection()
        cur = con.cursor()
        pinned: int | None = None
        try:
            if as_of is None:
                cur.execute("begin transaction")
                current = cur.execute(f"select id from {CATALOG}.current_snapshot()").fetchone()
                snapshot = int(current[0]) if current else 0
                if snapshot == 0:  # the catalog's creation: a first publish never committed
                    raise ServingError("nothing published yet: run `govlake demo` or `govlake publish`")
                cur.execute(f"use {CATALOG}")
            else:
                snapshot = resolve_as_of(list_snapshots(cur), as_of)
                alias = self._pin(snapshot)
                pinned = snapshot
                cur.execute(f"use {alias}")
                cur.execute("begin transaction")
            yield Session(snapshot=snapshot, con=cur, cache=self.cache)
        finally:
            with suppress(duckdb.Error):
                cur.execute("rollback")  # read-only: nothing to commit
            cur.close()
            if pinned is not None:
                self._unpin(pinned)

    @contextmanager
    def pinned_session(self, snapshot: int) -> Iterator[Session]:
        """A session on snapshot SNAPSHOT, known to exist (the API's current one): no lookup of the snapshot list.
        Its catalog stays attached while a session uses it; `release` detaches the ones no session uses."""
        con = self._connection()
        alias = self._pin(snapshot)
        cur = con.cursor()
        try:
            cur.execute(f"use {alias}")
            cur.execute("begin transaction")
            yield Session(snapshot=snapshot, con=cur, cache=self.cache)
        finally:
            with suppress(duckdb.Error):
                cur.execute("rollback")
            cur.close()
            self._unpin(snapshot)

    def release(self, keep: int) -> list[int]:
        """Detach the pinned snapshots older than KEEP that no session uses (a publish moved past them)."""
        released = []
        with self._lock:
            for version in sorted(self._pinned):
                if version < keep and not self._users.get(version) and self._con is not None:
                    with suppress(duckdb.Error):
                        self._con.execute(f"detach {CATALOG}_v{version}")
                    self._pinned.discard(version)
                    self._users.pop(version, None)
                    released.append(version)
        return released

    def close(self) -> None:
        with self._lock:
            if self._hold is not None:
                self._hold.close()
            if self._con is not None:
                self._con.close()
            self._con, self._hold, self._pinned, self._users = None, None, set(), {}


@contextmanager
def session(settings: Settings, as_of: str | None = None) -> Iterator[Session]:
    """A one-off read (the CLI, the bench, tests): attach, read one snapshot, detach."""
    reader = Reader(settings)
    try:
        with reader.session(as_of) as s:
            yield s
    finally:
        reader.close()


def connect(settings: Settings, as_of: str | None = None) -> duckdb.DuckDBPyConnection:
    """A plain read-only connection on the served marts (latest, or pinned AS_OF), for scripts and notebooks: each
    statement outside an explicit transaction reads the snapshot current when it runs."""
    _require_catalog(settings)
    con = open_connection(settings)
    try:
        con.execute(attach_sql(settings))
        if as_of is not None:
            version = resolve_as_of(list_snapshots(con), as_of)
            con.execute(attach_sql(settings, f"{CATALOG}_v{version}", version=version))
            con.execute(f"use {CATALOG}_v{version}")
        else:
            con.execute(f"use {CATALOG}")
    except BaseException:
        con.close()
        raise
    return con
