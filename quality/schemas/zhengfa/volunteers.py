"""pandera schemas for the 政法 operational database — S8 群防群治 volunteers, their activities
and points, and 平安夜巡 night patrols, check-ins and hazards.

Personal columns: quality/schemas/zhengfa/__init__.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandera.polars as pa
import polars as pl

from quality.blocks import (
    TS,
    area_consistent,
    community,
    coordinates,
    duplicate_record,
    grid,
    key,
    not_before,
    one_of,
    present_iff,
    ref,
    row_rule,
    street,
    text,
    when,
)
from quality.checks import citizen_id_valid, mobile_valid

# closed vocabularies of the source system (it has no dictionary tables; these are its documented values)
ACTIVITY_STATUS = ["招募中", "进行中", "已结束"]
PATROL_STATUS = ["巡逻中", "已完成"]
PATROL_ROLES = ["平安志愿者", "网格员", "社区民警", "楼栋长", "保安员", "党员"]
HAZARD_STATUS = ["已处置", "处置中", "已移交"]
ACTIVITY_MAX_LEAD = timedelta(days=90)  # an activity is published days, not a year, before it starts


def volunteer_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "volunteer_id": key(r"^ZYZ\d{7}$"),
            "name": text(nullable=False),
            # real-name registration: the citizen ID is the person, the phone is how teams call them out
            "id_number": pa.Column(pl.String, citizen_id_valid()),
            "phone": pa.Column(pl.String, mobile_valid()),
            "team": text(),
            "grid_code": grid(),
            "community_code": community(),
            "street_code": street(),
            "registered_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("updated_at", "registered_at"),
            # the same person registered twice (seen only when both registrations are in this batch); one ID under two
            # names is a different defect, left to staging
            duplicate_record(["id_number", "name"], "volunteer_id"),
            *area_consistent("street_code", "community_code", "grid_code"),
        ],
        name="volunteer",
    )


def volunteer_activity_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "activity_id": key(r"^HD\d{11}$"),
            "title": text(nullable=False),
            "activity_type": text(nullable=False),
            "organiser": text(),
            "grid_code": grid(),
            # activities are counted per community (indicators, scoping): the community is required
            "community_code": community(nullable=False),
            "street_code": street(nullable=False),
            "published_at": when(received_at),
            "start_at": pa.Column(TS),
            "end_at": pa.Column(TS),
            "quota": pa.Column(pl.Int64, pa.Check.gt(0), nullable=True),
            "status": one_of(ACTIVITY_STATUS),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("start_at", "published_at"),
            not_before("end_at", "start_at"),
            # a start a year after publication is a mistyped year, not a plan (future dates pass received_at)
            row_rule("start_at_within_90_days_of_published_at",
                     pl.col("start_at") - pl.col("published_at") <= ACTIVITY_MAX_LEAD),
            row_rule("end_at_within_a_day_of_start_at", pl.col("end_at") - pl.col("start_at") <= timedelta(days=1)),
            row_rule("ended_activity_end_at_not_after_updated_at",
                     (pl.col("status") != "已结束") | (pl.col("end_at") <= pl.col("updated_at"))),
            not_before("updated_at", "published_at"),
            *area_consistent("street_code", "community_code", "grid_code"),
        ],
        name="volunteer_activity",
    )


def volunteer_points_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "record_id": key(r"^JF\d{10}$"),
            "activity_id": ref(r"^HD\d{11}$"),
            # points are credited to a person: a record without its volunteer cannot be credited
            "volunteer_id": ref(r"^ZYZ\d{7}$"),
            "hours": pa.Column(pl.Float64, pa.Check.in_range(0, 24, include_min=False), nullable=True),
            "points": pa.Column(pl.Int64, pa.Check.ge(0)),
            "issued_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("updated_at", "issued_at"),
            duplicate_record(["activity_id", "volunteer_id", "issued_at"], "record_id"),
        ],
        name="volunteer_points",
    )


def night_patrol_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "patrol_id": key(r"^YX\d{10}$"),
            "patrol_name": text(nullable=False),
            # patrols are planned per grid (the one-map shows them there): the grid is required
            "grid_code": grid(nullable=False),
            "community_code": community(nullable=False),
            "street_code": street(nullable=False),
            "route": text(),
            "leader_name": text(),
            "start_at": when(received_at),
            "end_at": pa.Column(TS),
            "participant_count": pa.Column(pl.Int64, pa.Check.ge(0), nullable=True),
            "status": one_of(PATROL_STATUS),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("end_at", "start_at"),
            row_rule("end_at_within_12_hours_of_start_at",
                     pl.col("end_at") - pl.col("start_at") <= timedelta(hours=12)),
            not_before("updated_at", "start_at"),
            *area_consistent("street_code", "community_code", "grid_code"),
        ],
        name="night_patrol",
    )


def patrol_participation_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "participation_id": key(r"^YX\d{10}-\d{3}$"),
            "patrol_id": ref(r"^YX\d{10}$"),
            "volunteer_id": ref(r"^ZYZ\d{7}$", nullable=True),
            "person_name": text(),
            "role": one_of(PATROL_ROLES),
            "checked_in_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("updated_at", "checked_in_at"),
            # a volunteer's check-in earns points, so it must name the volunteer
            row_rule("volunteer_check_in_has_volunteer_id",
                     (pl.col("role") != "平安志愿者") | pl.col("volunteer_id").is_not_null()),
            duplicate_record(["patrol_id", "person_name", "role", "checked_in_at"], "participation_id"),
        ],
        name="patrol_participation",
    )


def patrol_hazard_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "hazard_id": key(r"^YX\d{10}-H\d{2}"),
            "patrol_id": ref(r"^YX\d{10}$"),
            "hazard_type": text(nullable=False),
            "grid_code": grid(),
            **coordinates(),
            "found_at": when(received_at),
            "status": one_of(HAZARD_STATUS),
            "handled_at": when(received_at, nullable=True),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("handled_at", "found_at"),
            # the row changes when the hazard is handled: a handling time after the last change is a wrong clock
            not_before("updated_at", "handled_at"),
            not_before("updated_at", "found_at"),
            present_iff("handled_at", "status", ["已处置"]),
            # two lamps found broken in the same second are two hazards: the place tells a re-sent copy from them
            duplicate_record(["patrol_id", "hazard_type", "found_at", "longitude", "latitude"], "hazard_id"),
        ],
        name="patrol_hazard",
    )
