"""pandera schemas (polars backend) for S5, the community workbench (数治助手/社区工作台) open API.

No personal data beyond an app's creator (a staff member's name). The resources are counts and statistics, so
what the platform must trust is mostly arithmetic: counts ≥ 0, online ≤ total, percentages within 0–100, ids that
agree with the fields they are built from, statistics not dated before the day they count.

Duplicates: the upstream re-sends a row under the *same* key (apps, record counts). Within one batch the copies are
seen together (same updated_at) and all but the last are quarantined as `duplicate_key`; a row re-sent with a new
updated_at in a later batch is a new version, which staging resolves (latest updated_at per key).

Future timestamps: besides `not_in_future` (vs the batch's received time), an app's created_at is checked against
the upstream's own clock — the latest updated_at it served in the batch. Every creation stamps updated_at, so a
created_at after all of them was typed ahead, even where the wall clock has long passed that date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandera.polars as pa
import polars as pl

from quality.blocks import (
    TS,
    area_consistent,
    community,
    key,
    not_before,
    one_of,
    ref,
    row_rule,
    street,
    text,
    when,
)

# closed vocabularies of the community (its API documentation; it serves no dictionary resource for them)
CATEGORIES = ["党建引领", "平安建设", "民生服务", "城市治理", "安全生产", "人口管理", "矛盾调解", "应急管理",
              "疫情防控", "综合事务"]
APP_STATUS = ["启用", "停用"]
TASK_STATUS = ["未启动", "推进中", "滞后", "已完成"]
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {"apps": ("creator",)}


# --- building blocks ------------------------------------------------------------------------------------------

def stamped_not_before_day(day: str) -> pa.Check:
    """A statistic is computed after the day it counts: updated_at on or after the start of DAY."""
    return row_rule(f"updated_at_not_before_{day}", pl.col("updated_at") >= pl.col(day).cast(TS))


def duplicate_key(primary_key: str) -> pa.Check:
    """The same key twice in one batch: the last copy stays (rows come ordered by updated_at, so it is the newest)."""
    last = pl.int_range(pl.len()).over(primary_key) == pl.len().over(primary_key) - 1
    return row_rule("duplicate_key", last)


def id_composed_of(key: str, parts: Sequence[pl.Expr]) -> pa.Check:
    """KEY is built from other fields (e.g. app_id + stat_date): a mismatch means a field was changed under it."""
    return row_rule(f"{key}_matches_its_fields", pl.col(key) == pl.concat_str(parts))


def count() -> pa.Column:
    return pa.Column(pl.Int64, pa.Check.ge(0))


def percent(nullable: bool = False) -> pa.Column:
    return pa.Column(pl.Float64, pa.Check.in_range(0, 100), nullable=nullable)


def _month_start(month: str) -> pl.Expr:
    return pl.concat_str(pl.col(month), pl.lit("-01")).str.to_date("%Y-%m-%d", strict=False)


# --- resources --------------------------------------------------------------------------------------------------

def scenarios_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "scenario_id": key(r"^SC\d{3}$", unique=False),
            "scenario_name": text(nullable=False),
            "domain": one_of(CATEGORIES),
            "launched_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[not_before("updated_at", "launched_at"), duplicate_key("scenario_id")],
        name="scenarios",
    )


def indicators_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "indicator_code": key(r"^I\d{2}$", unique=False),
            "indicator_name": pa.Column(pl.String, nullable=False),
            "unit": text(nullable=False),
            "definition": text(),
            "updated_at": when(received_at),
        },
        checks=[duplicate_key("indicator_code")],
        name="indicators",
    )


def apps_schema(known_scenarios: set[str], received_at: datetime) -> pa.DataFrameSchema:
    """KNOWN_SCENARIOS: the scenario ids of the upstream's own scenarios resource (ingested first)."""
    return pa.DataFrameSchema(
        {
            "app_id": key(r"^APP\d{6}$", unique=False),
            "app_name": text(nullable=False),
            # apps are counted per community (community.apps): an app without its community cannot be placed
            "community_code": community(nullable=False),
            "street_code": street(nullable=False),
            "category": one_of(CATEGORIES),
            "scenario_id": one_of(known_scenarios),
            "creator": text(),
            "form_fields": pa.Column(pl.Int64, pa.Check.ge(1), nullable=True),  # a form has at least one field
            "status": one_of(APP_STATUS),
            "created_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("updated_at", "created_at"),
            row_rule("created_at_not_after_upstream_clock", pl.col("created_at") <= pl.col("updated_at").max()),
            *area_consistent(grid_col=None),
            duplicate_key("app_id"),
        ],
        name="apps",
    )


