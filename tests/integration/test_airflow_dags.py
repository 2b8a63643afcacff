"""Airflow DAGs: they import cleanly in the Airflow environment, and the 民意速办 slice runs end to end.

Airflow lives in its own environment (envs/airflow, DESIGN decision 1), so these tests drive it via subprocess
from the core environment's pytest. The end-to-end run uses the real `govlake` CLI of the core environment,
SQLite Airflow metadata and a DATA_DIR in a temp dir, and checks the published DuckDB snapshot a reader
would open.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
AIRFLOW_VENV = REPO / "envs" / "airflow" / ".venv"
AIRFLOW_PY = AIRFLOW_VENV / "bin" / "python"
AIRFLOW = AIRFLOW_VENV / "bin" / "airflow"
# the DAGs' default GOVLAKE_BIN: the checkout's core environment
CORE_GOVLAKE = REPO / ".venv" / "bin" / "govlake"
WRITER_POOL = "govlake_writer"


@pytest.fixture(scope="module", autouse=True)
def _airflow_installed() -> None:
    if AIRFLOW.exists():
        return
    message = f"Airflow environment missing ({AIRFLOW}); create it with `uv sync --locked --project envs/airflow`"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _airflow_env(home: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    # start from a clean slate: a developer's AIRFLOW__*, LAKE_URI or source URLs must not leak into the run
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k != "GOVLAKE_BIN"}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        DATA_DIR=str(data_dir),
        LAKE_URI="",
        SOURCE_MINYI_URL="",
        # a failure must fail the run now, not after minutes of backoff
        GOVLAKE_TASK_RETRIES="0",
    )
    env.update(extra)
    return env


def _run(argv: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)


def _check(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, f"{proc.args} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def migrated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An AIRFLOW_HOME with SQLite metadata migrated and the writer pool created, copied by each test."""
    home = tmp_path_factory.mktemp("airflow_home")
    env = _airflow_env(home, tmp_path_factory.mktemp("unused_data"))
    _check(_run([str(AIRFLOW), "db", "migrate"], env, timeout=300))
    _check(_run([str(AIRFLOW), "pools", "set", WRITER_POOL, "1", "DuckDB writers, one at a time"], env, 120))
    return home


