"""A failing transform: the task fails for good, an alert is recorded, and the previous snapshot keeps serving.

The failure is a real one: another process holds the warehouse's write lock (what the writer pool exists to
prevent), so dbt cannot open it. The DAGs run with `airflow dags test` on SQLite metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from common.settings import Settings
from serving import reader
from tests.conftest import govlake_env, run_govlake
from tests.integration.test_airflow_dags import AIRFLOW, _airflow_env, _check, _run

pytestmark = pytest.mark.integration


def _served(data_dir: Path) -> tuple[int, int]:
    with reader.session(Settings(data_dir=data_dir)) as s:
        return s.snapshot, s.rows("select count(*) as n from fct_tickets")[0]["n"]


@pytest.mark.timeout(900)
def test_failed_transform_alerts_and_leaves_the_previous_snapshot_serving(tmp_path: Path) -> None:
    if not AIRFLOW.exists():
        pytest.skip(f"Airflow environment missing ({AIRFLOW})")
    data_dir = tmp_path / "data"
    env = govlake_env(data_dir)
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002", "--as-of", "2024-06-30T23:59:59")
    for step in (("ingest", "minyi", "--day", "2024-06-30"), ("transform",), ("publish",)):
        run_govlake(env, *step)
    before = _served(data_dir)
    # no alert yet, no ledger file: the alerts mart is built and served, empty
    assert not (data_dir / "alerts").exists()
    with reader.session(Settings(data_dir=data_dir)) as s:
        assert s.rows("select count(*) as n from log_pipeline_alerts")[0]["n"] == 0
    # the next day's tickets arrive: there is something to build
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002", "--as-of", "2024-07-31T23:59:59")
    run_govlake(env, "ingest", "minyi", "--day", "2024-07-31")

    home = tmp_path / "airflow_home"
    af = _airflow_env(home, data_dir)
    _check(_run([str(AIRFLOW), "db", "migrate"], af, timeout=300))
    _check(_run([str(AIRFLOW), "pools", "set", "govlake_writer", "1", "writers"], af, timeout=120))

    warehouse = Settings(data_dir=data_dir).warehouse_path
    holder = duckdb.connect(str(warehouse))  # a rogue writer outside the pool holds the lock
    try:
        proc = _run([str(AIRFLOW), "dags", "test", "transform"], af, timeout=600)
    finally:
        holder.close()
    assert proc.returncode != 0, proc.stdout[-3000:]

    # the alert: a record for the failed task, and a log line
    alerts = [json.loads(line) for line in (data_dir / "alerts" / "airflow.jsonl").read_text().splitlines()]
    assert [(a["kind"], a["dag_id"], a["task_id"]) for a in alerts] == [("task_failed", "transform", "transform")]
    assert "最终失败" in alerts[0]["message"]
    assert alerts[0]["source"] is None  # the transform is no one source's
    assert "GOVLAKE ALERT task_failed" in proc.stdout + proc.stderr
    # nothing was published: readers still see the previous snapshot, with the same rows
    assert _served(data_dir) == before
