"""A long-lived reader's hold on a SQLite catalog (serving.reader.CatalogHold): it keeps the catalog's WAL files open
in its process while other processes open and close theirs, never pins a snapshot, and never leaves the reader on
WAL files deleted under it.

The catalog here is a bare DuckLake catalog written by other processes, as the publisher would: what is checked is
SQLite's behaviour under the hold, not the publish."""

from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from common.settings import Settings
from serving.reader import CATALOG, Reader, sqlite_wal

pytestmark = pytest.mark.integration

WRITE = """
import sys
from common import duck
from common.settings import Settings
from pathlib import Path
from serving.reader import attach_sql
settings = Settings(data_dir=Path(sys.argv[1]))
con = duck.connect(settings)
con.execute("load ducklake")
con.execute("load sqlite_scanner")
con.execute(attach_sql(settings, read_only=False))
con.execute(f"create or replace table govlake.main.{sys.argv[2]} as select 1 as a")
con.close()
"""


def _write(settings: Settings, table: str) -> None:
    """A new snapshot, committed by another process that then closes its last connection to the catalog."""
    subprocess.run([sys.executable, "-c", WRITE, str(settings.data_dir), table], check=True)


def _catalog(settings: Settings) -> str:
    return settings.serving_catalog_uri.removeprefix("sqlite:")


def _current(reader: Reader) -> int:
    cur = reader._connection().cursor()
    try:
        return int(cur.execute(f"select id from {CATALOG}.current_snapshot()").fetchone()[0])  # type: ignore[index]
    finally:
        cur.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path)
    settings.serving_dir.mkdir(parents=True)
    _write(settings, "first")
    sqlite_wal(settings)
    return settings


def test_the_hold_keeps_the_wal_open_and_pins_no_snapshot(settings: Settings) -> None:
    wal = Path(_catalog(settings) + "-wal")
    reader = Reader(settings, hold_catalog=True)
    try:
        first = _current(reader)
        for n in range(3):
            _write(settings, f"t{n}")  # each writer closes what it believes may be the last connection
            assert wal.exists(), "the writer's close checkpointed and deleted the WAL under the hold"
            assert _current(reader) == first + n + 1  # the hold does not pin: every publish is seen at once
            reader.renew_hold()
    finally:
        reader.close()
    _write(settings, "after")  # with the reader gone, the last connection deletes the WAL again, as SQLite does
    assert not wal.exists()


@contextmanager
def _other_reader(settings: Settings) -> Iterator[None]:
    """Another process with the catalog open (as another API worker): a writer's close is then not the last, and
    its pages stay in the WAL."""
    keeper = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('select count(*) "
                               "from sqlite_master').fetchone(); print('ready', flush=True); sys.stdin.read()",
         _catalog(settings)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert keeper.stdout is not None and keeper.stdout.readline().strip() == "ready"
        yield
    finally:
        keeper.communicate("")


def _shm_inode(settings: Settings) -> int | None:
    shm = Path(_catalog(settings) + "-shm")
    return shm.stat().st_ino if shm.exists() else None


def test_python_sqlite_in_the_same_process_does_not_drop_the_hold(settings: Settings) -> None:
    """Closing a file drops every lock the process holds on it. The API's reader calls `sqlite_wal` (Python's SQLite)
    before it attaches: left to the collector (`with sqlite3.connect()` does not close), that connection was closed
    later, under the hold, dropping its locks; the next writer then deleted the WAL files under the reader, which went
    on reading the deleted ones — the old snapshot, for good (seen in one of two API workers)."""
    sqlite_wal(settings)
    reader = Reader(settings, hold_catalog=True)
    try:
        first = _current(reader)
        held = _shm_inode(settings)
        gc.collect()  # a connection sqlite_wal left behind would be closed now
        _write(settings, "second")
        assert _shm_inode(settings) == held
        with _other_reader(settings):
            _write(settings, "third")
            assert _current(reader) == first + 2
    finally:
        reader.close()


def test_a_hold_on_replaced_wal_files_lets_go_at_its_renewal(settings: Settings) -> None:
    """If the WAL files are replaced under the hold anyway (its locks dropped by code outside this module), the
    next renewal takes the new ones: the reader is stale until then (a few seconds in the API), not for good."""
    reader = Reader(settings, hold_catalog=True)
    try:
        first = _current(reader)
        held = _shm_inode(settings)
        stray = sqlite3.connect(_catalog(settings))
        stray.execute("select count(*) from sqlite_master").fetchone()
        stray.close()  # drops this process's locks on the catalog, the hold's among them
        _write(settings, "second")  # its close is now the last: it deletes the WAL files the hold has open
        assert _shm_inode(settings) != held
        with _other_reader(settings):
            _write(settings, "third")  # its pages stay in the new WAL, which this process does not see
            assert _current(reader) == first + 1
            reader.renew_hold()
            assert _current(reader) == first + 2
    finally:
        reader.close()
