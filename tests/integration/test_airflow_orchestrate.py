"""`govlake orchestrate`: the real Airflow services (api-server, scheduler, dag-processor, triggerer) run every DAG
through simulated days on PostgreSQL metadata with the LocalExecutor; the served marts then hold the last day and
equal the simulator's ground truth.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import govlake_env, run_govlake
from tests.integration.test_airflow_dags import AIRFLOW

pytestmark = pytest.mark.integration

SCALE = "0.002"
LAST_DAY = "2024-12-31"


def _require_postgres() -> None:
    with socket.socket() as s:
        s.settimeout(1)
        if s.connect_ex(("127.0.0.1", 5432)) == 0:
            return
    if os.environ.get("CI") == "true":
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432")
    pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


def _create_db() -> str:
    import psycopg

    name = f"govlake_orchestrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"create database {name}")
    return name


def _drop_db(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"drop database if exists {name} with (force)")


@pytest.fixture
def metadata_db() -> Iterator[str]:
    if not AIRFLOW.exists():
        pytest.skip(f"Airflow environment missing ({AIRFLOW})")
    _require_postgres()
    name = _create_db()
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        _drop_db(name)


@dataclass
class Orchestrated:
    env: dict[str, str]
    data_dir: Path
    metadata_db: str
    out: str


@contextmanager
def _orchestrate(data_dir: Path, *extra: str, days: str = "2") -> Iterator[Orchestrated]:
    """`govlake orchestrate` on a PostgreSQL metadata database of its own (dropped afterwards)."""
    if not AIRFLOW.exists():
        pytest.skip(f"Airflow environment missing ({AIRFLOW})")
    _require_postgres()
    name = _create_db()
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        env = govlake_env(data_dir, AIRFLOW_DATABASE_URL=url, GOVLAKE_TASK_RETRIES="0")
        env.pop("AIRFLOW_API_PORT", None)
        proc = run_govlake(env, "orchestrate", "--days", days, "--last-day", LAST_DAY, "--scale", SCALE, *extra,
                           timeout=1400)
        yield Orchestrated(env, data_dir, url, proc.stdout + proc.stderr)
    finally:
        _drop_db(name)


@pytest.fixture(scope="module")
def day_by_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orchestrated]:
    """Two simulated days run one after the other (shared by the tests comparing with it)."""
    with _orchestrate(tmp_path_factory.mktemp("day_by_day")) as run:
        yield run


def _runs(metadata_db: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(metadata_db) as con:
        return con.execute("select dag_id, run_type, state, logical_date::date::text, start_date, end_date "
                           "from dag_run order by start_date").fetchall()


SOURCES = ("minyi", "pingan", "zhengfa", "community", "video", "zhengfa_files")


def _consumed_events(metadata_db: str) -> dict[str, list[str]]:
    """Per transform run, keyed by the day of the ingest runs whose bronze events it took: those ingest DAGs. A run
    that took events of two days is keyed by both days joined with '+'."""
    import psycopg

    with psycopg.connect(metadata_db) as con:
        rows = con.execute("""
            select t.run_id, src.dag_id, src.logical_date::date::text
            from dag_run t
            join dagrun_asset_event dae on dae.dag_run_id = t.id
            join asset_event ae on ae.id = dae.event_id
            join dag_run src on src.dag_id = ae.source_dag_id and src.run_id = ae.source_run_id
            where t.dag_id = 'transform'
        """).fetchall()
    runs: dict[str, list[tuple[str, str]]] = {}
    for run_id, dag_id, day in rows:
        runs.setdefault(run_id, []).append((dag_id, day))
    out = {}
    for events in runs.values():
        key = "+".join(sorted({day for _, day in events}))
        assert key not in out, (key, runs)  # two builds for one day
        out[key] = sorted(dag for dag, _ in events)
    return out


# about 8 minutes on 2 busy cores: most of it one dbt build per day (each with its fixed ~30 s start)
@pytest.mark.timeout(1500)
def test_orchestrate_runs_two_simulated_days_on_postgres(day_by_day: Orchestrated) -> None:
    env, tmp_path, metadata_db, out = day_by_day.env, day_by_day.data_dir, day_by_day.metadata_db, day_by_day.out
    # every DAG ran through the scheduler: one run per source and day, transform and publish on the Assets
    import psycopg

    with psycopg.connect(metadata_db) as con:
        tis = con.execute("select dag_id, task_id, state from task_instance").fetchall()
    runs = [(dag, kind, state, day) for dag, kind, state, day, *_ in _runs(metadata_db)]
    assert {state for *_, state, _ in runs} == {"success"}, runs
    for source in ("minyi", "pingan", "zhengfa", "community", "video", "zhengfa_files"):
        days = sorted(day for dag, _, _, day in runs if dag == f"ingest_{source}")
        assert days == ["2024-12-30", "2024-12-31"], (source, days)
    assert sorted(day for dag, _, _, day in runs if dag == "simulate_sources") == ["2024-12-30", "2024-12-31"]
    for dag_id in ("transform", "publish"):
        kinds = {kind for dag, kind, _, _ in runs if dag == dag_id}
        assert kinds == {"asset_triggered"}, (dag_id, kinds)
    # one build per simulated day: each transform run took the bronze events of one day's six ingests, all of them
    consumed = _consumed_events(metadata_db)
    assert sorted(consumed) == ["2024-12-30", "2024-12-31"], consumed
    for day, dags in consumed.items():
        assert dags == sorted(f"ingest_{s}" for s in SOURCES), (day, dags)
    timeline = _runs(metadata_db)
    assert sum(1 for r in timeline if r[0] == "transform") == 2
    assert sum(1 for r in timeline if r[0] == "publish") == 2
    assert ("quality_report", "quality", "success") in tis and ("source_freshness", "freshness", "success") in tis
    # the services were stopped
    assert "stopped api-server, scheduler, dag-processor, triggerer" in out
    assert not list((tmp_path / "run").glob("airflow-*.pid")) or all(
        not _alive(int(p.read_text())) for p in (tmp_path / "run").glob("airflow-*.pid"))

    # the served snapshot holds the last simulated day, and the kpi mart equals the ground truth
    last = json.loads(run_govlake(env, "sql", "select max(cast(created_at as date)) as d from fct_tickets",
                                  "--format", "json").stdout)
    assert str(last[0]["d"])[:10] == "2024-12-31"
    rows = json.loads(run_govlake_any(env, "kpi", "--period", "2024", "--reconcile", "--json").stdout)
    assert len(rows) == 45  # the whole indicator catalogue
    wrong = [r["code"] for r in rows if not r["matches_truth"]]
    assert wrong == [], [r for r in rows if r["code"] in wrong]


# what differs between two runs of the same data by nature: when rows were built and loaded, how batches were cut
RUN_COLUMNS = ("built_at", "batch_id", "received_at", "received_date", "load_seconds", "last_committed_at",
               "last_failed_at")
LOAD_TIME_SUFFIX = "ingested_at"  # _ingested_at, source_ingested_at, last_ingested_at, …
# per table: columns about the batches (rows received by the batches a rule hit)
RUN_TABLE_COLUMNS = {"agg_quarantine_by_rule": ("rows_received", "affected_rate")}
# logs of runs, not data: the ingestion log (batches are cut per run, not per day of data), the alerts, and the
# supervision model's run log (a row per dbt invocation that built it)
RUN_TABLES = ("fct_ingestion_batches", "agg_source_freshness", "log_pipeline_alerts", "fct_supervision_model_runs")


def _compared(table: str, column: str) -> bool:
    return not (column in RUN_COLUMNS or column.endswith(LOAD_TIME_SUFFIX)
                or column in RUN_TABLE_COLUMNS.get(table, ()))


def _fingerprints(data_dir: Path) -> dict[str, dict[str, tuple[int, str]]]:
    """Every served table's columns (but the per-run ones): row count and an order-free digest of the values."""
    from common.settings import Settings
    from serving import reader

    prints: dict[str, dict[str, tuple[int, str]]] = {}
    with reader.session(Settings(data_dir=data_dir)) as s:
        tables = [r["table_name"] for r in s.rows(
            "select table_name from information_schema.tables where table_schema = 'main'")]
        for table in tables:
            if table in RUN_TABLES or table.startswith("_"):
                continue
            cols = [r["column_name"] for r in s.rows(
                f"select column_name from information_schema.columns where table_name = '{table}' "
                "and table_schema = 'main' order by ordinal_position") if _compared(table, r["column_name"])]
            prints[table] = {}
            for col in cols:
                row = s.rows(f"select count(*) as n, coalesce(md5(string_agg(v, '|' order by v)), '') as digest "
                             f'from (select cast("{col}" as varchar) as v from "{table}")')[0]
                prints[table][col] = (row["n"], row["digest"])
    return prints


