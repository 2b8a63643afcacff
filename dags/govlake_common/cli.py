"""Tasks that run the core `govlake` CLI in the core environment (docs/architecture.md §1).

DAGs hold no business logic.

The CLI reads DATA_DIR, LAKE_URI, … from the environment it inherits from the Airflow worker, and exits
non-zero on failure, which fails the task.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.bash import BashSensor
from airflow.sdk import Asset

# Writers of the DuckDB warehouse / serving snapshot (transform, publish) run in this pool of one slot: DuckDB
# allows a single read-write process (docs/architecture.md §3). Created by `airflow pools set govlake_writer 1 ...`
# in the compose init service and in the tests.
WRITER_POOL = "govlake_writer"


def repo_root() -> Path:
    """The govlake checkout this DAGs folder belongs to (dags/ sits at its root)."""
    return Path(__file__).resolve().parents[2]


def govlake_bin() -> str:
    """The core environment's CLI: `$GOVLAKE_BIN`, else the checkout's `.venv/bin/govlake`."""
    return os.environ.get("GOVLAKE_BIN") or str(repo_root() / ".venv" / "bin" / "govlake")


def simulated_time() -> bool:
    """True where `govlake orchestrate` drives the DAGs through simulated days (GOVLAKE_SIMULATED_TIME=1).

    The clock schedules are then off: each simulated day's runs are triggered with that day as their logical date,
    so `{{ ds }}` is the simulated day, never the machine's today.
    """
    return os.environ.get("GOVLAKE_SIMULATED_TIME", "") == "1"


def clock(schedule: str) -> str | None:
    """A DAG's cron schedule, or none in simulated time."""
    return None if simulated_time() else schedule


def default_args() -> dict[str, Any]:
    """Retries with exponential backoff: sources and the object store fail transiently, code bugs do not.

    GOVLAKE_TASK_RETRIES lowers the count where a failure must surface at once (tests, local debugging).
    The final failure records an alert (govlake_common.alerts).
    """
    return {
        "owner": "govlake",
        "retries": int(os.environ.get("GOVLAKE_TASK_RETRIES", "3")),
        # GOVLAKE_RETRY_DELAY_SECONDS shortens the first delay where a test waits for the retry
        "retry_delay": timedelta(seconds=float(os.environ.get("GOVLAKE_RETRY_DELAY_SECONDS", "120"))),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(hours=2),
        # the task's final failure records an alert (govlake_common.alerts)
        "on_failure_callback": _record_failure,
    }


def _record_failure(context: Any) -> None:
    from govlake_common.alerts import record_task_failure

    record_task_failure(context)


def govlake_command(args: Sequence[str]) -> str:
    """`govlake ARGS...` as a shell line; an argument holding a Jinja expression (`{{ ds }}`) is left unquoted."""
    return " ".join([shlex.quote(govlake_bin()), *(a if "{{" in a else shlex.quote(a) for a in args)])


def drop_sensor(task_id: str, globs: Sequence[str], **kwargs: Any) -> BashSensor:
    """Waits until one of GLOBS (under the sources inbox, `$DATA_DIR/sources`; Jinja-templated) holds a file.

    A day whose file never arrives ends as skipped after the timeout (its ingest with it), not as a failure: the
    next day's run picks up whatever arrived late, since `govlake ingest --day D` takes every file up to D.
    """
    inbox = '"${DATA_DIR:-var}/sources"'
    tests = " || ".join(f"compgen -G {inbox}/{shlex.quote(g) if '{{' not in g else g} > /dev/null" for g in globs)
    timeout = float(os.environ.get("GOVLAKE_DROP_TIMEOUT", "72000"))  # 20 h: the day's drop is late, not missing
    return BashSensor(
        task_id=task_id,
        bash_command=f"cd {shlex.quote(str(repo_root()))} && ( {tests} )",
        # a long wait frees its worker slot between pokes; a short one (simulated days) pokes in place, where a
        # timeout becomes a skip (soft_fail) — in reschedule mode Airflow 3.3 may fail it instead
        mode="reschedule" if timeout > 600 else "poke",
        poke_interval=float(os.environ.get("GOVLAKE_DROP_POKE", "300")),
        timeout=timeout,
        soft_fail=True,
        retries=0,
        **kwargs,
    )


def govlake_task(
    task_id: str,
    args: Sequence[str],
    *,
    writer: bool = False,
    inlets: Iterable[Asset] = (),
    outlets: Iterable[Asset] = (),
    operator: type[BashOperator] = BashOperator,
    **kwargs: Any,
) -> BashOperator:
    """A task running `govlake ARGS...`; `writer=True` puts it in the single-slot writer pool. OPERATOR is
    BashOperator or a subclass adding to it (the transform's `DbtBuildOperator`)."""
    command = govlake_command(args)
    if writer:
        kwargs.setdefault("pool", WRITER_POOL)
    return operator(
        task_id=task_id,
        bash_command=command,
        cwd=str(repo_root()),
        # BashOperator skips the task on exit 99 by default; every non-zero exit of the CLI is a failure
        skip_on_exit_code=None,
        inlets=list(inlets),
        outlets=list(outlets),
        **kwargs,
    )
