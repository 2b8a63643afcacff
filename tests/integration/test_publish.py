"""Publishing into the served marts (DuckLake): readers never see a half-published state or a lock error, only the
changed marts are replaced, time travel reads an earlier snapshot, and neither a failed build nor a killed publish
replaces what is served."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from common import processes
from common.settings import Settings
from serving import reader as serving_reader
from serving.reader import Reader
from tests.conftest import REPO, build_slice, free_port, run_govlake

pytestmark = pytest.mark.integration
URL = "/v1/marts/tickets-monthly-by-street"


def _total(data_dir: Path, as_of: str | None = None) -> int:
    with serving_reader.session(Settings(data_dir=data_dir), as_of) as s:
        return int(s.rows("select sum(tickets) as n from agg_tickets_monthly_by_street")[0]["n"])


def _contents(s: serving_reader.Session, tables: list[str]) -> dict[str, tuple[int, int]]:
    """(rows, order-independent content hash) per table."""
    return {t: tuple(s.con.execute(f"select count(*), sum(hash(x)::hugeint) from {t} as x").fetchone())  # type: ignore[misc]
            for t in tables}


def _warehouse_contents(data_dir: Path, tables: list[str]) -> dict[str, tuple[int, int]]:
    con = duckdb.connect(str(Settings(data_dir=data_dir).warehouse_path), read_only=True)
    try:
        return {t: tuple(con.execute(f"select count(*), sum(hash(x)::hugeint) from {t} as x").fetchone())  # type: ignore[misc]
                for t in tables}
    finally:
        con.close()


def _snapshots(data_dir: Path) -> list[int]:
    reader = Reader(Settings(data_dir=data_dir))
    try:
        return [s.id for s in reader.snapshots()]
    finally:
        reader.close()


def _catalog_schema(data_dir: Path) -> list[str]:
    """The tables of the SQLite catalog database itself."""
    path = Settings(data_dir=data_dir).serving_catalog_uri.removeprefix("sqlite:")
    with closing(sqlite3.connect(path)) as con:
        return sorted(name for (name,) in con.execute("select name from sqlite_master where type = 'table'"))


@pytest.fixture
def slice_with_api(tmp_path: Path) -> Any:
    """A slice published as of mid-year, and a real API server (uvicorn) on a free port reading it."""
    built = build_slice(tmp_path, scale="0.003", **{})
    env = dict(built["env"])
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.003", "--as-of", "2024-06-30T00:00:00")
    shutil.rmtree(tmp_path / "lake")  # start the lake again from the mid-year state (its served files too)
    shutil.rmtree(tmp_path / "serving")
    # a lake started again needs the incremental models rebuilt from scratch, as after any reset of the inputs
    for args in (("ingest", "--all"), ("transform", "--full-refresh"), ("publish",)):
        run_govlake(env, *args)
    token = run_govlake(env, "api-key", "create", "--name", "test", "--role", "admin",
                        "--rate-limit", "1000000").stdout.strip().splitlines()[-1]
    port = free_port()
    run_dir = tmp_path / "run"
    processes.start(run_dir, "api", [sys.executable, "-m", "uvicorn", "services.api.main:app", "--host", "127.0.0.1",
                                     "--port", str(port)], env=env, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    try:
        processes.wait_http(f"{base}/health", timeout=60)
        yield {"env": env, "base": base, "data_dir": tmp_path, "token": token}
    finally:
        processes.stop(run_dir, "api")


def test_readers_see_the_old_or_the_new_snapshot_never_a_partial_one(slice_with_api: dict[str, Any]) -> None:
    env, base, data_dir = slice_with_api["env"], slice_with_api["base"], slice_with_api["data_dir"]
    before = _total(data_dir)
    [first] = _snapshots(data_dir)
    in_process: Counter[tuple[int, int, int, int]] = Counter()
    mixed: list[tuple[int, int, int, int]] = []
    seen: Counter[tuple[str, int]] = Counter()
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        with httpx.Client(base_url=base, timeout=10,
                          headers={"Authorization": f"Bearer {slice_with_api['token']}"}) as client:
            deadline = time.monotonic() + 300  # bounded even if the writer hangs
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    r = client.get(URL, params={"limit": 1000})
                    if r.status_code != 200:
                        errors.append(f"{r.status_code}: {r.text[:200]}")
                        continue
                    body = r.json()
                    seen[(body["snapshot"], sum(i["tickets"] for i in body["items"]))] += 1
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))

    def session_reader() -> None:
        """One Reader reused across sessions, as the API does: three marts that must agree within a snapshot."""
        shared = Reader(Settings(data_dir=data_dir))
        deadline = time.monotonic() + 300
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    with shared.session() as s:
                        monthly = s.rows("select sum(tickets) as n from agg_tickets_monthly")[0]["n"]
                        by_street = s.rows("select sum(tickets) as n from agg_tickets_monthly_by_street")[0]["n"]
                        tickets = s.rows("select count(*) as n from fct_tickets")[0]["n"]
                        seen_row = (s.snapshot, int(monthly), int(by_street), int(tickets))
                except Exception as exc:  # any error at all fails the test
                    errors.append(repr(exc))
                    continue
                in_process[seen_row] += 1
                if not seen_row[1] == seen_row[2] == seen_row[3]:
                    mixed.append(seen_row)
        finally:
            shared.close()

    threads = [threading.Thread(target=reader) for _ in range(2)] + [threading.Thread(target=session_reader)]
    for t in threads:
        t.start()
    try:
        # the second half of the year arrives; transform and publish run while the readers read
        run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.003")
        for args in (("ingest", "--all"), ("transform",), ("publish",)):
            run_govlake(env, *args)
        time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join()
    after = _total(data_dir)
    assert not errors, errors[:5]
    assert after > before
    totals = {total for _, total in seen}
    assert totals <= {before, after}, f"a reader saw a total that is neither snapshot's: {totals - {before, after}}"
    assert {before, after} <= totals, "readers must have read both snapshots"
    assert sum(seen.values()) > 20
    assert not mixed, f"a session saw marts of two snapshots: {mixed[:3]}"
    assert {row[1] for row in in_process} == {before, after}, "the reused reader must see the new snapshot"
    [_, second] = _snapshots(data_dir)

    # time travel: the first snapshot by id and by a moment between the two publishes, on the CLI and the API
    assert _total(data_dir, as_of=str(first)) == before
    assert _total(data_dir, as_of=str(second)) == after
    as_json = run_govlake(env, "sql", "--as-of", str(first), "--format", "json",
                          "select sum(tickets) as n from agg_tickets_monthly_by_street").stdout
    assert f'"n": {before}' in as_json
    listing = run_govlake(env, "publish", "--list").stdout
    assert str(first) in listing and str(second) in listing
    with httpx.Client(base_url=base, timeout=10,
                      headers={"Authorization": f"Bearer {slice_with_api['token']}"}) as client:
        old = client.get(URL, params={"limit": 1000, "as_of": str(first)}).json()
        assert (old["snapshot"], sum(i["tickets"] for i in old["items"])) == (str(first), before)
        assert client.get(URL, params={"as_of": "2001-01-01"}).status_code == 404
        assert client.get(URL, params={"as_of": "yesterday"}).status_code == 422


def test_a_publish_replaces_only_the_changed_marts(tmp_path: Path) -> None:
    built = build_slice(tmp_path, scale="0.002")
    env = built["env"]
    [first] = _snapshots(tmp_path)
    assert "nothing changed since the last publish" in run_govlake(env, "publish").stderr
    assert _snapshots(tmp_path) == [first], "an unchanged build publishes no new snapshot"
    files = sorted((tmp_path / "lake" / "serving" / "main" / "fct_tickets").glob("*.parquet"))
    assert files, "the marts are served as DuckLake Parquet files"
    # written in its serving order (the model's meta), so that a read by street and month skips most row groups
    out_of_order = duckdb.sql(
        "select count(*) from (select (street_code, created_month, ticket_id) as k, lag(k) over (order by "
        f"file_row_number) as previous from read_parquet('{files[0]}', file_row_number = true)) where previous > k"
    ).fetchone()
    assert len(files) == 1 and out_of_order == (0,)

    # the same data rebuilt from scratch: only the marts whose rows carry the build stamp differ, and only they are
    # written; the others keep their data files
    streets = sorted((tmp_path / "lake" / "serving" / "main" / "agg_tickets_monthly_by_street").glob("*.parquet"))
    run_govlake(env, "transform", "--full-refresh")
    out = run_govlake(env, "publish").stderr
    assert "5 of" in out and "(agg_tickets_daily, agg_tickets_monthly, fct_ratings, fct_ticket_flows, fct_tickets)" \
        in out, out
    assert sorted((tmp_path / "lake" / "serving" / "main" / "agg_tickets_monthly_by_street").glob("*.parquet")) \
        == streets
    assert sorted((tmp_path / "lake" / "serving" / "main" / "fct_tickets").glob("*.parquet")) != files


def test_patched_tables_are_served_exactly_as_built(tmp_path: Path) -> None:
    """Two days published with every keyed table patched by its changed rows (no table small enough to rewrite
    whole): the first diff reads the served hashes from the catalog, the second from the row-hash store; after each,
    every served table equals the warehouse's."""
    built = build_slice(tmp_path, scale="0.003", SERVING_REPLACE_MAX_ROWS="0")
    env = built["env"]
    for day in ("2025-01-01T23:59:59", "2025-01-02T23:59:59"):
        run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.003", "--as-of", day)
        run_govlake(env, "ingest", "minyi")
        run_govlake(env, "transform")
        schema = _catalog_schema(tmp_path)
        out = run_govlake(env, "publish", "--no-catalog").stderr
        patched = out.split("patched by their changed rows:")[-1]
        # by the build stamp (by key; by period, the changed rows of an aggregate); by row hashes (no stamp)
        assert "fct_ratings" in patched and "fct_tickets" in patched and "fct_indicator_values" in patched, out
        assert "agg_tickets_daily" in patched and "agg_tickets_monthly" in patched, out
        # no table of the catalog database per new table (DuckLake's inlined rows, off: serving/publish.py)
        assert _catalog_schema(tmp_path) == schema
        with serving_reader.session(Settings(data_dir=tmp_path)) as s:
            tables = sorted(s.tables())
            served = _contents(s, tables)
        assert served == _warehouse_contents(tmp_path, tables), f"after {day}"


