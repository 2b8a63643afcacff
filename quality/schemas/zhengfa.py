"""pandera schemas (polars backend) for the 政法 operational database: S7 life-care, S8 volunteers and night patrols,
S10 the procuratorate's supervision inputs.

PERSONAL DATA (PIPL; raw values stay in landing/bronze, the restricted zone — staging pseudonymises them). Listed per
table in PERSONAL_COLUMNS below; the life-care tables also hold *sensitive* personal information (health, crisis
whereabouts), so even their non-identifying columns must not leave the restricted zone unaggregated.

What a batch can and cannot see: duplicates re-sent under a new record id are caught here when both copies arrive in
the same batch (same updated_at, or a full load); a copy that arrives in a later incremental batch than its original
(volunteers re-registered a month later) is only caught by staging, which sees all batches.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

import pandera.polars as pa
import polars as pl

from quality.checks import citizen_id_valid, mobile_valid, not_in_future
from quality.codes import DISTRICT_BBOX, SEEDS_DIR, seed_column

TS = pl.Datetime("us")
DATE = pl.Date

PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "lifecare_liaison": ("name", "phone"),
    "lifecare_counsellor": ("name", "id_number", "phone"),
    # the whole case is sensitive: identity, health (risk level) and whereabouts of a person in crisis
    "lifecare_crisis_case": ("caller_name", "caller_phone", "subject_name", "subject_id_number", "subject_age",
                             "subject_gender", "risk_level", "grid_code"),
    "lifecare_crisis_event": ("handler", "note"),
    "volunteer": ("name", "id_number", "phone"),
    "night_patrol": ("leader_name",),
    "patrol_participation": ("person_name",),
    "correction_subject": ("id_number", "name", "phone", "crime", "execution_type", "sentence_months"),
    "driving_licence_status": ("id_number", "name"),
    "traffic_violation": ("driver_id_number", "driver_name", "plate_no"),
}

# closed vocabularies of the source system (it has no dictionary tables; these are its documented values)
CRISIS_RISK = ["高危", "中危", "低危"]
CRISIS_STATUS = ["处置中", "跟踪回访", "已结案"]
CRISIS_STEPS = ["来电", "调度", "到场", "干预", "首次回访", "二次回访"]
LIBRARIES = ["案例库", "培训库", "法规文件库"]
ACTIVITY_STATUS = ["招募中", "进行中", "已结束"]
PATROL_STATUS = ["巡逻中", "已完成"]
PATROL_ROLES = ["平安志愿者", "网格员", "社区民警", "楼栋长", "保安员", "党员"]
HAZARD_STATUS = ["已处置", "处置中", "已移交"]
EXECUTION_TYPES = ["管制", "缓刑", "假释", "暂予监外执行"]  # GB/T 31000 社区矫正 execution types
LICENCE_STATUS = ["正常", "暂扣", "吊销", "注销", "超分", "逾期"]
LICENCE_CLASSES = ["A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6", "D", "E", "F", "M", "N", "P"]
VIOLATION_STATUS = ["已处理", "未处理"]
GENDERS = ["男", "女"]

# a Chinese plate: province abbreviation, issuing-office letter, optional separator, 5 (6 for new-energy) characters
PLATE_PATTERN = r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z]·?[A-HJ-NP-Z0-9]{5,6}$"
# mobile, or a landline with area code (hotline callers ring from both)
CALLER_PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"
# GB/T 28181 device ID of a Longhua camera: 440309 + grassroots unit, industry, type 131/132 (camera), network, serial
DEVICE_PATTERN = r"^440309\d{4}13[12]\d{7}$"
ACTIVITY_MAX_LEAD = timedelta(days=90)  # an activity is published days, not a year, before it starts


# --- reusable checks --------------------------------------------------------------------------------------------

def row_rule(name: str, ok: pl.Expr) -> pa.Check:
    """A cross-field rule; a null operand means "not applicable" (whether it may be null is the column's business)."""
    return pa.Check(lambda data: data.lazyframe.select(ok.fill_null(True).alias(name)), name=name)


def not_before(later: str, earlier: str) -> pa.Check:
    return row_rule(f"{later}_not_before_{earlier}", pl.col(later) >= pl.col(earlier))


def present_iff(column: str, status_column: str, statuses: Sequence[str]) -> pa.Check:
    """COLUMN is filled exactly when STATUS_COLUMN is one of STATUSES (e.g. handled_at ⇔ 已处置)."""
    return row_rule(f"{column}_matches_{status_column}",
                    pl.col(status_column).is_in(list(statuses)) == pl.col(column).is_not_null())


def duplicate_record(keys: Sequence[str], primary_key: str) -> pa.Check:
    """The same business record re-sent under a new primary key: every copy after the first-numbered one fails.

    Order-independent (min of the key, not row order), so the verdict does not depend on how the database returns
    rows. Rows with an incomplete business key are not judged here (their missing field is its own rule).
    """
    complete = pl.all_horizontal(pl.col(k).is_not_null() for k in keys)
    first = pl.col(primary_key) == pl.col(primary_key).min().over(list(keys))
    return row_rule("duplicate_record", ~complete | first)


@lru_cache
def _parent_of(seed: str, child: str, parent: str) -> dict[str, str]:
    with open(SEEDS_DIR / f"{seed}.csv", encoding="utf-8") as fh:
        return {row[child]: row[parent] for row in csv.DictReader(fh)}


def area_consistent(street_col: str, community_col: str, grid_col: str | None) -> list[pa.Check]:
    """The grid lies in the community and the community in the street (the seeds' hierarchy)."""
    in_street = pl.col(community_col).replace_strict(
        _parent_of("ref_communities", "community_code", "street_code"), default=None, return_dtype=pl.String)
    checks = [row_rule("community_in_street", in_street == pl.col(street_col))]
    if grid_col:
        in_community = pl.col(grid_col).replace_strict(
            _parent_of("ref_grids", "grid_code", "community_code"), default=None, return_dtype=pl.String)
        checks.append(row_rule("grid_in_community", in_community == pl.col(community_col)))
    return checks


def _codes(seed: str, column: str) -> pa.Check:
    return pa.Check.isin(sorted(seed_column(seed, column)))


def street(nullable: bool = True) -> pa.Column:
    return pa.Column(pl.String, _codes("ref_streets", "street_code"), nullable=nullable)


def community(nullable: bool = True) -> pa.Column:
    return pa.Column(pl.String, _codes("ref_communities", "community_code"), nullable=nullable)


def grid(nullable: bool = True) -> pa.Column:
    return pa.Column(pl.String, _codes("ref_grids", "grid_code"), nullable=nullable)


def longitude() -> pa.Column:
    return pa.Column(pl.Float64, pa.Check.in_range(DISTRICT_BBOX["lon_min"], DISTRICT_BBOX["lon_max"]), nullable=True)


def latitude() -> pa.Column:
    return pa.Column(pl.Float64, pa.Check.in_range(DISTRICT_BBOX["lat_min"], DISTRICT_BBOX["lat_max"]), nullable=True)


def key(pattern: str) -> pa.Column:
    return pa.Column(pl.String, pa.Check.str_matches(pattern), unique=True)


def ref(pattern: str, nullable: bool = False) -> pa.Column:
    return pa.Column(pl.String, pa.Check.str_matches(pattern), nullable=nullable)


def text(nullable: bool = True) -> pa.Column:
    return pa.Column(pl.String, nullable=nullable)


def one_of(values: Sequence[str], nullable: bool = False) -> pa.Column:
    return pa.Column(pl.String, pa.Check.isin(list(values)), nullable=nullable)


def when(received_at: datetime, nullable: bool = False, dtype: pl.DataType = TS) -> pa.Column:
    return pa.Column(dtype, not_in_future(received_at), nullable=nullable)


# --- S7 生命关爱 --------------------------------------------------------------------------------------------------

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
            "longitude": longitude(),
            "latitude": latitude(),
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


# --- S8 群防群治 volunteers and 平安夜巡 -------------------------------------------------------------------------

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
            "longitude": longitude(),
            "latitude": latitude(),
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


# --- S10 法律监督 inputs ------------------------------------------------------------------------------------------

def correction_subject_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "subject_id": key(r"^SQJZ\d{6}$"),
            "id_number": pa.Column(pl.String, citizen_id_valid()),  # the 失驾 model joins on it
            "name": text(nullable=False),
            "phone": pa.Column(pl.String, mobile_valid(), nullable=True),
            "grid_code": grid(),
            "community_code": community(),
            "street_code": street(),
            "execution_type": one_of(EXECUTION_TYPES),
            "crime": text(),
            "sentence_months": pa.Column(pl.Int64, pa.Check.gt(0), nullable=True),
            "correction_start": when(received_at, dtype=DATE),
            "correction_end": pa.Column(DATE),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("correction_end", "correction_start"),
            *area_consistent("street_code", "community_code", "grid_code"),
        ],
        name="correction_subject",
    )


