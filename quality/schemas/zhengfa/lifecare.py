"""pandera schemas for the 政法 operational database — S7 生命关爱 (life care): liaisons, rooms,
counsellors, libraries, crisis cases and their events.

Personal columns: quality/schemas/zhengfa/__init__.py.
"""

from __future__ import annotations

from datetime import datetime

import pandera.polars as pa
import polars as pl

from quality.blocks import (
    area_consistent,
    community,
    coordinates,
    duplicate_record,
    grid,
    key,
    not_before,
    one_of,
    ref,
    row_rule,
    street,
    text,
    when,
)
from quality.checks import citizen_id_valid, mobile_valid

DATE = pl.Date
# closed vocabularies of the source system (it has no dictionary tables; these are its documented values)
CRISIS_RISK = ["高危", "中危", "低危"]
CRISIS_STATUS = ["处置中", "跟踪回访", "已结案"]
CRISIS_STEPS = ["来电", "调度", "到场", "干预", "首次回访", "二次回访"]
LIBRARIES = ["案例库", "培训库", "法规文件库"]
GENDERS = ["男", "女"]
# mobile, or a landline with area code (hotline callers ring from both)
CALLER_PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"


def lifecare_liaison_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "liaison_id": key(r"^SMLL\d{5}$"),
            "name": text(nullable=False),
            # a liaison exists to be called out at any hour: no phone, no liaison
            "phone": pa.Column(pl.String, mobile_valid()),
            "unit_type": text(nullable=False),
            "unit_name": text(nullable=False),
            "street_code": street(),
            "community_code": community(),
            "registered_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[not_before("updated_at", "registered_at"), *area_consistent("street_code", "community_code", None)],
        name="lifecare_liaison",
    )


def lifecare_room_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "room_id": key(r"^XLZX\d{4}$"),
            "room_name": text(nullable=False),
            "host_type": text(nullable=False),
            "address": text(),
            "street_code": street(),
            "community_code": community(),
            **coordinates(),
            "open_hours": text(),
            "registered_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[not_before("updated_at", "registered_at"), *area_consistent("street_code", "community_code", None)],
        name="lifecare_room",
    )


def lifecare_counsellor_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "counsellor_id": key(r"^XLFW\d{5}$"),
            "name": text(nullable=False),
            "id_number": pa.Column(pl.String, citizen_id_valid(), nullable=True),
            "phone": pa.Column(pl.String, mobile_valid(), nullable=True),
            "qualification": text(nullable=False),
            "room_id": ref(r"^XLZX\d{4}$", nullable=True),
            "organisation": text(),
            "registered_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[not_before("updated_at", "registered_at")],
        name="lifecare_counsellor",
    )


def lifecare_library_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "entry_id": key(r"^ZSK\d{4}$"),
            "library": one_of(LIBRARIES),
            "title": text(nullable=False),
            "summary": text(),
            "published_on": when(received_at, dtype=DATE),
            "updated_at": when(received_at),
        },
        checks=[not_before("updated_at", "published_on")],
        name="lifecare_library",
    )


def lifecare_crisis_case_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "case_id": key(r"^SMGA\d{10}$"),
            "source": text(nullable=False),
            "reported_at": when(received_at),
            "caller_name": text(),
            "caller_phone": pa.Column(pl.String, pa.Check.str_matches(CALLER_PHONE_PATTERN), nullable=True),
            "subject_name": text(),
            "subject_id_number": pa.Column(pl.String, citizen_id_valid(), nullable=True),
            "subject_age": pa.Column(pl.Int64, pa.Check.in_range(0, 120), nullable=True),
            "subject_gender": one_of(GENDERS, nullable=True),
            # dispatch priority hangs on the risk assessment: a case without one cannot be triaged
            "risk_level": one_of(CRISIS_RISK),
            "street_code": street(),
            "community_code": community(),
            "grid_code": grid(),
            "liaison_id": ref(r"^SMLL\d{5}$", nullable=True),
            "counsellor_id": ref(r"^XLFW\d{5}$", nullable=True),
            "status": one_of(CRISIS_STATUS),
            "outcome": text(),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("updated_at", "reported_at"),
            row_rule("closed_case_has_outcome", (pl.col("status") != "已结案") | pl.col("outcome").is_not_null()),
            *area_consistent("street_code", "community_code", "grid_code"),
        ],
        name="lifecare_crisis_case",
    )


def lifecare_crisis_event_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "event_id": key(r"^SMGA\d{10}-\d{2}"),
            "case_id": ref(r"^SMGA\d{10}$"),
            "step": one_of(CRISIS_STEPS),
            "step_at": when(received_at),
            "handler": text(),
            "note": text(),
            "updated_at": when(received_at),
        },
        # the dispatch desk re-submits a step: one row per case and step
        checks=[not_before("updated_at", "step_at"), duplicate_record(["case_id", "step"], "event_id")],
        name="lifecare_crisis_event",
    )
