"""The bench's Airflow stage: what orchestration costs on top of the commands it runs.

Reads what `govlake orchestrate` left behind — its DAG runs and task instances (DATA_DIR/airflow/orchestrate_runs.json)
and the task logs — and reports per DAG the wall time of its runs, and per task the orchestration overhead: the task
instance's wall time minus the time its command ran (from the BashOperator's "Running command" to its "Command
exited" log lines). The overhead is what Airflow adds: queueing in the executor, starting the task process, parsing
the DAG file, the Execution API round trips.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from common.settings import Settings

STAGE = "airflow (orchestrate 1 day)"
STAGE_ARGS = ["orchestrate", "--days", "1", "--scale", "{scale}"]


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def command_seconds(log: Path) -> float | None:
    """Seconds between the BashOperator starting its command and the command exiting, from the task's JSON log."""
    if not log.exists():
        return None
    started = ended = None
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        text = str(event.get("event", ""))
        if text.startswith("Running command:") and started is None:
            started = _ts(event["timestamp"])
        elif text.startswith("Command exited with return code"):
            ended = _ts(event["timestamp"])
    return (ended - started).total_seconds() if started and ended else None


def report(settings: Settings) -> dict[str, Any]:
    home = settings.data_dir.resolve() / "airflow"
    runs = json.loads((home / "orchestrate_runs.json").read_text())
    dags: dict[str, dict[str, Any]] = defaultdict(lambda: {"runs": 0, "wall_seconds": 0.0, "tasks": []})
    for run in runs:
        dag = dags[run["dag_id"]]
        dag["runs"] += 1
        dag["wall_seconds"] += run["seconds"] or 0.0
        for t in run["task_times"]:
            if not (t["start"] and t["end"]) or t["state"] != "success":
                continue  # skipped sensors and their ingests ran no command
            wall = (_ts(t["end"]) - _ts(t["start"])).total_seconds()
            log = (home / "logs" / f"dag_id={run['dag_id']}" / f"run_id={run['run_id']}" / f"task_id={t['task_id']}"
                   / f"attempt={t['try_number']}.log")
            command = command_seconds(log)
            dag["tasks"].append({"task_id": t["task_id"], "wall_seconds": round(wall, 2),
                                 "command_seconds": None if command is None else round(command, 2),
                                 "overhead_seconds": None if command is None else round(wall - command, 2)})
    out = []
    for dag_id, dag in dags.items():
        measured = [t for t in dag["tasks"] if t["overhead_seconds"] is not None]
        out.append({"dag_id": dag_id, "runs": dag["runs"], "wall_seconds": round(dag["wall_seconds"], 2),
                    "tasks": len(dag["tasks"]),
                    "overhead_per_task_seconds": round(sum(t["overhead_seconds"] for t in measured) / len(measured), 2)
                    if measured else None,
                    "task_detail": dag["tasks"]})
    return {"dags": out}


def print_report(airflow: dict[str, Any], write: Any) -> None:
    write("airflow: DAG wall time and orchestration overhead per task (task wall − command time)")
    write(f"  {'dag':<22} {'runs':>4} {'wall s':>8} {'tasks':>5} {'overhead s/task':>16}")
    for d in airflow["dags"]:
        overhead = "–" if d["overhead_per_task_seconds"] is None else f"{d['overhead_per_task_seconds']:.2f}"
        write(f"  {d['dag_id']:<22} {d['runs']:>4} {d['wall_seconds']:>8.1f} {d['tasks']:>5} {overhead:>16}")
