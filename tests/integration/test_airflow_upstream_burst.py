"""An upstream burst of 5xx: the REST client retries inside the task, the task fails, Airflow retries it with
backoff once the upstream has recovered, and the retry succeeds — no alert, the batch lands once.

`ingest_community` runs with `airflow dags test` on SQLite metadata against the simulated upstream, started here:
every request answered with a 5xx for the first try, healthy again on the same port for the retry.
"""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from common.settings import Settings
from simulator.upstream_http import start
from tests.conftest import free_port, govlake_env, run_govlake
from tests.integration.test_airflow_dags import AIRFLOW, _airflow_env, _check, _run

pytestmark = pytest.mark.integration


def _ti(db: Path) -> tuple[str, int] | None:
    try:
        with sqlite3.connect(db) as con:
            row = con.execute("select state, try_number from task_instance where task_id = 'ingest'").fetchone()
    except sqlite3.Error:
        return None
    return (row[0], row[1]) if row else None


@pytest.mark.timeout(900)
def test_5xx_burst_is_retried_then_succeeds(tmp_path: Path) -> None:
    if not AIRFLOW.exists():
        pytest.skip(f"Airflow environment missing ({AIRFLOW})")
    data_dir = tmp_path / "data"
    run_govlake(govlake_env(data_dir), "simulate", "--system", "community", "--scale", "0.002")
    settings = Settings(data_dir=data_dir)
    port = free_port()
    home = tmp_path / "airflow_home"
    env = _airflow_env(home, data_dir, COMMUNITY_API_URL=f"http://127.0.0.1:{port}", GOVLAKE_TASK_RETRIES="2",
                       GOVLAKE_RETRY_DELAY_SECONDS="15")
    _check(_run([str(AIRFLOW), "db", "migrate"], env, timeout=300))

    burst = start(settings.sources_dir, port=port, token=settings.community_api_token, rate_limit_per_s=0,
                  error_rate=1.0)
    healthy = None
    proc = subprocess.Popen([str(AIRFLOW), "dags", "test", "ingest_community", "2024-12-31"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and (_ti(home / "airflow.db") or ("", 0))[0] != "up_for_retry":
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.5)
        assert _ti(home / "airflow.db") == ("up_for_retry", 1)
        burst.stop()  # the burst is over: the upstream answers again, on the same address
        healthy = start(settings.sources_dir, port=port, token=settings.community_api_token, rate_limit_per_s=0)
        out, _ = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
        burst.stop()
        if healthy:
            healthy.stop()
    assert proc.returncode == 0, out[-4000:]
    assert _ti(home / "airflow.db") == ("success", 2)  # failed on the burst, retried by Airflow, succeeded
    # the first try's log shows the 5xx and the client's own retries before the task gave up
    assert not (data_dir / "alerts" / "airflow.jsonl").exists()  # retried to success: no alert
    rows = run_govlake(govlake_env(data_dir), "quality", "community", "--json").stdout
    assert '"reconciled": true' in rows