def app_record_counts_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "stat_id": key(r"^APP\d{6}-\d{8}$", unique=False),
            # not checked against the apps resource: a count of an app quarantined for its own defect is still a
            # count (staging joins them); the pattern keeps garbage out
            "app_id": ref(r"^APP\d{6}$"),
            "stat_date": when(received_at, dtype=pl.Date),
            "records_added": count(),
            "updated_at": when(received_at),
        },
        checks=[
            id_composed_of("stat_id", [pl.col("app_id"), pl.lit("-"), pl.col("stat_date").dt.strftime("%Y%m%d")]),
            stamped_not_before_day("stat_date"),
            duplicate_key("stat_id"),
        ],
        name="app_record_counts",
    )


def tasks_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "task_id": key(r"^KT\d{2}$", unique=False),
            "task_name": text(nullable=False),
            "category": one_of(CATEGORIES),
            "lead_unit": text(nullable=False),  # accountability: every key task has a lead unit
            "start_date": pa.Column(pl.Date),
            "due_date": pa.Column(pl.Date),
            "progress_pct": percent(),
            "status": one_of(TASK_STATUS),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("due_date", "start_date"),
            # the status is derived from progress upstream: the two must tell the same story
            row_rule("status_completed_iff_progress_100", (pl.col("status") == "已完成") == (pl.col("progress_pct")
                                                                                           >= 100)),
            row_rule("status_not_started_has_no_progress", (pl.col("status") != "未启动") | (pl.col("progress_pct")
                                                                                           == 0)),
            duplicate_key("task_id"),
        ],
        name="tasks",
    )


def task_progress_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "progress_id": key(r"^KT\d{2}-\d{6}$", unique=False),
            "task_id": ref(r"^KT\d{2}$"),
            "month": ref(MONTH_PATTERN),
            "progress_pct": percent(),
            "planned_pct": percent(),
            "updated_at": when(received_at),
        },
        checks=[
            id_composed_of("progress_id", [pl.col("task_id"), pl.lit("-"), pl.col("month").str.replace("-", "")]),
            stamped_not_before_day_of_month(),
            duplicate_key("progress_id"),
        ],
        name="task_progress",
    )


def stamped_not_before_day_of_month() -> pa.Check:
    """A monthly report is filed in the month it reports on, or after it."""
    return row_rule("updated_at_not_before_month", pl.col("updated_at") >= _month_start("month").cast(TS))


def indicator_values_schema(known_indicators: set[str], received_at: datetime) -> pa.DataFrameSchema:
    """KNOWN_INDICATORS: the codes of the upstream's indicators resource (ingested first)."""
    return pa.DataFrameSchema(
        {
            "value_id": key(r"^I\d{2}-\d{12}-\d{6}$", unique=False),
            "indicator_code": one_of(known_indicators),
            "community_code": community(nullable=False),
            "month": ref(MONTH_PATTERN),
            "value": percent(),  # all nine core indicators are rates in %
            "updated_at": when(received_at),
        },
        checks=[
            id_composed_of("value_id", [pl.col("indicator_code"), pl.lit("-"), pl.col("community_code"), pl.lit("-"),
                                        pl.col("month").str.replace("-", "")]),
            # a month's value is published once the month is over
            row_rule("published_after_month_end",
                     pl.col("updated_at") >= _month_start("month").dt.offset_by("1mo").cast(TS)),
            duplicate_key("value_id"),
        ],
        name="indicator_values",
    )


def work_stats_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "stat_id": key(r"^\d{12}-\d{8}$", unique=False),
            "community_code": community(nullable=False),
            "stat_date": when(received_at, dtype=pl.Date),
            "items_total": count(),
            "items_online": count(),
            "updated_at": when(received_at),
        },
        checks=[
            row_rule("items_online_not_above_items_total", pl.col("items_online") <= pl.col("items_total")),
            id_composed_of("stat_id", [pl.col("community_code"), pl.lit("-"),
                                       pl.col("stat_date").dt.strftime("%Y%m%d")]),
            stamped_not_before_day("stat_date"),
            duplicate_key("stat_id"),
        ],
        name="work_stats",
    )
