"""`govlake serve airflow` (what `make demo` starts): on loopback behind a login; `govlake stop` stops it.

SQLite metadata in a fresh data dir; the port is a free one (AIRFLOW_API_PORT).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from govlake.airflow_services import free_port
from tests.conftest import govlake_env, run_govlake
from tests.integration.test_airflow_dags import AIRFLOW

pytestmark = pytest.mark.integration


def _request(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     method="GET" if body is None else "POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


@pytest.mark.timeout(600)
def test_serve_airflow_prints_its_url_and_login_and_stop_stops_it(tmp_path: Path) -> None:
    if not AIRFLOW.exists():
        pytest.skip(f"Airflow environment missing ({AIRFLOW})")
    port = free_port()
    env = govlake_env(tmp_path, AIRFLOW_API_PORT=str(port), AIRFLOW_ADMIN_PASSWORD="s3cret-demo")
    env.pop("AIRFLOW_DATABASE_URL", None)
    try:
        proc = run_govlake(env, "serve", "airflow", timeout=500)
        out = proc.stdout + proc.stderr
        url = f"http://127.0.0.1:{port}"
        assert f"Airflow: {url}" in out and "login admin / s3cret-demo" in out, out
        # a login is required: no token without the password, none with a wrong one
        assert _request(f"{url}/api/v2/dags")[0] == 401
        assert _request(f"{url}/auth/token", {"username": "admin", "password": "wrong"})[0] == 401
        status, body = _request(f"{url}/auth/token", {"username": "admin", "password": "s3cret-demo"})
        assert status == 201 and body["access_token"]
        status, dags = _request(f"{url}/api/v2/dags?limit=100", token=body["access_token"])
        assert status == 200 and "dags" in dags
        # a second `serve airflow` finds it running on the same port
        again = run_govlake(env, "serve", "airflow", timeout=300)
        assert f"Airflow: {url}" in again.stdout + again.stderr
    finally:
        done = run_govlake(env, "stop", timeout=120)
        stopped = done.stdout + done.stderr
    assert "airflow" in stopped
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing answers any more
    assert not [p for p in (tmp_path / "run").glob("airflow-*.pid")]
