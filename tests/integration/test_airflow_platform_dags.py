"""The platform's DAG bag: every source on its cadence, Assets from bronze to serving, writers in one pool.

Parsed by Airflow's own BundleDagBag in the Airflow environment (what the dag-processor does), with production
settings (clock schedules on) and with simulated time (`govlake orchestrate`: clock schedules off).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_airflow_dags import AIRFLOW_PY, DAGS, WRITER_POOL, _airflow_env, _check, _run

pytestmark = pytest.mark.integration

SOURCES = ("minyi", "pingan", "zhengfa", "community", "video", "zhengfa_files")

_INSPECT = """
import json, sys
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag
from airflow.serialization.serialized_objects import DagSerialization

dags = Path(sys.argv[1])
bag = BundleDagBag(dag_folder=dags, bundle_path=dags, bundle_name="dags-folder")

def schedule(dag):
    s = dag.schedule
    if s is None or isinstance(s, str):
        return s
    if type(s).__name__ == "AssetOrTimeSchedule":  # Assets, or a clock
        return {"cron": s.timetable.expression, "any_of": type(s.asset_condition).__name__,
                "assets": sorted(a.uri for a in s.asset_condition.objects)}
    return {"all": type(s).__name__ == "AssetAll", "assets": sorted(a.uri for a in getattr(s, "objects", s))}

out = {"import_errors": bag.import_errors, "dags": {}}
for dag_id, dag in bag.dags.items():
    DagSerialization.to_dict(dag)  # what the dag-processor stores: must not raise
    out["dags"][dag_id] = {
        "schedule": schedule(dag),
        "owner": dag.owner,
        "tags": sorted(dag.tags),
        "doc_md": dag.doc_md or "",
        "max_active_runs": dag.max_active_runs,
        "paused_on_creation": dag.is_paused_upon_creation,
        "end_date": dag.end_date.isoformat() if dag.end_date else None,
        "timeout": dag.dagrun_timeout.total_seconds() if dag.dagrun_timeout else None,
        "run_failure_alert": bool(dag.on_failure_callback),
        "tasks": {
            t.task_id: {
                "type": type(t).__name__,
                "upstream": sorted(t.upstream_task_ids),
                "pool": t.pool,
                "retries": t.retries,
                "backoff": t.retry_exponential_backoff,
                "on_failure": bool(t.on_failure_callback),
                "soft_fail": getattr(t, "soft_fail", None),
                "mode": getattr(t, "mode", None),
                "command": getattr(t, "bash_command", None),
                "outlets": [a.uri for a in t.outlets],
                "trigger_rule": getattr(t.trigger_rule, "value", str(t.trigger_rule)),
            }
            for t in dag.tasks
        },
    }
