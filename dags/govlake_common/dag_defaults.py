"""What every govlake DAG shares: start date, owner and retries (default_args), one run at a time, tags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum

from govlake_common.cli import default_args, simulated_time

# before the simulated year (2024): a run with an earlier logical date would have no task instances
START = pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai")
# the simulated year's last second (simulator.run: the sources are simulated through 2024)
SIMULATED_END = pendulum.datetime(2024, 12, 31, 23, 59, 59, tz="Asia/Shanghai")
# in simulated time every ingest DAG has one run per simulated day, so `airflow backfill create` over a range of
# simulated days makes one run per day; noon Beijing keeps `{{ ds }}` on the same day in UTC and in Beijing
SIMULATED_DAILY = "0 12 * * *"


def ingest_schedule(cron: str) -> dict[str, Any]:
    """An ingest DAG's schedule: its source's cron; in simulated time (`govlake orchestrate`) one run per simulated
    day, ending with the simulated year, so the scheduler never creates a run for the machine's today (the DAGs are
    unpaused there) while `airflow backfill create` over simulated days has a timetable to follow."""
    if simulated_time():
        return {"schedule": SIMULATED_DAILY, "end_date": SIMULATED_END}
    return {"schedule": cron}


def freshness_expectation(within: timedelta) -> dict[str, Any]:
    """The SLA-style expectation: a run must finish within WITHIN; one that does not is failed by the scheduler
    (`dagrun_timeout`) and its DAG-level failure callback records an alert.

    Not a `DeadlineAlert`: in Airflow 3.3.2 `airflow dags test` fails on any DAG carrying one (the run looks up
    alert ids that the test never stored), and engineers debug DAGs with `dags test`."""
    return {"dagrun_timeout": within, "on_failure_callback": _record_run_failure}


def _record_run_failure(context: Any) -> None:
    from govlake_common.alerts import record_run_failure

    record_run_failure(context)


def dag_kwargs(dag_id: str, tags: list[str], doc_md: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "dag_id": dag_id,
        "description": description,
        "start_date": START,
        "catchup": False,
        "max_active_runs": 1,
        "default_args": default_args(),
        "doc_md": doc_md,
        "tags": ["govlake", *tags],
        **extra,
    }
