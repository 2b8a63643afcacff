"""The transform task: the one `dbt build` (`govlake transform`), then dbt's per-node results surfaced in Airflow.

After the command, the build's `run_results.json` ($DATA_DIR/dbt/target, where `govlake transform` has dbt write
it) becomes a table in the task log and a compact per-node summary in XCom (key `dbt_nodes`: unique_id, status,
execution_time, and failures/message for the nodes that did not pass; key `dbt_summary`: counts per status). When
the build fails, the task's error — and so the alert its failure callback records — names the failing models and
tests. Reading a JSON file needs nothing of the core environment, so this stays in the DAGs' shared code.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk.exceptions import AirflowException

# statuses of nodes that did not pass: a model/seed `error`, a test `fail` (or `error`), a `warn` is reported too
NOT_PASSED = ("error", "fail", "runtime error")
REPORTED = (*NOT_PASSED, "warn")


def run_results_path() -> Path:
    data_dir = Path(os.environ.get("DATA_DIR") or Path(__file__).resolve().parents[2] / "var")
    return data_dir / "dbt" / "target" / "run_results.json"


def node_summary(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One compact row per node of a dbt run_results.json, in execution order."""
    rows = []
    for r in results.get("results", []):
        row: dict[str, Any] = {"unique_id": r.get("unique_id"), "status": str(r.get("status")),
                               "execution_time": round(float(r.get("execution_time") or 0.0), 3)}
        if row["status"] in REPORTED:
            row["failures"] = r.get("failures")
            row["message"] = (r.get("message") or "")[:500]
        rows.append(row)
    return rows


def failed_nodes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["status"] in NOT_PASSED]


def format_table(rows: list[dict[str, Any]]) -> str:
    width = max((len(r["unique_id"] or "") for r in rows), default=10)
    lines = [f"{'status':<8} {'seconds':>8}  {'node':<{width}}  failures / message"]
    for r in rows:
        extra = ""
        if r["status"] in REPORTED:
            extra = f"{r.get('failures') if r.get('failures') is not None else '-'} / {r.get('message') or ''}"
        lines.append(f"{r['status']:<8} {r['execution_time']:>8.2f}  {r['unique_id'] or '':<{width}}  {extra}")
    return "\n".join(lines)


def describe_failures(rows: list[dict[str, Any]], limit: int = 10) -> str:
    failed = failed_nodes(rows)
    named = "; ".join(f"{r['unique_id']} ({r['status']}"
                      + (f", {r['failures']} 行不通过" if r.get("failures") else "") + ")" for r in failed[:limit])
    more = f" 等 {len(failed)} 个" if len(failed) > limit else ""
    return f"dbt 失败节点{more}: {named}"


class DbtBuildOperator(BashOperator):
    """`govlake transform` as a bash command, followed by the build's per-node results (see the module doc)."""

    def execute(self, context: Any) -> Any:
        started = time.time()
        error: Exception | None = None
        result = None
        try:
            result = super().execute(context)
        except Exception as exc:  # the command's non-zero exit (or a kill): reported below, then re-raised
            error = exc
        rows = self._results(started)
        ti = context["ti"]
        if rows is None:
            self.log.info("no dbt build ran in this task (nothing new to build, or dbt did not start)")
        else:
            counts: dict[str, int] = {}
            for r in rows:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            self.log.info("dbt per-node results (%d nodes: %s):\n%s", len(rows),
                          ", ".join(f"{k}={v}" for k, v in sorted(counts.items())), format_table(rows))
            ti.xcom_push(key="dbt_nodes", value=rows)
            ti.xcom_push(key="dbt_summary", value={"nodes": len(rows), "by_status": counts,
                                                   "seconds": round(sum(r["execution_time"] for r in rows), 2),
                                                   "failed": [r["unique_id"] for r in failed_nodes(rows)]})
        if error is not None:
            if rows and failed_nodes(rows):
                raise AirflowException(f"{describe_failures(rows)} — {error}") from error
            raise error
        return result

    def _results(self, started: float) -> list[dict[str, Any]] | None:
        """This build's nodes; None when run_results.json was not written since the task started."""
        path = run_results_path()
        try:
            if path.stat().st_mtime < started - 1:
                return None
            return node_summary(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            self.log.warning("could not read dbt's run results %s: %s", path, exc)
            return None