@pytest.fixture
def airflow_home(migrated_home: Path, tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "airflow_home"
    # airflow.cfg holds absolute paths into the original home: let Airflow write a fresh one
    shutil.copytree(migrated_home, home, ignore=shutil.ignore_patterns("airflow.cfg", "logs"))
    yield home


_INSPECT_DAGS = """
import json, sys
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag

# BundleDagBag is the DagBag the dag-processor and workers use: it puts the DAGs folder on sys.path
dags = Path(sys.argv[1])
bag = BundleDagBag(dag_folder=dags, bundle_path=dags, bundle_name="dags-folder")
print(json.dumps({
    "import_errors": bag.import_errors,
    "parsed_files": sorted(s.file for s in bag.dagbag_stats),
    "dags": {
        dag_id: {
            "catchup": dag.catchup,
            "schedule": str(dag.schedule),
            "tasks": {
                t.task_id: {
                    "upstream": sorted(t.upstream_task_ids),
                    "pool": t.pool,
                    "retries": t.retries,
                    "backoff": t.retry_exponential_backoff,
                    "command": getattr(t, "bash_command", None),
                    "inlets": [a.uri for a in t.inlets],
                    "outlets": [a.uri for a in t.outlets],
                }
                for t in dag.tasks
            },
        }
        for dag_id, dag in bag.dags.items()
    },
}))
"""


def _inspect_dags(home: Path, tmp_path: Path) -> dict:
    env = _airflow_env(home, tmp_path / "data", GOVLAKE_BIN="/opt/govlake/bin/govlake")
    env.pop("GOVLAKE_TASK_RETRIES")
    out = _check(_run([str(AIRFLOW_PY), "-c", _INSPECT_DAGS, str(DAGS)], env, timeout=180))
    return json.loads(out.strip().splitlines()[-1])


def test_dags_import_cleanly_with_expected_tasks(tmp_path: Path) -> None:
    info = _inspect_dags(tmp_path / "airflow_home", tmp_path)
    assert info["import_errors"] == {}
    # dags/.airflowignore keeps the helper package out of DAG parsing
    assert info["parsed_files"] == ["minyi_slice.py"]
    assert "minyi_slice" in info["dags"]
    slice_ = info["dags"]["minyi_slice"]
    assert slice_["catchup"] is False
    assert slice_["schedule"]  # scheduled, not manual-only
    tasks = slice_["tasks"]
    assert set(tasks) == {"simulate", "ingest_minyi", "transform", "publish"}
    assert tasks["ingest_minyi"]["upstream"] == ["simulate"]
    assert tasks["transform"]["upstream"] == ["ingest_minyi"]
    assert tasks["publish"]["upstream"] == ["transform"]
    # each step is the core CLI, honouring GOVLAKE_BIN
    assert tasks["simulate"]["command"] == "/opt/govlake/bin/govlake simulate"
    assert tasks["ingest_minyi"]["command"] == "/opt/govlake/bin/govlake ingest minyi"
    assert tasks["transform"]["command"] == "/opt/govlake/bin/govlake transform"
    assert tasks["publish"]["command"] == "/opt/govlake/bin/govlake publish"
    # Assets chain ingestion -> transform -> publish
    assert tasks["ingest_minyi"]["outlets"] == ["govlake://bronze/minyi/tickets"]
    assert tasks["transform"]["inlets"] == ["govlake://bronze/minyi/tickets"]
    assert tasks["transform"]["outlets"] == ["govlake://warehouse/marts"]
    assert tasks["publish"]["inlets"] == ["govlake://warehouse/marts"]
    assert tasks["publish"]["outlets"] == ["govlake://serving/snapshot"]
    # DuckDB has one writer at a time: writers share a pool of one slot
    assert tasks["transform"]["pool"] == tasks["publish"]["pool"] == WRITER_POOL
    for task in tasks.values():
        assert task["retries"] >= 1 and task["backoff"] > 1


def _task_states(home: Path, data_dir: Path, run_id: str) -> dict[str, str]:
    env = _airflow_env(home, data_dir)
    out = _check(_run([str(AIRFLOW), "tasks", "states-for-dag-run", "minyi_slice", run_id, "-o", "json"], env, 120))
    return {row["task_id"]: row["state"] for row in json.loads(out.strip().splitlines()[-1])}


def _only_run(home: Path, data_dir: Path) -> dict[str, str]:
    env = _airflow_env(home, data_dir)
    out = _check(_run([str(AIRFLOW), "dags", "list-runs", "minyi_slice", "-o", "json"], env, timeout=120))
    runs = json.loads(out.strip().splitlines()[-1])
    assert len(runs) == 1, runs
    return runs[0]


@pytest.mark.timeout(1200)
def test_minyi_slice_runs_end_to_end_and_publishes_snapshot(airflow_home: Path, tmp_path: Path) -> None:
    assert CORE_GOVLAKE.exists(), f"core CLI missing at {CORE_GOVLAKE}: run `uv sync --locked` at the repo root"
    data_dir = tmp_path / "data"
    env = _airflow_env(airflow_home, data_dir)

    _check(_run([str(AIRFLOW), "dags", "test", "minyi_slice"], env, timeout=1100))

    run = _only_run(airflow_home, data_dir)
    assert run["state"] == "success"
    states = _task_states(airflow_home, data_dir, run["run_id"])
    assert states == dict.fromkeys(["simulate", "ingest_minyi", "transform", "publish"], "success")

    snapshot = data_dir / "serving" / "govlake.duckdb"
    assert snapshot.exists(), f"publish left no snapshot at {snapshot}"
    with duckdb.connect(str(snapshot), read_only=True) as con:
        row = con.execute("select count(*) from main.agg_tickets_monthly_by_street").fetchone()
    assert row is not None and row[0] > 0


@pytest.mark.timeout(600)
def test_failing_cli_step_fails_the_run(airflow_home: Path, tmp_path: Path) -> None:
    """Exit 99 is BashOperator's default 'skip' code: every non-zero exit of the CLI must fail the run."""
    fake = tmp_path / "govlake"
    fake.write_text("#!/bin/sh\nexit 99\n")
    fake.chmod(0o755)
    data_dir = tmp_path / "data"
    env = _airflow_env(airflow_home, data_dir, GOVLAKE_BIN=str(fake))

    proc = _run([str(AIRFLOW), "dags", "test", "minyi_slice"], env, timeout=500)

    assert proc.returncode != 0
    run = _only_run(airflow_home, data_dir)
    assert run["state"] == "failed"
    states = _task_states(airflow_home, data_dir, run["run_id"])
    assert states["simulate"] == "failed"
    assert states["publish"] != "success"
    assert not (data_dir / "serving" / "govlake.duckdb").exists()