@pytest.mark.timeout(2400)
def test_backfill_gives_the_same_marts_as_day_by_day(day_by_day: Orchestrated, tmp_path: Path) -> None:
    """`airflow backfill create` of every ingest DAG over the same two days (the sources simulated through the last
    day once) gives the marts the day-by-day run gave."""
    with _orchestrate(tmp_path / "backfill", "--backfill") as backfill:
        runs = _runs(backfill.metadata_db)
    assert {state for _, _, state, *_ in runs} == {"success"}, runs
    for source in ("minyi", "pingan", "zhengfa", "community", "video", "zhengfa_files"):
        mine = sorted((kind, day) for dag, kind, _, day, *_ in runs if dag == f"ingest_{source}")
        # one backfill run per day; the scheduler made no run of its own (the simulated year is over)
        assert mine == [("backfill", "2024-12-30"), ("backfill", "2024-12-31")], (source, mine)
    assert sum(1 for r in runs if r[0] == "simulate_sources") == 1
    assert "backfill 2024-12-30..2024-12-31: created for 6 ingest DAGs" in backfill.out

    expected, got = _fingerprints(day_by_day.data_dir), _fingerprints(backfill.data_dir)
    assert len(expected) > 30 and set(got) == set(expected)
    differ = {t: [c for c in expected[t] if expected[t][c] != got[t].get(c)] for t in sorted(expected)}
    assert {t: cols for t, cols in differ.items() if cols} == {}
    assert next(iter(expected["fct_indicator_values"].values()))[0] > 0


