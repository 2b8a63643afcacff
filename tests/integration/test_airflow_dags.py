"""Airflow DAGs: they import cleanly in the Airflow environment, and the 民意速办 slice runs end to end.

Airflow lives in its own environment (envs/airflow, docs/architecture.md §1), so these tests drive it via subprocess
from the core environment's pytest. The runs use the real `govlake` CLI of the core environment and a DATA_DIR
in a temp dir, and check the published DuckDB snapshot a reader would open:

- `airflow dags test` on SQLite metadata (the embedded default);
- the docker-compose Airflow services run natively on PostgreSQL and Redis with CeleryExecutor (the full stack).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from common.settings import Settings
from serving import reader

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
AIRFLOW_VENV = REPO / "envs" / "airflow" / ".venv"
AIRFLOW_PY = AIRFLOW_VENV / "bin" / "python"
AIRFLOW = AIRFLOW_VENV / "bin" / "airflow"
# the DAGs' default GOVLAKE_BIN: the checkout's core environment
CORE_GOVLAKE = REPO / ".venv" / "bin" / "govlake"
WRITER_POOL = "govlake_writer"
SLICE_TASKS = ("simulate", "ingest_minyi", "transform", "publish")


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
    assert "minyi_slice.py" in info["parsed_files"]
    assert not [f for f in info["parsed_files"] if "govlake_common" in f]
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


def _task_states(env: dict[str, str], run_id: str) -> dict[str, str]:
    out = _check(_run([str(AIRFLOW), "tasks", "states-for-dag-run", "minyi_slice", run_id, "-o", "json"], env, 120))
    return {row["task_id"]: row["state"] for row in json.loads(out.strip().splitlines()[-1])}


def _runs(env: dict[str, str]) -> list[dict[str, str]]:
    out = _check(_run([str(AIRFLOW), "dags", "list-runs", "minyi_slice", "-o", "json"], env, timeout=120))
    lines = out.strip().splitlines()
    return json.loads(lines[-1]) if lines and lines[-1].startswith("[") else []


def _only_run(env: dict[str, str]) -> dict[str, str]:
    runs = _runs(env)
    assert len(runs) == 1, runs
    return runs[0]


def _assert_snapshot_has_rows(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    assert reader.catalog_exists(settings), f"publish left no served marts under {data_dir}"
    with reader.session(settings) as s:
        assert s.snapshot > 0
        assert s.rows("select count(*) as n from agg_tickets_monthly_by_street")[0]["n"] > 0


@pytest.mark.timeout(1200)
def test_minyi_slice_runs_end_to_end_and_publishes_snapshot(airflow_home: Path, tmp_path: Path) -> None:
    assert CORE_GOVLAKE.exists(), f"core CLI missing at {CORE_GOVLAKE}: run `uv sync --locked` at the repo root"
    data_dir = tmp_path / "data"
    env = _airflow_env(airflow_home, data_dir)

    _check(_run([str(AIRFLOW), "dags", "test", "minyi_slice"], env, timeout=1100))

    run = _only_run(env)
    assert run["state"] == "success"
    assert _task_states(env, run["run_id"]) == dict.fromkeys(SLICE_TASKS, "success")
    _assert_snapshot_has_rows(data_dir)


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
    run = _only_run(env)
    assert run["state"] == "failed"
    states = _task_states(env, run["run_id"])
    assert states["simulate"] == "failed"
    assert states["publish"] != "success"
    assert not reader.catalog_exists(Settings(data_dir=data_dir))


# ------------------------------------------------------------------ the compose stack's Airflow, run natively
# docker-compose.yml cannot run here (no Docker engine), so run its Airflow services natively: the same
# environment block (CeleryExecutor, FAB auth, Execution API, health checks), the same airflow-init script and
# the same commands and healthchecks, on the real PostgreSQL and Redis with host names pointed at loopback.

COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
STACK_SERVICES = (
    "airflow-api-server",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
_COMPOSE_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def _require_port(port: int, what: str) -> None:
    with socket.socket() as s:
        s.settimeout(1)
        if s.connect_ex(("127.0.0.1", port)) == 0:
            return
    message = f"{what} is not reachable on 127.0.0.1:{port}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _compose_services() -> dict[str, Any]:
    """docker-compose.yml's services, interpolated as `docker compose` would with .env.example as .env."""
    dotenv = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.startswith("#"):
            dotenv[name.strip()] = value

    def interpolate(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: interpolate(v) for k, v in node.items()}
        if isinstance(node, list):
            return [interpolate(v) for v in node]
        if not isinstance(node, str):
            return node

        def value(m: re.Match[str]) -> str:
            found = dotenv.get(m["name"])
            return m["arg"] if m["op"] in (":-", "-") and not found else found or ""

        return "$".join(_COMPOSE_VAR.sub(value, chunk) for chunk in node.split("$$"))

    return interpolate(yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"])


@dataclass
class Stack:
    env: dict[str, str]
    services: dict[str, Any]
    ports: dict[str, int]
    database: str
    data_dir: Path


def _localise(text: str, ports: dict[str, int], database: str) -> str:
    """Compose host names and ports -> the native services on loopback."""
    text = re.sub(r"//[^@/]+@postgres:5432/airflow", f"//postgres@127.0.0.1:5432/{database}", text)
    text = text.replace("redis://redis:6379/0", "redis://127.0.0.1:6379/0")
    text = text.replace("airflow-api-server:8080", f"127.0.0.1:{ports['api']}")
    text = text.replace("127.0.0.1:8080/", f"127.0.0.1:{ports['api']}/")
    return text.replace("127.0.0.1:8974/", f"127.0.0.1:{ports['scheduler_health']}/")


@pytest.fixture
def stack_env(tmp_path: Path) -> Iterator[Stack]:
    _require_port(5432, "PostgreSQL")
    _require_port(6379, "Redis")
    import psycopg

    services = _compose_services()
    database = f"govlake_airflow_test_{uuid.uuid4().hex[:10]}"
    ports = {name: _free_port() for name in ("api", "scheduler_health", "worker_logs", "trigger_logs")}
    data_dir = tmp_path / "data"
    env = _airflow_env(tmp_path / "airflow_home", data_dir)
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    for key, value in services["airflow-init"]["environment"].items():
        if key.startswith("AIRFLOW"):  # Airflow's own settings and the init script's admin user
            env[key] = _localise(str(value), ports, database)
    env.update(
        PATH=f"{AIRFLOW_VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        # the containers' fixed ports, made free ones so the test never collides with anything on this machine
        AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT=str(ports["scheduler_health"]),
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(ports["worker_logs"]),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(ports["trigger_logs"]),
        # a queue of its own on the shared Redis: no other worker can take these tasks, nor this worker theirs
        AIRFLOW__OPERATORS__DEFAULT_QUEUE=f"q_{database}",
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        # what the compose healthchecks pass as the job/worker host name (a container sets it to its hostname)
        HOSTNAME=socket.gethostname(),
    )
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"create database {database}")
    try:
        yield Stack(env=env, services=services, ports=ports, database=database, data_dir=data_dir)
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f"drop database if exists {database} with (force)")
        import redis

        queue = env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
        redis.Redis(host="127.0.0.1", port=6379, db=0).delete(queue, f"_kombu.binding.{queue}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _healthy(stack: Stack, service: str) -> bool:
    test = stack.services[service]["healthcheck"]["test"]
    argv = ["bash", "-c", test[1]] if test[0] == "CMD-SHELL" else list(test[1:])
    argv = [_localise(arg, stack.ports, stack.database) for arg in argv]
    return _run(argv, stack.env, timeout=60).returncode == 0


def _wait(what: str, condition: Callable[[], bool], timeout: float, logs: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(3)
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}" for log in logs.glob("*.log"))
    pytest.fail(f"{what} not reached within {timeout:.0f}s\n{tails}")


@pytest.mark.timeout(1500)
def test_compose_airflow_stack_runs_slice_on_celery(stack_env: Stack, tmp_path: Path) -> None:
    """The compose Airflow services, run natively: init, five processes healthy, a scheduled run on Celery."""
    stack, logs = stack_env, tmp_path / "logs"
    logs.mkdir()
    init = stack.services["airflow-init"]["command"]
    _check(_run([_localise(arg, stack.ports, stack.database) for arg in init], stack.env, timeout=600))

    procs: list[subprocess.Popen[bytes]] = []
    try:
        for service in STACK_SERVICES:
            argv = [_localise(arg, stack.ports, stack.database) for arg in stack.services[service]["command"]]
            argv = [str(stack.ports["api"]) if a == "8080" else a for a in argv]
            with open(logs / f"{service}.log", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        argv, env=stack.env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL, start_new_session=True,
                    )
                )  # fmt: skip
        for service in STACK_SERVICES:
            _wait(f"{service} healthcheck", lambda service=service: _healthy(stack, service), 300, logs)

        # the dag-processor has serialised the DAG once it can be unpaused; the scheduler then creates the
        # latest scheduled run (catchup is off, so only that one)
        unpause = [str(AIRFLOW), "dags", "unpause", "minyi_slice"]
        _wait("minyi_slice parsed", lambda: _run(unpause, stack.env, 120).returncode == 0, 300, logs)
        finished = ("success", "failed")
        _wait("a finished run", lambda: any(r["state"] in finished for r in _runs(stack.env)), 900, logs)
    finally:
        for proc in procs:
            _stop(proc)

    runs = _runs(stack.env)
    assert [r["state"] for r in runs] == ["success"], runs
    assert runs[0]["run_id"].startswith("scheduled__")
    assert _task_states(stack.env, runs[0]["run_id"]) == dict.fromkeys(SLICE_TASKS, "success")
    _assert_snapshot_has_rows(stack.data_dir)
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{stack.database}") as con:
        events = con.execute("select a.uri from asset_event e join asset a on a.id = e.asset_id").fetchall()
    assert {uri for (uri,) in events} == {
        "govlake://bronze/minyi/tickets",
        "govlake://warehouse/marts",
        "govlake://serving/snapshot",
    }
