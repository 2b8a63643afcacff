"""dbt's per-node results in Airflow, and the alerts ledger as a mart.

A copy of the dbt project gets a data test that fails on purpose; the transform DAG (`airflow dags test`, SQLite
metadata) runs the one `dbt build` on it and fails: the task log holds the per-node table, XCom the per-node
summary, and the alert names the failing test. The `source_freshness` DAG then finds 民意速办 past an expectation
tightened to seconds and records a `freshness_breach` alert (with the real expectation of 2 hours it records none).
The next build, on the real project, turns the ledger into `log_pipeline_alerts`, served after publish.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from common.settings import REPO_ROOT as REPO
from tests.conftest import govlake_env, run_govlake
from tests.integration.test_airflow_dags import AIRFLOW, _airflow_env, _check, _run

pytestmark = pytest.mark.integration

FAILING_TEST = "deliberately_failing_for_the_airflow_test"


def _project_with_a_failing_test(tmp_path: Path) -> Path:
    copy = tmp_path / "dbt_project"
    shutil.copytree(REPO / "dbt_project", copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    # a singular data test fails when it returns rows: three tickets
    (copy / "tests" / f"{FAILING_TEST}.sql").write_text(
        "-- fails on purpose (tests/integration/test_airflow_alerts.py)\n"
        "select * from {{ ref('stg_minyi__tickets') }} limit 3\n")
    return copy


def _xcom(home: Path, dag_id: str, key: str) -> object:
    with sqlite3.connect(home / "airflow.db") as con:
        rows = con.execute("select value from xcom where dag_id = ? and key = ?", (dag_id, key)).fetchall()
    assert len(rows) == 1, (dag_id, key, rows)
    value = rows[0][0]
    return json.loads(value) if isinstance(value, str | bytes) else value


def _alerts(data_dir: Path) -> list[dict]:
    path = data_dir / "alerts" / "airflow.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.timeout(1200)
def test_a_failing_dbt_test_is_named_and_alerts_reach_the_quality_mart(tmp_path: Path) -> None:
    if not AIRFLOW.exists():
        pytest.skip(f"Airflow environment missing ({AIRFLOW})")
    data_dir = tmp_path / "data"
    env = govlake_env(data_dir)
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002", "--as-of", "2024-06-30T23:59:59")
    run_govlake(env, "ingest", "minyi", "--day", "2024-06-30")

    home = tmp_path / "airflow_home"
    af = _airflow_env(home, data_dir, GOVLAKE_DBT_PROJECT_DIR=str(_project_with_a_failing_test(tmp_path)))
    _check(_run([str(AIRFLOW), "db", "migrate"], af, timeout=300))
    _check(_run([str(AIRFLOW), "pools", "set", "govlake_writer", "1", "writers"], af, timeout=120))

    # the one dbt build fails on the test
    proc = _run([str(AIRFLOW), "dags", "test", "transform"], af, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    failing_id = f"test.govlake.{FAILING_TEST}"
    # the task log: the per-node table, the failing test on its line with its failure count
    assert "dbt per-node results" in out, out[-3000:]
    assert any(failing_id in line and line.lstrip().startswith("fail") and " 3 / " in line
               for line in out.splitlines()), out[-3000:]
    # XCom: every node of the build, compact; the failing one with its failures and message
    nodes = _xcom(home, "transform", "dbt_nodes")
    assert isinstance(nodes, list) and len(nodes) > 50
    by_id = {n["unique_id"]: n for n in nodes}
    assert by_id[failing_id]["status"] == "fail" and by_id[failing_id]["failures"] == 3
    assert by_id["model.govlake.stg_minyi__tickets"]["status"] == "success"
    assert "message" not in by_id["model.govlake.stg_minyi__tickets"]  # compact: messages only where it failed
    assert all(set(n) >= {"unique_id", "status", "execution_time"} for n in nodes)
    summary = _xcom(home, "transform", "dbt_summary")
    assert isinstance(summary, dict) and summary["failed"] == [failing_id] and summary["nodes"] == len(nodes)
    # the alert names the failing test
    alerts = _alerts(data_dir)
    assert [(a["kind"], a["dag_id"], a["task_id"]) for a in alerts] == [("task_failed", "transform", "transform")]
    assert failing_id in alerts[0]["message"] and "3 行不通过" in alerts[0]["message"]

    # source freshness: 民意速办 was loaded minutes ago — within its 2 hours, no alert
    fresh = dict(af)
    fresh.pop("GOVLAKE_DBT_PROJECT_DIR")
    _check(_run([str(AIRFLOW), "dags", "test", "source_freshness"], fresh, timeout=600))
    assert len(_alerts(data_dir)) == 1
    # held to an expectation of one second it is late: an alert naming the source
    time.sleep(2)
    proc = _run([str(AIRFLOW), "dags", "test", "source_freshness"], {**fresh, "GOVLAKE_FRESHNESS_SECONDS": "minyi=1"},
                timeout=600)
    _check(proc)
    breach = _alerts(data_dir)[1:]
    assert [(a["kind"], a["dag_id"], a["source"]) for a in breach] == [
        ("freshness_breach", "source_freshness", "minyi")], breach
    assert "超过期望时效" in breach[0]["message"]

    # the next build (the real project) reads the ledger into the quality mart; publish serves it
    run_govlake(env, "transform")
    # the copy's saved parse was not reused: it holds the copy's paths (seeds are loaded from there)
    manifest = json.loads((data_dir / "dbt" / "target" / "manifest.json").read_text())
    roots = {n["root_path"] for n in manifest["nodes"].values() if n["resource_type"] == "seed"}
    assert roots == {str(REPO / "dbt_project")}, roots
    run_govlake(env, "publish")
    rows = json.loads(run_govlake(env, "sql", "select alert_id, kind, kind_name, dag_id, task_id, source_system, "
                                  "message, alert_date from log_pipeline_alerts order by alert_id",
                                  "--format", "json").stdout)
    assert [(r["alert_id"], r["kind"], r["kind_name"], r["dag_id"], r["task_id"], r["source_system"]) for r in rows] \
        == [("airflow:1", "task_failed", "任务失败", "transform", "transform", None),
            ("airflow:2", "freshness_breach", "来源时效超期", "source_freshness", "freshness", "minyi")]
    assert failing_id in rows[0]["message"]
    assert str(rows[1]["alert_date"])[:10] == time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