def driving_licence_status_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "record_id": key(r"^JZ\d{10}$"),
            "id_number": pa.Column(pl.String, citizen_id_valid()),  # the licence number is the holder's citizen ID
            "name": text(),
            "licence_class": one_of(LICENCE_CLASSES, nullable=True),
            "status": one_of(LICENCE_STATUS),  # the 失驾 model reads it: a row without a status is useless
            "valid_from": when(received_at, dtype=DATE),
            "valid_to": pa.Column(DATE, nullable=True),
            "reason": text(),
            "issuing_authority": text(),
            "updated_at": when(received_at),
        },
        checks=[
            # valid_to is exclusive: an interval must hold at least one day
            row_rule("valid_to_after_valid_from", pl.col("valid_to") > pl.col("valid_from")),
            not_before("updated_at", "valid_from"),
            duplicate_record(["id_number", "valid_from"], "record_id"),
        ],
        name="driving_licence_status",
    )


def traffic_violation_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "violation_id": key(r"^4403\d{15}$"),
            "driver_id_number": pa.Column(pl.String, citizen_id_valid()),  # the driver is identified (table contract)
            "driver_name": text(),
            "plate_no": pa.Column(pl.String, pa.Check.str_matches(PLATE_PATTERN)),
            "violation_at": when(received_at),
            "device_id": pa.Column(pl.String, pa.Check.str_matches(DEVICE_PATTERN), nullable=True),
            "place": text(),
            "street_code": street(),
            "violation_code": pa.Column(pl.String, pa.Check.str_matches(r"^\d{4,5}$"), nullable=True),
            "violation_desc": text(),
            "points": pa.Column(pl.Int64, pa.Check.in_range(0, 12), nullable=True),
            "fine_yuan": pa.Column(pl.Int64, pa.Check.ge(0), nullable=True),
            "status": one_of(VIOLATION_STATUS),
            "processed_at": when(received_at, nullable=True),
            "updated_at": when(received_at),
        },
        checks=[
            # the capture is uploaded after it happens: a capture time after the row's last change is a device clock
            # set wrong (a year ahead passes received_at once that year has come)
            not_before("updated_at", "violation_at"),
            not_before("processed_at", "violation_at"),
            not_before("updated_at", "processed_at"),
            present_iff("processed_at", "status", ["已处理"]),
            duplicate_record(["driver_id_number", "violation_at", "device_id", "violation_code"], "violation_id"),
        ],
        name="traffic_violation",
    )


def supervision_model_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "model_id": key(r"^JDMX\d{2}$"),
            "model_name": pa.Column(pl.String, unique=True),
            "domain": text(nullable=False),
            "description": text(),
            "built_on": when(received_at, dtype=DATE),
            "status": text(nullable=False),
            "national_listed": pa.Column(pl.Boolean),
            "listed_on": when(received_at, nullable=True, dtype=DATE),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("listed_on", "built_on"),
            row_rule("listed_model_has_listed_on", ~pl.col("national_listed") | pl.col("listed_on").is_not_null()),
        ],
        name="supervision_model",
    )
