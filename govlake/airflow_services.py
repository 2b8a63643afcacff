"""Airflow's services for `govlake serve airflow` and `govlake orchestrate`: api-server, scheduler, dag-processor and
triggerer (plus a Celery worker with the CeleryExecutor), in the Airflow environment, on loopback.

Metadata: SQLite under DATA_DIR/airflow (the embedded default), or PostgreSQL when AIRFLOW_DATABASE_URL is set
(as in docker-compose). Ports are free ones unless AIRFLOW_API_PORT is set; the processes are started like the
other servers (pid files in DATA_DIR/run), so `govlake stop` stops them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from common import processes
from common.settings import REPO_ROOT, Settings

AIRFLOW_VENV = REPO_ROOT / "envs" / "airflow" / ".venv"
AIRFLOW_BIN = AIRFLOW_VENV / "bin" / "airflow"
DAGS_FOLDER = REPO_ROOT / "dags"
WRITER_POOL = "govlake_writer"
SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")
EXECUTORS = ("LocalExecutor", "CeleryExecutor")


class AirflowError(RuntimeError):
    """Airflow could not be set up or started (missing environment, failed migration, a service not healthy)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class AirflowStack:
    """One Airflow installation for this DATA_DIR: where it lives, how it is configured, which ports it uses."""

    settings: Settings
    database_url: str = ""  # empty: SQLite under home
    executor: str = "LocalExecutor"
    broker_url: str = "redis://127.0.0.1:6379/0"
    extra_env: dict[str, str] = field(default_factory=dict)
    api_port: int = 0
    ports: dict[str, int] = field(default_factory=dict)
    # (user, password) of the UI and API; None: every request is an admin's without login (orchestrate's own stack)
    login: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise AirflowError(f"executor {self.executor!r}: one of {', '.join(EXECUTORS)}")
        self.api_port = self.api_port or int(os.environ.get("AIRFLOW_API_PORT") or 0) or free_port()
        for name in ("scheduler_health", "worker_logs", "trigger_logs"):
            self.ports.setdefault(name, free_port())

    @property
    def home(self) -> Path:
        return self.settings.data_dir.resolve() / "airflow"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def services(self) -> tuple[str, ...]:
        return SERVICES + (("celery-worker",) if self.executor == "CeleryExecutor" else ())

    def _secret(self, name: str) -> str:
        """A secret all services share (JWTs of the Execution API), kept in the home so restarts agree."""
        path = self.home / f".{name}"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(64))  # HS512 wants 64 bytes or more
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def metadata_url(self) -> str:
        """SQLAlchemy URL of the metadata database; PostgreSQL through psycopg2, as Airflow's images use."""
        if not self.database_url:
            return f"sqlite:///{self.home / 'airflow.db'}"
        return re.sub(r"^postgres(ql)?://", "postgresql+psycopg2://", self.database_url)

    def env(self) -> dict[str, str]:
        data_dir = self.settings.data_dir.resolve()
        db = self.metadata_url
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
        env.update(
            AIRFLOW_HOME=str(self.home),
            AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_FOLDER),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__EXECUTOR=self.executor,
            AIRFLOW__CORE__PARALLELISM="4",  # a small machine: a few task processes at a time
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{self.url}/execution/",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=db,
            AIRFLOW__API__PORT=str(self.api_port),
            AIRFLOW__API__HOST="127.0.0.1",
            AIRFLOW__API__BASE_URL=self.url,
            AIRFLOW__API__SECRET_KEY=self._secret("api_secret"),
            AIRFLOW__API_AUTH__JWT_SECRET=self._secret("jwt_secret"),
            AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT=str(self.ports["scheduler_health"]),
            AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(self.ports["worker_logs"]),
            AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(self.ports["trigger_logs"]),
            # new DAG files are found within seconds, not minutes
            AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="10",
            DATA_DIR=str(data_dir),
            GOVLAKE_BIN=str(REPO_ROOT / ".venv" / "bin" / "govlake"),
        )
        if self.login:
            env.update(
                AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="False",
                AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=f"{self.login[0]}:admin",
                AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(self.passwords_file),
            )
        if self.executor == "CeleryExecutor":
            result = f"db+{self.metadata_url}"
            env.update(
                AIRFLOW__CELERY__BROKER_URL=self.broker_url,
                AIRFLOW__CELERY__RESULT_BACKEND=result,
                AIRFLOW__CELERY__WORKER_CONCURRENCY="4",
                # a queue of this installation's own on a shared Redis
                AIRFLOW__OPERATORS__DEFAULT_QUEUE="govlake_" + hashlib.sha256(str(self.home).encode()).hexdigest()[:10],
            )
        env.update(self.extra_env)
        return env

    @property
    def passwords_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json"

    def airflow(self, *args: str, timeout: float = 600) -> str:
        proc = subprocess.run([str(AIRFLOW_BIN), *args], env=self.env(), cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise AirflowError(f"airflow {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        return proc.stdout

    def prepare(self) -> None:
        """Migrate the metadata database and create the writers' one-slot pool (both idempotent)."""
        if not AIRFLOW_BIN.exists():
            raise AirflowError(f"Airflow environment missing ({AIRFLOW_BIN}): run `make setup`")
        if self.executor == "CeleryExecutor" and not self.database_url:
            raise AirflowError("the CeleryExecutor needs PostgreSQL metadata (set AIRFLOW_DATABASE_URL)")
        self.home.mkdir(parents=True, exist_ok=True)
        if self.login:  # the simple auth manager's users and passwords (it generates none when the file exists)
            self.passwords_file.write_text(json.dumps({self.login[0]: self.login[1]}))
            self.passwords_file.chmod(0o600)
        self.airflow("db", "migrate")
        self.airflow("pools", "set", WRITER_POOL, "1", "DuckDB writers, one at a time")

    def _name(self, service: str) -> str:
        return f"airflow-{service}"

    def start(self, timeout: float = 300) -> str:
        """Start every service not yet running, wait for the API to answer; the API's URL."""
        env = self.env()
        for service in self.services:
            if processes.is_running(self.settings.run_dir, self._name(service)):
                continue
            argv = [str(AIRFLOW_BIN), *service.split("-", 1)] if service == "celery-worker" else [str(AIRFLOW_BIN),
                                                                                                    service]
            if service == "api-server":
                argv += ["--port", str(self.api_port), "--host", "127.0.0.1"]
            processes.start(self.settings.run_dir, self._name(service), argv, env=env, cwd=REPO_ROOT)
        try:
            processes.wait_http(f"{self.url}/api/v2/monitor/health", timeout=timeout)
        except Exception as exc:
            raise AirflowError(f"the api-server did not answer on {self.url}: {exc}; logs in "
                               f"{self.settings.run_dir}/airflow-*.log") from exc
        return self.url

    def stop(self) -> list[str]:
        return [s for s in self.services if processes.stop(self.settings.run_dir, self._name(s), timeout=30)]


def stop_all(settings: Settings) -> bool:
    """`govlake stop`: every Airflow service started for this DATA_DIR."""
    names = (*SERVICES, "celery-worker")
    return any([processes.stop(settings.run_dir, f"airflow-{s}", timeout=30) for s in names])


class Api:
    """Airflow's public REST API (v2), with a token from the simple auth manager."""

    def __init__(self, url: str, login: tuple[str, str] | None = None) -> None:
        self.url = url
        if login:
            body = {"username": login[0], "password": login[1]}
            self._token = json.loads(self._call("POST", "/auth/token", body, auth=False))["access_token"]
        else:
            self._token = json.loads(self._call("GET", "/auth/token", auth=False))["access_token"]

    def _call(self, method: str, path: str, body: object = None, auth: bool = True) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Bearer {self._token}")
        with urllib.request.urlopen(request, timeout=60) as response:
            return bytes(response.read())

    def get(self, path: str) -> dict:
        return dict(json.loads(self._call("GET", path)))

    def post(self, path: str, body: object) -> dict:
        return dict(json.loads(self._call("POST", path, body)))

    def patch(self, path: str, body: object) -> dict:
        return dict(json.loads(self._call("PATCH", path, body)))

    def delete(self, path: str) -> None:
        self._call("DELETE", path)
