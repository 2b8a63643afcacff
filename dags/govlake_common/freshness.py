"""The source-freshness task: `govlake freshness` (dbt source freshness), then each source held to its expectation.

dbt's own thresholds (dbt_project.yml: warn after 26 hours) only warn. Each source's expected freshness is its row
in govlake_common.sources (2 h for the hourly sources, 26–30 h for the daily ones): after the command, dbt's
`sources.json` gives every bronze table's age (how long ago its newest row was loaded); a source whose freshest table
is older than its expectation records a `freshness_breach` alert naming the source (the task itself succeeds: the
check ran, the data is late). A code table that rarely changes does not make its source late while the source's
other tables are loaded. GOVLAKE_FRESHNESS_SECONDS (`minyi=60,video=3600`) overrides expectations (tests, tuning).
"""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.providers.standard.operators.bash import BashOperator

from govlake_common.alerts import record
from govlake_common.sources import SOURCES

BRONZE_PREFIX = "bronze_"  # the dbt sources of bronze tables: bronze_<system>


def sources_json_path() -> Path:
    data_dir = Path(os.environ.get("DATA_DIR") or Path(__file__).resolve().parents[2] / "var")
    return data_dir / "dbt" / "target" / "sources.json"


def expectations() -> dict[str, timedelta]:
    expected = {s.name: s.freshness for s in SOURCES}
    for pair in filter(None, os.environ.get("GOVLAKE_FRESHNESS_SECONDS", "").split(",")):
        name, _, seconds = pair.partition("=")
        if name.strip() not in expected or not seconds.strip():
            raise ValueError(f"GOVLAKE_FRESHNESS_SECONDS: {pair!r} is not SOURCE=SECONDS for a known source")
        expected[name.strip()] = timedelta(seconds=float(seconds))
    return expected


# `_ingested_at` (the loaded_at_field) is a naive Beijing wall-clock time (ingestion/clock.py), which dbt compares
# with the UTC now as if it were UTC: its `max_loaded_at_time_ago_in_s` is eight hours short
LOADED_AT_UTC_OFFSET_S = 8 * 3600


def source_ages(results: dict[str, Any]) -> dict[str, tuple[float, str]]:
    """Per source system: (seconds since its freshest table was loaded, that table)."""
    ages: dict[str, tuple[float, str]] = {}
    for r in results.get("results", []):
        parts = str(r.get("unique_id", "")).split(".")  # source.govlake.bronze_minyi.tickets
        age = r.get("max_loaded_at_time_ago_in_s")
        if len(parts) != 4 or not parts[2].startswith(BRONZE_PREFIX) or age is None:
            continue
        system = parts[2].removeprefix(BRONZE_PREFIX)
        age = float(age) + LOADED_AT_UTC_OFFSET_S
        if system not in ages or age < ages[system][0]:
            ages[system] = (age, parts[3])
    return ages


def breaches(ages: dict[str, tuple[float, str]], expected: dict[str, timedelta]) -> list[tuple[str, float, str]]:
    return [(system, age, table) for system, (age, table) in sorted(ages.items())
            if system in expected and age > expected[system].total_seconds()]


class FreshnessOperator(BashOperator):
    """`govlake freshness`, then a `freshness_breach` alert for every source past its expected freshness."""

    def execute(self, context: Any) -> Any:
        started = time.time()
        result = super().execute(context)
        path = sources_json_path()
        if not path.exists() or path.stat().st_mtime < started - 1:
            self.log.warning("dbt wrote no sources.json (%s): no source checked against its expectation", path)
            return result
        ages = source_ages(json.loads(path.read_text(encoding="utf-8")))
        expected = expectations()
        late = breaches(ages, expected)
        lines = [f"{system:<14} {age / 3600:>8.2f} h  (expected within {expected[system].total_seconds() / 3600:g} h)"
                 f"{'  LATE' if any(s == system for s, *_ in late) else ''}"
                 for system, (age, _) in sorted(ages.items()) if system in expected]
        self.log.info("source freshness against each source's expectation:\n%s", "\n".join(lines))
        ti = context["ti"]
        for system, age, table in late:
            hours = expected[system].total_seconds() / 3600
            record("freshness_breach", ti.dag_id, ti.task_id, ti.run_id,
                   f"来源 {system} 最近一次入湖（{table} 等）在 {age / 3600:.2f} 小时前，超过期望时效 {hours:g} 小时",
                   source=system)
        ti.xcom_push(key="late_sources", value=[s for s, *_ in late])
        return result
