"""`govlake orchestrate --days N`: the real Airflow services run the platform through N simulated days.

For each day D: the `simulate_sources` DAG projects the simulated sources onto the end of D; the simulated REST
upstream is restarted on what they now hold (a real upstream always serves its current state); every ingest DAG is
triggered with D as its logical date (so each runs `govlake ingest SOURCE --day D`); the scheduler then runs the
transform DAG on the bronze Assets and publish on the marts Asset. The next day starts once nothing is queued or
running and no Asset event waits. After the last day the quality report and the source-freshness check run.
Every DAG run is then listed with its state and duration.

With `--backfill` the days are not run one by one: the sources are simulated once through the last day, then
`airflow backfill create` runs every ingest DAG over the whole range (one run per simulated day, in order, by the
real scheduler), and the transform and publish follow on the Assets — what an operator does after an outage.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from common import processes
from common.settings import Settings
from govlake.airflow_services import AirflowError, AirflowStack, Api, free_port

UPSTREAM = "orchestrate-upstream"
SOURCE_DAGS = ("ingest_minyi", "ingest_pingan", "ingest_zhengfa", "ingest_community", "ingest_video",
               "ingest_zhengfa_files")
ASSET_DAGS = ("transform", "publish")
AFTER_DAYS = ("quality_report", "source_freshness")
DAGS = ("simulate_sources", *SOURCE_DAGS, *ASSET_DAGS, *AFTER_DAYS)
UNFINISHED = ("queued", "running")
SIMULATED_YEAR = (date(2024, 1, 1), date(2024, 12, 31))  # simulator.run; the DAGs' start_date, the ingest end_date


@dataclass
class RunRow:
    dag_id: str
    run_id: str
    logical_date: str | None
    state: str
    seconds: float | None
    tasks: dict[str, str]  # task id -> state
    task_times: list[dict] = field(default_factory=list)  # per task instance: id, try, start, end, state

    @property
    def ok(self) -> bool:
        """Succeeded with task instances (a run whose tasks were never created also ends 'success'); a drop sensor
        that found no file skips its run's tasks, which is a success."""
        return self.state == "success" and bool(self.tasks)


def _iso(day: date) -> str:
    # noon UTC is the same calendar day in UTC and in Beijing: `{{ ds }}` is D either way
    return f"{day.isoformat()}T12:00:00+00:00"


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None


