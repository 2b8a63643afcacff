"""What every govlake DAG shares: start date, owner and retries (default_args), one run at a time, tags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback

from govlake_common.cli import default_args

# before the simulated year (2024): a run with an earlier logical date would have no task instances
START = pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai")


def freshness_deadline(dag_id: str, within: timedelta) -> DeadlineAlert:
    """The SLA-style expectation: a run queued must have finished within WITHIN, else an alert is recorded."""
    hours = within.total_seconds() / 3600
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=within,
        callback=SyncCallback("govlake_common.alerts.deadline_missed",
                              kwargs={"dag_id": dag_id, "expectation": f"{hours:g} 小时内完成"}),
    )


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
