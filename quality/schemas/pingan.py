"""pandera schemas (polars backend) for the 深平安 source: the 平安建设工作台 (S2) and the safety baseline (S3).

What the platform must be able to trust in each table of the 深平安 system's database:
- codes from the 深平安 system's own dictionary (`sys_dict`: key-person subtypes, control levels, place and event
  types, clue categories) and from the area seeds (street, community, grid — and that the three agree);
- 18-digit citizen IDs with their check digit, mobile numbers, coordinates inside the district;
- the order of events within a row (left ≥ entered, closed ≥ created, check-out ≥ check-in …), status columns that
  agree with the timestamps they summarise, no timestamp later than the batch's arrival;
- the primary key unique, and the business key where the 深平安 system is known to create the same record twice under
  a new id (a second listing of a person, a work order or conflict item entered twice, a volunteer signed in twice):
  the first record keeps it, the later ones are quarantined. One batch sees only its own rows — a copy that arrives
  in a later batch than its original is left for staging to drop.

Work-order types, dispute types and activity types are not in `sys_dict`; their lists below are the 深平安 system's
configuration as the simulator documents it (`simulator/systems/pingan_work.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandera.polars as pa
import polars as pl

from quality.blocks import (
    AREAS_AGREE,
    TS,
    community,
    coordinates,
    grid,
    not_before,
    one_of,
    street,
    text,
    when,
)
from quality.checks import citizen_id_valid, mobile_valid

# date columns arrive as 'YYYY-MM-DD'; validate.py casts to datetimes, not dates (see the report to the lead)
DATE = pl.Datetime("us")

# `sys_dict` is read back from bronze as '<dict_type>/<code>' (one reference list for every dictionary type)
DICTIONARY_CODE = "dict_type || '/' || code"
DICT_TYPES = ["person_subtype", "control_level", "place_type", "event_type", "clue_category"]

ORDER_TYPES = [f"{i:02d}" for i in range(1, 11)]
DISPUTE_TYPES = [f"{i:02d}" for i in range(1, 12)]
ACTIVITY_TYPES = ["治安巡逻", "反诈宣传", "矛盾纠纷排查", "消防安全检查", "交通文明劝导", "禁毒宣传", "校园护学岗",
                  "出租屋走访", "法治宣传", "邻里守望"]
EXECUTION_TYPES = ["管制", "缓刑", "假释", "暂予监外执行"]


def dictionary_codes(known: Iterable[str], dict_type: str) -> list[str]:
    prefix = f"{dict_type}/"
    return sorted(c.removeprefix(prefix) for c in known if c.startswith(prefix))


# --- reusable column and row checks ----------------------------------------------------------------------------------

def _area_columns(grid_required: bool = False, with_grid: bool = True) -> dict[str, pa.Column]:
    cols = {"community_code": community(), "street_code": street()}
    if with_grid:
        cols["grid_code"] = grid(nullable=not grid_required)
    return cols


def set_iff_status(column: str, statuses: list[str]) -> pa.Check:
    """Row rule `status_matches_<column>`: COLUMN is filled exactly when the status is one of STATUSES."""
    return pa.Check(
        lambda data: data.lazyframe.select(pl.col("status").is_in(statuses) == pl.col(column).is_not_null()),
        name=f"status_matches_{column}",
    )


def first_of_business_key(keys: list[str], order: list[str], name: str) -> pa.Check:
    """Row rule NAME: among rows sharing KEYS (none null), only the first by ORDER passes — the later are copies."""
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        first = pl.int_range(pl.len()).over(keys) == 0
        incomplete = pl.any_horizontal(pl.col(k).is_null() for k in keys)
        return (data.lazyframe.with_row_index("_bk_row").sort(order, nulls_last=True)
                .with_columns((incomplete | first).alias("_bk_ok")).sort("_bk_row").select("_bk_ok"))

    return pa.Check(check, name=name)


def _pk() -> pa.Column:
    return pa.Column(pl.String, unique=True)


# --- S3 safety baseline ----------------------------------------------------------------------------------------------

def dictionary_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "dict_type": one_of(DICT_TYPES),
            "code": pa.Column(pl.String, pa.Check.str_matches(r"^\d{1,4}$")),
            "name": text(nullable=False),
            "standard": text(),
            "updated_at": pa.Column(TS),
        },
        unique=["dict_type", "code"],
        name="sys_dict",
    )


def key_person_schema(known: set[str], received_at: datetime) -> pa.DataFrameSchema:
    """A listing of a key person (GB/T 31000 subtypes); KNOWN holds the `sys_dict` codes ingested so far."""
    return pa.DataFrameSchema(
        {
            "person_id": _pk(),
            "id_number": pa.Column(pl.String, citizen_id_valid()),
            "name": text(nullable=False),
            "sex": one_of(["男", "女"], nullable=True),
            "phone": pa.Column(pl.String, mobile_valid(), nullable=True),
            "subtype_code": one_of(dictionary_codes(known, "person_subtype")),
            "control_level": one_of(dictionary_codes(known, "control_level")),
            **_area_columns(grid_required=True),
            "address": text(),
            "status": one_of(["在册", "已撤销"]),
            "entered_at": when(received_at),
            "left_at": when(received_at, nullable=True),
            "source_ref": text(),
            "execution_type": one_of(EXECUTION_TYPES, nullable=True),
            "crime": text(),
            "sentence_months": pa.Column(pl.Int32, pa.Check.in_range(1, 600), nullable=True),
            "correction_start": pa.Column(DATE, nullable=True),
            "correction_end": pa.Column(DATE, nullable=True),
            "release_date": pa.Column(DATE, nullable=True),
            "danger_level": pa.Column(pl.Int32, pa.Check.in_range(0, 5), nullable=True),
            "drug_type": text(),
            "created_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("left_at", "entered_at"),
            not_before("correction_end", "correction_start"),
            set_iff_status("left_at", ["已撤销"]),
            # the 17th digit of the ID is odd for men: a listing whose sex contradicts its own ID was keyed wrong
            pa.Check(lambda d: d.lazyframe.select(
                pl.col("id_number").is_null() | pl.col("sex").is_null()
                | ((pl.col("id_number").str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1)
                   == (pl.col("sex") == "男")).fill_null(True)), name="sex_matches_id_number"),
            # the same person listed again under the same subtype by another grid worker: the first listing counts
            first_of_business_key(["id_number", "subtype_code"], ["entered_at", "person_id"],
                                  "duplicate_listing"),
            AREAS_AGREE,
        ],
        name="key_person",
    )


def key_person_history_schema(known: set[str], received_at: datetime) -> pa.DataFrameSchema:
    levels = dictionary_codes(known, "control_level")
    return pa.DataFrameSchema(
        {
            "history_id": _pk(),
            "person_id": text(nullable=False),
            "change_type": one_of(["列管", "等级调整", "更正", "撤销列管"]),
            "from_level": one_of(levels, nullable=True),
            "to_level": one_of(levels, nullable=True),
            "changed_at": when(received_at),
            "reason": text(),
            "updated_at": when(received_at),
        },
        checks=[pa.Check(lambda d: d.lazyframe.select(
            # a listing sets a level, a de-listing clears it, a change or correction moves it from one to another
            pl.when(pl.col("change_type") == "列管").then(pl.col("to_level").is_not_null())
            .when(pl.col("change_type") == "撤销列管").then(pl.col("to_level").is_null())
            .otherwise(pl.col("from_level").is_not_null() & pl.col("to_level").is_not_null())),
            name="levels_match_change_type")],
        name="key_person_history",
    )


def key_place_schema(known: set[str], received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "place_id": _pk(),
            "place_type_code": one_of(dictionary_codes(known, "place_type")),
            "place_name": text(nullable=False),
            "address": text(nullable=False),
            **_area_columns(grid_required=True),
            **coordinates(),
            "risk_level": one_of(["高", "中", "低"]),
            "contact_name": text(),
            "contact_phone": pa.Column(pl.String, mobile_valid(), nullable=True),
            "status": one_of(["在管", "已注销"]),
            "registered_at": when(received_at),
            "deregistered_at": when(received_at, nullable=True),
            "created_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[not_before("deregistered_at", "registered_at"), set_iff_status("deregistered_at", ["已注销"]),
                AREAS_AGREE],
        name="key_place",
    )


def key_event_schema(known: set[str], received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "event_id": _pk(),
            "event_type_code": one_of(dictionary_codes(known, "event_type")),
            "event_level": one_of(["一般", "较大", "重大", "特别重大"]),
            "title": text(),
            "description": text(),
            **_area_columns(grid_required=True),
            **coordinates(),
            "status": one_of(["处置中", "已办结"]),
            "occurred_at": when(received_at),
            "reported_at": when(received_at),
            "closed_at": when(received_at, nullable=True),
            "created_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[not_before("reported_at", "occurred_at"), not_before("closed_at", "occurred_at"),
                set_iff_status("closed_at", ["已办结"]), AREAS_AGREE],
        name="key_event",
    )


def shce_clue_schema(known: set[str], received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "clue_id": _pk(),
            "clue_no": pa.Column(pl.String, unique=True),
            "source": text(nullable=False),
            "category_code": one_of(dictionary_codes(known, "clue_category")),
            "summary": text(),
            **_area_columns(),
            "status": one_of(["待核查", "核查中", "已办结", "移交"]),
            "result": one_of(["查否", "部分属实", "属实"], nullable=True),
            "transferred_to": text(),
            "handling_unit": text(),
            "received_at": when(received_at),
            "verification_started_at": when(received_at, nullable=True),
            "closed_at": when(received_at, nullable=True),
            "created_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[not_before("verification_started_at", "received_at"), not_before("closed_at", "received_at"),
                set_iff_status("closed_at", ["已办结", "移交"]), AREAS_AGREE],
        name="shce_clue",
    )


# --- S2 平安建设工作台 ------------------------------------------------------------------------------------------------

def work_order_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "order_id": _pk(),
            "order_type_code": one_of(ORDER_TYPES),
            "title": text(),
            "content": text(),
            "source": text(),
            "initiator_dept": text(),
            "handler_dept": text(nullable=False),
            "priority": one_of(["一般", "紧急", "特急"]),
            **_area_columns(),
            "status": one_of(["待签收", "已退回", "办理中", "已办结", "已归档"]),
            "created_at": when(received_at),
            "dispatched_at": when(received_at, nullable=True),
            "accepted_at": when(received_at, nullable=True),
            "due_at": when(received_at, nullable=True, future_ok=True),
            "closed_at": when(received_at, nullable=True),
            "archived_at": when(received_at, nullable=True),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("dispatched_at", "created_at"), not_before("accepted_at", "dispatched_at"),
            not_before("due_at", "created_at"), not_before("closed_at", "created_at"),
            not_before("archived_at", "closed_at"), set_iff_status("closed_at", ["已办结", "已归档"]),
            # the same order entered twice (same text, same minute, same grid): the first record id keeps it
            first_of_business_key(["content", "created_at", "grid_code"], ["order_id"], "duplicate_work_order"),
            AREAS_AGREE,
        ],
        name="work_order",
    )


def work_order_flow_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "flow_id": _pk(),
            "order_id": text(nullable=False),
            "step": one_of(["派单", "退回", "改派", "签收", "延期", "办结", "归档"]),
            "step_at": when(received_at),
            "department": text(),  # empty where the order itself lacks its handling department
            "updated_at": when(received_at),
        },
        name="work_order_flow",
    )


def reminder_letter_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "letter_id": _pk(),
            "letter_no": pa.Column(pl.String, unique=True),
            "place_id": text(nullable=False),
            "place_name": text(),
            "issuing_unit": text(nullable=False),
            "problem": text(),
            "requirement": text(),
            **_area_columns(),
            "status": one_of(["待签收", "整改中", "已整改", "逾期未整改"]),
            "issued_at": when(received_at),
            "signed_at": when(received_at, nullable=True),
            "deadline_at": when(received_at, nullable=True, future_ok=True),
            "rectified_at": when(received_at, nullable=True),
            "created_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[not_before("signed_at", "issued_at"), not_before("deadline_at", "issued_at"),
                not_before("rectified_at", "issued_at"), set_iff_status("rectified_at", ["已整改"]), AREAS_AGREE],
        name="reminder_letter",
    )


def rectification_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "rectification_id": _pk(),
            "letter_id": text(nullable=False),
            "round": pa.Column(pl.Int32, pa.Check.in_range(1, 20)),
            "measures": text(),
            "submitted_at": when(received_at),
            "reviewed_at": when(received_at, nullable=True),
            "review_result": one_of(["通过", "不通过"], nullable=True),
            "reviewer_unit": text(),
            "updated_at": when(received_at),
        },
        unique=["letter_id", "round"],
        checks=[
            not_before("reviewed_at", "submitted_at"),
            pa.Check(lambda d: d.lazyframe.select(pl.col("reviewed_at").is_null() == pl.col("review_result").is_null()),
                     name="review_result_matches_reviewed_at"),
        ],
        name="rectification",
    )


def conflict_item_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "item_id": _pk(),
            "dispute_type_code": one_of(DISPUTE_TYPES),
            "title": text(),
            "description": text(),
            "source": text(),
            "supervise_level": one_of(["区级督办", "街道督办", "社区跟进"]),
            "responsible_unit": text(nullable=False),
            "parties_count": pa.Column(pl.Int32, pa.Check.in_range(1, 10_000), nullable=True),
            "amount_involved": pa.Column(pl.Float64, pa.Check.ge(0), nullable=True),
            **_area_columns(),
            "status": one_of(["待受理", "调处中", "已办结"]),
            "result": one_of(["调解成功", "调解不成功引导诉讼", "终止调解"], nullable=True),
            "created_at": when(received_at),
            "accepted_at": when(received_at, nullable=True),
            "due_at": when(received_at, nullable=True, future_ok=True),
            "closed_at": when(received_at, nullable=True),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("accepted_at", "created_at"), not_before("due_at", "created_at"),
            not_before("closed_at", "created_at"), set_iff_status("closed_at", ["已办结"]),
            set_iff_status("result", ["已办结"]),
            first_of_business_key(["description", "created_at", "grid_code"], ["item_id"], "duplicate_conflict_item"),
            AREAS_AGREE,
        ],
        name="conflict_item",
    )


def activity_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "activity_id": _pk(),
            "activity_name": text(nullable=False),
            "activity_type": one_of(ACTIVITY_TYPES),
            "organiser_team": text(),
            **_area_columns(grid_required=True),
            "location": text(),
            **coordinates(),
            "planned_participants": pa.Column(pl.Int32, pa.Check.ge(0), nullable=True),
            "status": one_of(["报名中", "进行中", "已结束"]),
            "published_at": when(received_at),
            "start_at": when(received_at, future_ok=True),  # planned times: an activity is announced ahead
            "end_at": when(received_at, future_ok=True),
            "created_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[not_before("start_at", "published_at"), not_before("end_at", "start_at"), AREAS_AGREE],
        name="activity",
    )


def volunteer_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "volunteer_id": _pk(),
            "name": text(nullable=False),
            "phone": pa.Column(pl.String, mobile_valid(), nullable=True),
            "id_number": pa.Column(pl.String, citizen_id_valid(), nullable=True),
            "team": text(),
            **_area_columns(with_grid=False),
            "registered_at": when(received_at),
            "created_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[first_of_business_key(["id_number"], ["registered_at", "volunteer_id"], "duplicate_volunteer"),
                AREAS_AGREE],
        name="volunteer",
    )


def participation_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "participation_id": _pk(),
            "activity_id": text(nullable=False),
            "volunteer_id": text(nullable=False),
            "volunteer_name": text(),
            "volunteer_phone": pa.Column(pl.String, mobile_valid(), nullable=True),
            "checkin_at": when(received_at),
            "checkout_at": when(received_at, nullable=True),
            "service_hours": pa.Column(pl.Float64, pa.Check.in_range(0, 24), nullable=True),
            "confirmed_at": when(received_at, nullable=True),
            "created_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("checkout_at", "checkin_at"), not_before("confirmed_at", "checkin_at"),
            # one sign-in per volunteer and activity: a second one would count the same hours twice
            first_of_business_key(["activity_id", "volunteer_id"], ["checkin_at", "participation_id"],
                                  "duplicate_signin"),
        ],
        name="participation",
    )
