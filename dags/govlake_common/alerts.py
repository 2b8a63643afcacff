"""Alerts from Airflow: a task's final failure and a failed or overdue run become a log line and a record.

The record is one JSON line in `$DATA_DIR/alerts/airflow.jsonl` (the alerts ledger beside the lake, kept by the
platform rather than by Airflow's metadata, so it survives a metadata reset and is readable without Airflow).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("govlake.alerts")


def alerts_file() -> Path:
    data_dir = Path(os.environ.get("DATA_DIR") or Path(__file__).resolve().parents[2] / "var")
    return data_dir / "alerts" / "airflow.jsonl"


def record(kind: str, dag_id: str, task_id: str | None, run_id: str | None, message: str,
           source: str | None = None) -> dict[str, Any]:
    """Append one alert (KIND: task_failed, run_failed, freshness_deadline, freshness_breach); SOURCE names the source
    system concerned where there is one (the ledger is read into the `log_pipeline_alerts` mart)."""
    if source is None and dag_id.startswith("ingest_"):
        source = dag_id.removeprefix("ingest_")
    row = {"recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), "kind": kind, "dag_id": dag_id,
           "task_id": task_id, "run_id": run_id, "source": source, "message": message}
    path = alerts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    log.error("GOVLAKE ALERT %s: %s.%s run %s: %s", kind, dag_id, task_id or "-", run_id or "-", message)
    return row


def record_task_failure(context: Any) -> None:
    """on_failure_callback: runs once the task has failed for good (after its last retry)."""
    ti = context["ti"]
    error = context.get("exception")
    record("task_failed", ti.dag_id, ti.task_id, ti.run_id,
           f"任务最终失败（已重试 {max(ti.try_number - 1, 0)} 次）: {error!s}"[:2000])


def record_run_failure(context: Any) -> None:
    """DAG-level on_failure_callback: a run failed, or ran past its freshness expectation (dagrun_timeout)."""
    run = context["dag_run"]
    reason = str(context.get("reason") or "")
    kind = "freshness_deadline" if "timed_out" in reason else "run_failed"
    record(kind, run.dag_id, None, run.run_id, f"运行失败: {reason}" if reason else "运行失败")
