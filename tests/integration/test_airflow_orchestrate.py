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
from pathlib import Path

import pytest

from tests.conftest import govlake_env, run_govlake
from tests.integration.test_airflow_dags import AIRFLOW

pytestmark = pytest.mark.integration

SCALE = "0.002"


def _require_postgres() -> None:
    with socket.socket() as s:
        s.settimeout(1)
        if s.connect_ex(("127.0.0.1", 5432)) == 0:
            return
    if os.environ.get("CI") == "true":
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432")
    pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


@pytest.fixture
def metadata_db() -> Iterator[str]:
    if not AIRFLOW.exists():
        pytest.skip(f"Airflow environment missing ({AIRFLOW})")
    _require_postgres()
    import psycopg

    name = f"govlake_orchestrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"create database {name}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f"drop database if exists {name} with (force)")


# about 8 minutes on 2 busy cores: most of it two dbt builds per day (each with its fixed ~30 s start)
@pytest.mark.timeout(1500)
def test_orchestrate_runs_two_simulated_days_on_postgres(metadata_db: str, tmp_path: Path) -> None:
    env = govlake_env(tmp_path, AIRFLOW_DATABASE_URL=metadata_db, GOVLAKE_TASK_RETRIES="0")
    env.pop("AIRFLOW_API_PORT", None)
    proc = run_govlake(env, "orchestrate", "--days", "2", "--last-day", "2024-12-31", "--scale", SCALE, timeout=1400)
    out = proc.stdout + proc.stderr
    # every DAG ran through the scheduler: one run per source and day, transform and publish on the Assets
    import psycopg

    with psycopg.connect(metadata_db) as con:
        runs = con.execute("select dag_id, run_type, state, logical_date::date::text from dag_run").fetchall()
        tis = con.execute("select dag_id, task_id, state from task_instance").fetchall()
    assert {state for *_, state, _ in runs} == {"success"}, runs
    for source in ("minyi", "pingan", "zhengfa", "community", "video", "zhengfa_files"):
        days = sorted(day for dag, _, _, day in runs if dag == f"ingest_{source}")
        assert days == ["2024-12-30", "2024-12-31"], (source, days)
    assert sorted(day for dag, _, _, day in runs if dag == "simulate_sources") == ["2024-12-30", "2024-12-31"]
    for dag_id in ("transform", "publish"):
        kinds = {kind for dag, kind, _, _ in runs if dag == dag_id}
        assert kinds == {"asset_triggered"}, (dag_id, kinds)
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
