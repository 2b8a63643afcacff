"""What analysts and engineers type: `govlake sql` (read-only) and `govlake bench`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, govlake_env, run_govlake

pytestmark = pytest.mark.integration


def _govlake(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govlake.cli", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, check=False, timeout=600)


def test_sql_answers_from_the_published_snapshot(published_env: dict[str, Any]) -> None:
    out = run_govlake(published_env["env"], "sql", "--format", "json",
                      "select street_name, sum(tickets) as n from agg_tickets_monthly_by_street "
                      "group by street_name order by n desc").stdout
    rows = json.loads(out)
    assert len(rows) == 6 and {r["street_name"] for r in rows} >= {"观澜", "民治"}


def test_sql_refuses_writes_and_reports_errors_without_a_traceback(published_env: dict[str, Any]) -> None:
    proc = _govlake(published_env["env"], "sql", "delete from fct_tickets")
    assert proc.returncode == 1
    assert "read-only" in proc.stderr and "Traceback" not in proc.stderr
    proc = _govlake(published_env["env"], "sql", "select * from no_such_table")
    assert proc.returncode == 1 and "no_such_table" in proc.stderr


def test_sql_shell_reads_statements_until_semicolon(published_env: dict[str, Any]) -> None:
    proc = subprocess.run([sys.executable, "-m", "govlake.cli", "sql"], env=published_env["env"], cwd=REPO,
                          input="select count(*)\n  as n from ref_streets;\n.quit\n", capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0
    assert "6" in proc.stdout


def test_bench_prints_a_table_and_json_for_every_stage(tmp_path: Path) -> None:
    # thirteen stages, three of them full dbt builds (about 5 minutes on 2 idle cores)
    # the servers' figures (API load, dashboards, Airflow) have their own tests: test_api_bench, e2e, airflow
    proc = run_govlake(govlake_env(tmp_path), "bench", "--scale", "0.002", "--no-servers",
                       "--out", str(tmp_path / "bench.json"), timeout=1500)
    assert "rows/s" in proc.stdout and "peak RSS MiB" in proc.stdout
    report = json.loads((tmp_path / "bench.json").read_text())
    stages = {s["stage"]: s for s in report["stages"]}
    assert list(stages) == ["simulate", "ingest", "ingest (no change)", "dbt parse (full)", "transform", "publish",
                            "catalog", "simulate (next day)", "ingest (next day)", "transform (next day)",
                            "publish (next day)", "catalog (next day)", "transform (full refresh)"]
    assert set(report["ratios"]) == {"incremental daily build vs full rebuild", "next-day ingest vs first ingest",
                                     "daily publish vs cold publish", "daily publish vs cold publish, in the process"}
    assert 0 < stages["publish (next day)"]["in_process_seconds"] < stages["publish (next day)"]["seconds"]
    assert report["source_change_to_servable_seconds"] == pytest.approx(
        sum(stages[s]["seconds"] for s in ("ingest (next day)", "transform (next day)", "publish (next day)")),
        abs=0.01)
    assert report["read_latency"]["median_ms"] > 0
    # DuckLake's own cost of a commit of as many tables as the daily publish changed, printed beside the ratio
    floor = report["publish_floor"]
    assert floor["tables"] > 0 and 0 < floor["seconds"] < 1.5 * stages["publish (next day)"]["in_process_seconds"]
    assert "publish floor" in proc.stdout
    assert "source change to servable" in proc.stdout
    assert report["kpi_reconciliation"]["indicators"] == 45
    assert "incremental daily build vs full rebuild" in proc.stderr + proc.stdout
    assert stages["ingest"]["rows"] > 2000 and stages["ingest"]["rows_per_s"] > 0
    assert stages["ingest (no change)"]["rows"] == 0
    assert 0 < stages["ingest (next day)"]["rows"] < stages["ingest"]["rows"] / 10, "a day costs a day"
    assert stages["ingest"]["verdict"] == "n/a below scale 1.0" and "rows/s" in stages["ingest"]["target"]
    assert all(s["peak_rss_mib"] > 10 for s in stages.values())


def test_quality_report_matches_the_manifests(published_env: dict[str, Any]) -> None:
    from simulator.context import GroundTruth

    report = {r["entity"]: r for r in json.loads(run_govlake(published_env["env"], "quality", "--json").stdout)}
    truth = GroundTruth.read(published_env["data_dir"] / "sources" / "truth.json")
    tickets = report["tickets"]
    assert tickets["reconciled"] and tickets["received"] == tickets["bronze"] + tickets["quarantined"]
    assert tickets["received"] == truth.counts["minyi.ticket"]
    assert tickets["quarantined"] == len(truth.anomalies_of("minyi", "ticket"))
    assert sum(tickets["rejections_by_rule"].values()) >= tickets["quarantined"]