def test_a_failed_build_leaves_the_published_snapshot_serving(tmp_path: Path) -> None:
    built = build_slice(tmp_path, scale="0.002")
    env = built["env"]
    served = _snapshots(tmp_path)
    before = _total(tmp_path)
    shutil.rmtree(tmp_path / "lake" / "bronze" / "minyi" / "tickets")  # the build now cannot read its input

    # no new batch arrived, so a daily `transform` would have nothing to do: rebuild from the lake
    transform = subprocess.run([sys.executable, "-m", "govlake.cli", "transform", "--full-refresh"], env=env,
                               capture_output=True, text=True, check=False)
    assert transform.returncode == 1
    assert "previous snapshot is still served" in transform.stderr
    publish = subprocess.run([sys.executable, "-m", "govlake.cli", "publish"], env=env, capture_output=True,
                             text=True, check=False)
    assert publish.returncode == 1
    assert "last `govlake transform` failed" in publish.stderr
    assert _snapshots(tmp_path) == served
    assert _total(tmp_path) == before


def test_a_killed_publish_leaves_the_previous_snapshot_served(tmp_path: Path) -> None:
    built = build_slice(tmp_path, scale="0.003")
    env = built["env"]
    served, before = _snapshots(tmp_path), _total(tmp_path)
    with serving_reader.session(Settings(data_dir=tmp_path)) as s:
        tickets_before = _contents(s, ["fct_tickets"])["fct_tickets"]
    data = tmp_path / "lake" / "serving"
    files_before = set(data.rglob("*.parquet"))
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.003", "--as-of", "2025-01-01T23:59:59")
    run_govlake(env, "ingest", "minyi")
    run_govlake(env, "transform")

    # kill -9 the publisher as soon as it has written its first new data file (it commits after the last one)
    publisher = subprocess.Popen([sys.executable, "-m", "govlake.cli", "publish"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not set(data.rglob("*.parquet")) - files_before and time.monotonic() < deadline:
        time.sleep(0.002)
    publisher.kill()
    publisher.wait()
    assert set(data.rglob("*.parquet")) - files_before, "the publisher never started writing"
    assert _snapshots(tmp_path) == served, "a killed publish must not leave a snapshot"
    assert _total(tmp_path) == before

    # the catalog is consistent: the next publish commits, and deletes the files the killed one left behind
    run_govlake(env, "publish")
    assert len(_snapshots(tmp_path)) == len(served) + 1
    with serving_reader.session(Settings(data_dir=tmp_path)) as s:
        served_now = _contents(s, ["fct_tickets", "fct_ticket_flows", "agg_tickets_daily"])
    assert served_now == _warehouse_contents(tmp_path, list(served_now)), "the next day's build is served as built"
    assert served_now["fct_tickets"] != tickets_before
    with serving_reader.session(Settings(data_dir=tmp_path)) as s:
        referenced = {Path(r["data_file"]).name for r in s.rows(
            "select data_file from ducklake_list_files('govlake', 'agg_tickets_monthly_by_street')")}
    on_disk = {p.name for p in (data / "main" / "agg_tickets_monthly_by_street").glob("*.parquet")}
    assert on_disk == referenced | {Path(p).name for p in files_before
                                    if p.parent.name == "agg_tickets_monthly_by_street"}
