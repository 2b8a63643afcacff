"""Shared fixtures: a published slice built by the real pipeline, real database services, free ports.

A missing service is a clear skip on a developer's machine and a failure in CI (CI=true), never a silent pass.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from common.settings import Settings

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI") == "true"
TEST_SCALE = "0.005"  # ~5,300 tickets: every code path, seconds per stage
DISTRICT_SCALE = "0.02"  # every system: large enough that each indicator of the catalogue is non-trivial


def require(condition: bool, message: str) -> None:
    """Skip (developer machine) or fail (CI) when a prerequisite is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI prerequisite missing: {message}")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def govlake_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LAKE_URI" and not k.startswith("SOURCE_")}
    env["DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run_govlake(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a child process, as a user or an Airflow task would; fail with its output."""
    proc = subprocess.run([sys.executable, "-m", "govlake.cli", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"govlake {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n" \
                                 f"{proc.stderr[-3000:]}"
    return proc


def build_slice(data_dir: Path, scale: str = TEST_SCALE, **extra: str) -> dict[str, Any]:
    env = govlake_env(data_dir, **extra)
    # the demand slice is what the marts, the API and the dashboard read today: simulate only its system
    steps = (("simulate", "--system", "minyi", "--scale", scale), ("ingest", "minyi"), ("transform",), ("publish",))
    for args in steps:
        run_govlake(env, *args)
    return {"env": env, "data_dir": data_dir, "settings": Settings(data_dir=data_dir)}


def ingest_all(env: dict[str, str], data_dir: Path) -> None:
    """`govlake ingest --all`, with the community's REST upstream answering on a free loopback port."""
    from simulator.upstream_http import start

    settings = Settings(data_dir=data_dir)
    with start(settings.sources_dir, token=settings.community_api_token, rate_limit_per_s=0) as server:
        run_govlake({**env, "COMMUNITY_API_URL": server.url}, "ingest", "--all")


def record_airflow_alert(data_dir: Path, **alert: str) -> None:
    """One alert in DATA_DIR's alerts ledger, written by the function Airflow's failure and freshness callbacks call
    (dags/govlake_common/alerts.py, loaded by path: the DAG folder is not a package of the core environment)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("govlake_alerts", REPO / "dags" / "govlake_common" / "alerts.py")
    assert spec and spec.loader
    alerts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(alerts)
    before = os.environ.get("DATA_DIR")
    os.environ["DATA_DIR"] = str(data_dir)
    try:
        alerts.record(**alert)
    finally:
        if before is None:
            os.environ.pop("DATA_DIR")
        else:
            os.environ["DATA_DIR"] = before


def build_district(data_dir: Path, scale: str = DISTRICT_SCALE, as_of: str | None = None) -> dict[str, Any]:
    """Every source system simulated, ingested, transformed and published by the real CLI. The lake is as Airflow
    leaves it: its alerts ledger holds one freshness breach, so the alerts mart and the 数据质量 dashboard's alert
    charts have a row to show."""
    env = govlake_env(data_dir)
    run_govlake(env, "simulate", "--scale", scale, *(("--as-of", as_of) if as_of else ()))
    ingest_all(env, data_dir)
    record_airflow_alert(data_dir, kind="freshness_breach", dag_id="source_freshness", task_id="freshness",
                         run_id="scheduled__2024-12-31T00:00:00+00:00", source="video",
                         message="来源 video 最近一次入湖（status_daily 等）在 31.50 小时前，超过期望时效 30 小时")
    run_govlake(env, "transform")
    run_govlake(env, "publish")
    return {"env": env, "data_dir": data_dir, "settings": Settings(data_dir=data_dir)}


@pytest.fixture(scope="session")
def district_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The whole district (every system) at DISTRICT_SCALE, published. Read-only for tests."""
    return build_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="session")
def published_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The 民意速办 slice simulated, ingested, transformed and published by the real CLI into a temp DATA_DIR.

    Returns {"env": environment for child processes, "data_dir": Path, "settings": Settings}. Read-only for tests.
    """
    return build_slice(tmp_path_factory.mktemp("published"))


@pytest.fixture
def api_client(published_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from common.settings import get_settings
    from services.api.main import app
    from services.api.snapshot import reset_reader

    monkeypatch.setenv("DATA_DIR", str(published_env["data_dir"]))
    get_settings.cache_clear()
    reset_reader()
    with TestClient(app) as client:
        yield client
    get_settings.cache_clear()
    reset_reader()


# --- real database services -------------------------------------------------------------------------------------

def _reachable(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _scratch_database(admin_url: str, name: str, create_options: str, drop_options: str) -> Iterator[str]:
    """A database created for this test session on a real server, dropped afterwards; yields its name."""
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"drop database if exists {name}")
        conn.exec_driver_sql(f"create database {name} {create_options}")
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"drop database if exists {name} {drop_options}")
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    require(_reachable(5432), "PostgreSQL is not running on 127.0.0.1:5432 (see README: Services)")
    for name in _scratch_database("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                                  f"govlake_src_{os.getpid()}", "", "with (force)"):
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    require(_reachable(3306), "MariaDB is not running on 127.0.0.1:3306 (see README: Services)")
    for name in _scratch_database("mysql+pymysql://root@127.0.0.1:3306/", f"govlake_src_{os.getpid()}",
                                  "character set utf8mb4", ""):
        yield f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