class Orchestrator:
    def __init__(self, stack: AirflowStack, scale: float, seed: int,
                 say: Callable[[str], None] = lambda line: print(line, file=sys.stderr)) -> None:
        self.stack, self.scale, self.seed, self.say = stack, scale, seed, say
        self.settings = stack.settings
        self.upstream_port = free_port()
        stack.extra_env.update(
            GOVLAKE_SIMULATED_TIME="1",
            COMMUNITY_API_URL=f"http://127.0.0.1:{self.upstream_port}",
            # the day's file is there once simulate_sources ran, or it will not come: look twice, then skip
            GOVLAKE_DROP_POKE="5",
            GOVLAKE_DROP_TIMEOUT="12",
        )
        self.api: Api | None = None

    # ------------------------------------------------------------------ services
    def start(self) -> None:
        self.say(f"airflow: preparing metadata ({'PostgreSQL' if self.stack.database_url else 'SQLite'}, "
                 f"{self.stack.executor}) in {self.stack.home}")
        self.stack.prepare()
        url = self.stack.start()
        self.say(f"airflow: {', '.join(self.stack.services)} up; API {url}")
        self.api = Api(url)
        self._wait_parsed()
        for dag_id in DAGS:
            self.api.patch(f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def stop(self) -> None:
        stopped = self.stack.stop()
        processes.stop(self.settings.run_dir, UPSTREAM)
        self.say(f"airflow: stopped {', '.join(stopped) or 'nothing'}")

    def _wait_parsed(self, timeout: float = 300) -> None:
        assert self.api is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = {d["dag_id"] for d in self.api.get("/api/v2/dags?limit=100")["dags"]}
            if set(DAGS) <= found:
                return
            time.sleep(2)
        raise AirflowError(f"DAGs not parsed within {timeout:.0f}s: missing {sorted(set(DAGS) - found)}")

    def _restart_upstream(self) -> None:
        processes.stop(self.settings.run_dir, UPSTREAM)
        argv = [sys.executable, "-m", "simulator.upstream_http", "--data-dir",
                str(self.settings.sources_dir.resolve()), "--port", str(self.upstream_port),
                "--token", self.settings.community_api_token, "--rate-limit", "0"]
        processes.start(self.settings.run_dir, UPSTREAM, argv)
        processes.wait_http(f"http://127.0.0.1:{self.upstream_port}/health", timeout=60)

    # ------------------------------------------------------------------ runs
    def trigger(self, dag_id: str, day: date, conf: dict | None = None) -> str:
        assert self.api is not None
        run_id = f"orchestrate__{day.isoformat()}__{time.time_ns() // 1_000_000}"
        self.api.post(f"/api/v2/dags/{dag_id}/dagRuns",
                      {"dag_run_id": run_id, "logical_date": _iso(day), "conf": conf or {}})
        return run_id

    def _busy(self) -> list[str]:
        assert self.api is not None
        busy = []
        for state in UNFINISHED:
            runs = self.api.get(f"/api/v2/dags/~/dagRuns?state={state}&limit=100")["dag_runs"]
            busy += [f"{r['dag_id']} ({state})" for r in runs]
        for dag_id in ASSET_DAGS:
            if self._queued_events(dag_id):
                busy.append(f"{dag_id} (asset events queued)")
        return busy

    def wait_idle(self, timeout: float, settle: float = 6.0, ignore_queued_events: bool = False) -> None:
        """Until nothing is queued or running and no Asset event waits, twice SETTLE seconds apart (with
        IGNORE_QUEUED_EVENTS, Asset events may wait: a backfill's last ones can wait for a set that never comes)."""
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            busy = [b for b in self._busy() if not (ignore_queued_events and b.endswith("(asset events queued)"))]
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return
            time.sleep(2)
        raise AirflowError(f"still busy after {timeout:.0f}s: {', '.join(self._busy())}")

    def day(self, day: date, timeout: float) -> None:
        started = time.monotonic()
        self.trigger("simulate_sources", day, {"scale": self.scale, "seed": self.seed})
        self.wait_idle(timeout)
        self._restart_upstream()
        for dag_id in SOURCE_DAGS:
            self.trigger(dag_id, day)
        self.wait_idle(timeout)
        self.say(f"day {day}: done in {time.monotonic() - started:.0f}s")

    def backfill(self, days: list[date], timeout: float) -> None:
        """The sources simulated through the last day, then `airflow backfill create` of every ingest DAG over DAYS."""
        started = time.monotonic()
        first, last = days[0], days[-1]
        self.trigger("simulate_sources", last, {"scale": self.scale, "seed": self.seed})
        self.wait_idle(timeout)
        self._restart_upstream()
        for dag_id in SOURCE_DAGS:
            # one run per day (in simulated time the ingest DAGs run daily at 12:00 Beijing), one at a time, in order
            self._backfill_create(dag_id, first, last)
        self.say(f"backfill {first}..{last}: created for {len(SOURCE_DAGS)} ingest DAGs")
        self.wait_idle(timeout, ignore_queued_events=True)
        self._catch_up_build(timeout)
        self.say(f"backfill {first}..{last}: done in {time.monotonic() - started:.0f}s")

    def _backfill_create(self, dag_id: str, first: date, last: date, attempts: int = 5) -> None:
        args = ("backfill", "create", "--dag-id", dag_id, "--from-date", first.isoformat(),
                "--to-date", f"{last.isoformat()}T23:59:59+08:00", "--max-active-runs", "1")
        for attempt in range(1, attempts + 1):
            try:
                self.stack.airflow(*args)
                return
            except AirflowError as exc:
                # SQLite metadata: the scheduler's writes can lock the CLI out for a moment (PostgreSQL does not)
                if "database is locked" not in str(exc) or attempt == attempts:
                    raise
                self.say(f"backfill {dag_id}: metadata database locked, retrying ({attempt}/{attempts})")
                time.sleep(3 * attempt)

    def _catch_up_build(self, timeout: float) -> None:
        """Build what a backfill left waiting. The transform runs once all six sources landed since its last run;
        the six backfills interleave, so the last days' events of the faster sources can be taken by a build
        triggered by a slower source's earlier day, and then wait for a set that never completes. In production the
        transform's hourly clock builds them; simulated time has no clock, so the orchestrator triggers that one
        build and clears the transform's queue (what an operator does after a backfill)."""
        assert self.api is not None
        waiting = self._queued_events("transform")
        if not waiting:
            return
        self.say(f"backfill: {waiting} bronze Asset event(s) wait for the transform; one catch-up build")
        self.api.delete("/api/v2/dags/transform/assets/queuedEvents")
        self.api.post("/api/v2/dags/transform/dagRuns", {"dag_run_id": f"catch_up__{time.time_ns() // 1_000_000}",
                                                          "logical_date": None})
        self.wait_idle(timeout)

    def _queued_events(self, dag_id: str) -> int:
        assert self.api is not None
        try:
            return int(self.api.get(f"/api/v2/dags/{dag_id}/assets/queuedEvents")["total_entries"])
        except urllib.error.HTTPError as exc:  # 404: nothing queued
            if exc.code != 404:
                raise
            return 0

    def runs(self) -> list[RunRow]:
        assert self.api is not None
        rows = []
        for r in self.api.get("/api/v2/dags/~/dagRuns?limit=1000&order_by=start_date")["dag_runs"]:
            start, end = _parse(r.get("start_date")), _parse(r.get("end_date"))
            seconds = (end - start).total_seconds() if start and end else None
            tis = self.task_instances(r["dag_id"], r["dag_run_id"])
            times = [{"task_id": t["task_id"], "try_number": t["try_number"], "state": t["state"],
                      "start": t.get("start_date"), "end": t.get("end_date")} for t in tis]
            rows.append(RunRow(r["dag_id"], r["dag_run_id"], r.get("logical_date"), r["state"], seconds,
                               {t["task_id"]: t["state"] for t in tis}, times))
        return rows

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        assert self.api is not None
        return list(self.api.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"])


def report_path(settings: Settings) -> Path:
    """Where the last orchestrate run leaves its DAG runs and task instances (read by the bench)."""
    return settings.data_dir.resolve() / "airflow" / "orchestrate_runs.json"


def simulated_days(days: int, last: date) -> list[date]:
    return [last - timedelta(days=days - 1 - i) for i in range(days)]


def orchestrate(settings: Settings, days: int, last: date, scale: float, seed: int, database_url: str,
                executor: str, timeout_per_day: float = 1200,
                say: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
                backfill: bool = False) -> list[RunRow]:
    """Run DAYS simulated days ending with LAST on real Airflow services (one by one, or with BACKFILL as one
    `airflow backfill create` per ingest DAG over the range); every DAG run, in start order."""
    if days < 1:
        raise AirflowError("--days must be at least 1")
    first = simulated_days(days, last)[0]
    if first < SIMULATED_YEAR[0] or last > SIMULATED_YEAR[1]:
        # the DAGs start with the simulated year and (in simulated time) the ingest DAGs end with it
        raise AirflowError(f"the simulated days must lie in {SIMULATED_YEAR[0]}..{SIMULATED_YEAR[1]} (the simulator's "
                           f"year): {first}..{last} does not")
    stack = AirflowStack(settings, database_url=database_url, executor=executor)
    orch = Orchestrator(stack, scale, seed, say)
    try:
        orch.start()
        if backfill:
            orch.backfill(simulated_days(days, last), timeout_per_day * days)
        else:
            for day in simulated_days(days, last):
                orch.day(day, timeout_per_day)
        for dag_id in AFTER_DAYS:
            orch.trigger(dag_id, last)
        orch.wait_idle(timeout_per_day)
        runs = orch.runs()
        report_path(settings).write_text(json.dumps([asdict(r) for r in runs], indent=1))
        return runs
    finally:
        orch.stop()


def _metadata_url() -> str:
    """PostgreSQL metadata when configured (AIRFLOW_DATABASE_URL), else SQLite under DATA_DIR/airflow."""
    import os

    return os.environ.get("AIRFLOW_DATABASE_URL", "")


def _serve_port(settings: Settings, default: int = 8080) -> int:
    """AIRFLOW_API_PORT; else the port of the api-server already running for this data dir; else 8080 when free,
    else any free port."""
    import os
    import socket

    from common import processes

    if os.environ.get("AIRFLOW_API_PORT"):
        return int(os.environ["AIRFLOW_API_PORT"])
    saved = settings.data_dir.resolve() / "airflow" / ".api_port"
    if saved.exists() and processes.is_running(settings.run_dir, "airflow-api-server"):
        return int(saved.read_text())
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", default)) != 0:
            return default
    return free_port()


def serve_airflow(settings: Settings, say: Callable[[str], None]) -> str:
    """`govlake serve airflow`: the four services in the background, clock schedules on (production time), the UI
    behind the simple auth manager's login (AIRFLOW_ADMIN_USER / AIRFLOW_ADMIN_PASSWORD). New DAGs start paused."""
    login = (settings.airflow_admin_user, settings.airflow_admin_password)
    stack = AirflowStack(settings, database_url=_metadata_url(), login=login, api_port=_serve_port(settings))
    stack.prepare()
    url = stack.start()
    (stack.home / ".api_port").write_text(str(stack.api_port))
    say(f"Airflow: {url}  (login {login[0]} / {login[1]}; DAGs start paused; `govlake stop` stops it)")
    return url


def run_cli(settings: Settings, days: int, last: date, scale: float, seed: int, executor: str,
            say: Callable[[str], None], out: object, backfill: bool = False) -> bool:
    from rich.table import Table

    try:
        runs = orchestrate(settings, days, last, scale, seed, _metadata_url(), executor, say=say, backfill=backfill)
    except AirflowError as exc:
        say(f"[red]error:[/red] {exc}")
        return False
    table = Table("dag", "run", "logical date", "state", "seconds", "tasks", title=f"govlake orchestrate ({days} days)")
    for r in runs:
        table.add_row(r.dag_id, r.run_id, (r.logical_date or "—")[:10], r.state,
                      f"{r.seconds:.1f}" if r.seconds is not None else "—",
                      ", ".join(f"{t}={s}" for t, s in r.tasks.items()) or "none")
    out.print(table)  # type: ignore[attr-defined]
    failed = [r for r in runs if not r.ok]
    say(f"{len(runs)} DAG runs, {len(runs) - len(failed)} succeeded"
        + (f"; not successful: {', '.join(f'{r.dag_id}/{r.run_id}={r.state}' for r in failed)}" if failed else ""))
    return bool(runs) and not failed