print(json.dumps(out))
"""


def _bag(tmp_path: Path, **env: str) -> dict:
    environment = _airflow_env(tmp_path / "airflow_home", tmp_path / "data", GOVLAKE_BIN="/opt/govlake/bin/govlake",
                               **env)
    environment.pop("GOVLAKE_TASK_RETRIES")
    out = _check(_run([str(AIRFLOW_PY), "-c", _INSPECT, str(DAGS)], environment, timeout=180))
    info = json.loads(out.strip().splitlines()[-1])
    assert info["import_errors"] == {}
    return info["dags"]


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_source_has_an_ingest_dag_on_its_cadence(tmp_path: Path) -> None:
    dags = _bag(tmp_path)
    expected = {"minyi": "5 * * * *", "community": "15 * * * *", "pingan": "30 1 * * *", "zhengfa": "45 1 * * *"}
    for source in SOURCES:
        dag = dags[f"ingest_{source}"]
        if source in expected:
            assert dag["schedule"] == expected[source], source
        tasks = dag["tasks"]
        ingest = tasks["ingest"]
        # the data interval reaches the CLI: a rerun or backfill of a day ingests exactly that day
        assert ingest["command"] == f"/opt/govlake/bin/govlake ingest {source} --day {{{{ ds }}}}"
        uri = "govlake://bronze/minyi/tickets" if source == "minyi" else f"govlake://bronze/{source}"
        assert ingest["outlets"] == [uri]
        assert dag["owner"] == "govlake" and {"govlake", "ingest", source} <= set(dag["tags"])
        assert _has_chinese(dag["doc_md"]) and "--day" in dag["doc_md"]
        assert dag["timeout"] and dag["run_failure_alert"], f"{source}: no freshness expectation"
        assert dag["max_active_runs"] == 1
    # the file drops wait for their file, in reschedule mode, and skip (not fail) when none arrives
    for source, needle in (("video", "video/status/{{ ds }}.jsonl.gz"), ("zhengfa_files", "zhengfa/court/monthly_")):
        tasks = dags[f"ingest_{source}"]["tasks"]
        sensor = tasks["wait_for_drop"]
        assert sensor["type"] == "BashSensor" and sensor["mode"] == "reschedule" and sensor["soft_fail"] is True
        assert needle in sensor["command"]
        assert tasks["ingest"]["upstream"] == ["wait_for_drop"]
        # a drop that never came still lets the ingest run (it takes what arrived) and emit the day's bronze event
        assert tasks["ingest"]["trigger_rule"].endswith("none_failed")


def test_assets_chain_bronze_to_serving_and_writers_share_one_pool(tmp_path: Path) -> None:
    dags = _bag(tmp_path)
    bronze = sorted(t["outlets"][0] for d, dag in dags.items() if d.startswith("ingest_")
                    for t in dag["tasks"].values() if t["outlets"])
    assert len(bronze) == len(SOURCES)
    # one transform DAG once every bronze Asset was updated (the day's burst of ingests done), or hourly by the clock;
    # publish on the marts; the serving Asset at the end
    assert dags["transform"]["schedule"] == {"cron": "40 * * * *", "any_of": "AssetAll", "assets": bronze}
    assert dags["transform"]["tasks"]["transform"]["outlets"] == ["govlake://warehouse/marts"]
    assert dags["transform"]["tasks"]["transform"]["type"] == "DbtBuildOperator"
    assert dags["publish"]["schedule"] == {"all": False, "assets": ["govlake://warehouse/marts"]}
    assert dags["publish"]["tasks"]["publish"]["outlets"] == ["govlake://serving/snapshot"]
    # DuckDB and bronze rewrites: one writer at a time
    for dag_id, task_id in (("transform", "transform"), ("publish", "publish"), ("compact", "compact")):
        assert dags[dag_id]["tasks"][task_id]["pool"] == WRITER_POOL
    for dag_id in ("ingest_minyi", "quality_report", "source_freshness"):
        assert all(t["pool"] != WRITER_POOL for t in dags[dag_id]["tasks"].values())
    # housekeeping on its own clock
    assert dags["compact"]["schedule"] == "0 3 * * 0"
    assert dags["source_freshness"]["tasks"]["freshness"]["command"] == "/opt/govlake/bin/govlake freshness"
    assert dags["quality_report"]["tasks"]["quality"]["command"] == "/opt/govlake/bin/govlake quality"


def test_every_task_retries_with_backoff_and_alerts_on_final_failure(tmp_path: Path) -> None:
    dags = _bag(tmp_path)
    for dag_id, dag in dags.items():
        assert dag["owner"] == "govlake", dag_id
        assert _has_chinese(dag["doc_md"]), dag_id
        for task_id, task in dag["tasks"].items():
            assert task["on_failure"], f"{dag_id}.{task_id}"
            if task["type"] in ("BashOperator", "DbtBuildOperator"):
                assert task["retries"] >= 1 and task["backoff"] > 1, f"{dag_id}.{task_id}"
                assert task["command"].startswith("/opt/govlake/bin/govlake "), f"{dag_id}.{task_id}"


def test_simulated_time_turns_the_clock_off(tmp_path: Path) -> None:
    production = _bag(tmp_path)
    simulated = _bag(tmp_path, GOVLAKE_SIMULATED_TIME="1")
    assert production["simulate_sources"]["paused_on_creation"] is True
    assert production["simulate_sources"]["schedule"] is None
    assert "--as-of {{ ds }}T23:59:59" in production["simulate_sources"]["tasks"]["simulate"]["command"]
    for dag_id, dag in simulated.items():
        if dag_id.startswith("ingest_"):  # one run per simulated day (for backfills), never past the simulated year
            assert dag["schedule"] == "0 12 * * *" and dag["end_date"] == "2024-12-31T15:59:59+00:00", dag_id
            assert production[dag_id]["end_date"] is None
        elif dag_id == "transform":  # the day's burst only, no clock
            assert dag["schedule"] == {"all": True, "assets": production[dag_id]["schedule"]["assets"]}
        elif isinstance(production[dag_id]["schedule"], str):  # a cron: off in simulated time
            assert dag["schedule"] is None, dag_id
        else:  # Asset schedules stay
            assert dag["schedule"] == production[dag_id]["schedule"], dag_id