def run_govlake_any(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI, whatever its exit code (`kpi --reconcile` exits 1 on any mismatch)."""
    return subprocess.run([sys.executable, "-m", "govlake.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(1200)
def test_orchestrate_runs_a_simulated_day_on_celery_with_redis(metadata_db: str, tmp_path: Path) -> None:
    """The same on the CeleryExecutor: tasks go through Redis to a Celery worker, on this installation's own queue."""
    with socket.socket() as s:
        s.settimeout(1)
        if s.connect_ex(("127.0.0.1", 6379)) != 0:
            if os.environ.get("CI") == "true":
                pytest.fail("Redis is not reachable on 127.0.0.1:6379")
            pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    env = govlake_env(tmp_path, AIRFLOW_DATABASE_URL=metadata_db, GOVLAKE_TASK_RETRIES="0")
    proc = run_govlake(env, "orchestrate", "--days", "1", "--last-day", "2024-12-31", "--scale", SCALE,
                       "--executor", "CeleryExecutor", timeout=1100)
    assert "celery-worker up" in proc.stderr
    import psycopg

    with psycopg.connect(metadata_db) as con:
        runs = con.execute("select dag_id, state from dag_run").fetchall()
        queues = {q for (q,) in con.execute("select distinct queue from task_instance").fetchall()}
        tis = con.execute("select count(*) from task_instance where state = 'success'").fetchone()
    assert {state for _, state in runs} == {"success"}, runs
    assert {"simulate_sources", "transform", "publish", "ingest_community"} <= {dag for dag, _ in runs}
    assert len(queues) == 1 and next(iter(queues)).startswith("govlake_")  # our own queue on the shared Redis
    assert tis and tis[0] >= 10
    import redis

    queue = next(iter(queues))
    redis.Redis(host="127.0.0.1", port=6379, db=0).delete(queue, f"_kombu.binding.{queue}")
