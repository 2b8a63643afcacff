"""pandera schemas (polars backend) for the 民意速办 source entities.

The intake: channel, ticket, ticket_flow. The follow-up and supervision work on tickets: rating (回访评价), warning
(预警), letter and letter_ticket (提醒函 / 督办函 and the tickets each is about), field_reinspection (实地督查复核),
report (专报 and 民生诉求分析报表). The source has no dictionary tables for the latter's enums: they are the platform's
fixed vocabularies, stated here.

Rows are not checked against the ticket table: a rating of a ticket that was quarantined is still a true rating, and
orphans (a rating whose ticket never arrived) are for staging, which sees every batch.
"""

from __future__ import annotations

from datetime import datetime

import pandera.polars as pa
import polars as pl

from quality.blocks import (
    TS,
    community,
    coordinates,
    key,
    not_before,
    one_of,
    present_iff,
    row_rule,
    street,
    when,
)
from quality.checks import mobile_valid, not_in_future
from quality.codes import seed_column

TICKET_ID = r"^MY\d{12}$"
FLOW_STEPS = ["dispatch", "accept", "first_contact", "return", "extend", "close", "visit", "reopen", "supervise"]


def channel_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "channel_code": pa.Column(pl.String, pa.Check.str_matches(r"^CH\d{2}$"), unique=True),
            "channel_name": pa.Column(pl.String),
            "self_collected": pa.Column(pl.Boolean),
            "updated_at": pa.Column(TS),
        },
        name="channel",
    )


def _closed_iff_closed_at(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select((pl.col("status") == "closed") == pl.col("closed_at").is_not_null())


def ticket_schema(known_channels: set[str], received_at: datetime) -> pa.DataFrameSchema:
    """KNOWN_CHANNELS come from the source's own channel table; RECEIVED_AT bounds timestamps (no future ones)."""
    not_future = not_in_future(received_at)
    return pa.DataFrameSchema(
        {
            "ticket_id": key(TICKET_ID),
            "channel_code": pa.Column(pl.String, pa.Check.isin(sorted(known_channels))),
            "category_code": pa.Column(pl.String, pa.Check.isin(sorted(seed_column("ref_ticket_categories",
                                                                                    "category_code")))),
            "street_code": street(nullable=False),
            "community_code": community(nullable=False),
            "title": pa.Column(pl.String, nullable=True),
            "content": pa.Column(pl.String, nullable=True),
            "caller_name": pa.Column(pl.String, nullable=True),
            "caller_phone": pa.Column(pl.String, pa.Check.str_matches(r"^1[3-9]\d{9}$"), nullable=True),
            **coordinates(),
            "status": pa.Column(pl.String, pa.Check.isin(["open", "closed"])),
            "created_at": pa.Column(TS, not_future),
            "dispatched_at": pa.Column(TS, not_future, nullable=True),
            "due_at": pa.Column(TS, nullable=True),
            "closed_at": pa.Column(TS, not_future, nullable=True),
            "updated_at": pa.Column(TS, not_future),
        },
        checks=[
            not_before("closed_at", "created_at"),
            pa.Check(_closed_iff_closed_at, name="status_matches_closed_at"),
        ],
        name="ticket",
    )


def ticket_flow_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "flow_id": pa.Column(pl.String, unique=True),
            "ticket_id": pa.Column(pl.String, pa.Check.str_matches(TICKET_ID)),
            "step": pa.Column(pl.String, pa.Check.isin(FLOW_STEPS)),
            "step_at": pa.Column(TS, not_in_future(received_at)),
            "department": pa.Column(pl.String, nullable=True),
            "note": pa.Column(pl.String, nullable=True),
            "updated_at": pa.Column(TS),
        },
        name="ticket_flow",
    )


# --- follow-up and supervision ----------------------------------------------------------------------------------

SATISFACTION = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
VISIT_METHODS = ["电话回访", "短信回访"]
# warning rule code -> its level (临期 yellow, 超期 red)
WARNING_LEVELS = {"OVERDUE_RISK_12H": "黄色", "OVERDUE": "红色"}
WARNING_STATUSES = ["待处置", "已办结"]
LETTER_TYPES = {"提醒函": "提", "督办函": "督"}  # letter type -> the character in its number (龙民速督〔2024〕1号)
LETTER_STATUSES = ["已发函", "已回复"]
REINSPECTION_RESULTS = ["整改到位", "部分整改", "未整改"]
# report type -> the period types it is issued for
REPORT_PERIODS = {"专报": ["专题"], "民生诉求分析报表": ["日", "周", "月"]}


def _ticket_ref() -> pa.Column:
    return pa.Column(pl.String, pa.Check.str_matches(TICKET_ID))


def rating_schema(received_at: datetime) -> pa.DataFrameSchema:
    """回访评价: one per visit round of a citizen ticket; the id is the ticket id and the round (MY…-R1)."""
    return pa.DataFrameSchema(
        {
            "rating_id": key(r"^MY\d{12}-R\d+$"),
            "ticket_id": _ticket_ref(),
            "visit_round": pa.Column(pl.Int32, pa.Check.in_range(1, 9)),
            "visit_method": one_of(VISIT_METHODS, nullable=True),
            # the number the visit rang: a mistyped one (a digit dropped or doubled) cannot be called back
            "callback_phone": pa.Column(pl.String, mobile_valid(), nullable=True),
            "satisfaction": one_of(SATISFACTION),
            "resolved": pa.Column(pl.Boolean, nullable=True),
            "comment": pa.Column(pl.String, nullable=True),
            "rated_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[
            row_rule("rating_id_matches_ticket_and_round",
                      pl.col("rating_id") == pl.format("{}-R{}", pl.col("ticket_id"), pl.col("visit_round"))),
            not_before("updated_at", "rated_at"),
        ],
        name="rating",
    )


def warning_schema(received_at: datetime) -> pa.DataFrameSchema:
    """预警 on a ticket: overdue risk (yellow) or overdue (red); handled when the ticket closes."""
    return pa.DataFrameSchema(
        {
            "warning_id": key(r"^YJ\d{11}$"),
            "ticket_id": _ticket_ref(),
            "rule_code": one_of(list(WARNING_LEVELS)),
            "rule_name": pa.Column(pl.String),
            "level": one_of(sorted(set(WARNING_LEVELS.values())), nullable=True),
            "department": pa.Column(pl.String, nullable=True),
            "raised_at": when(received_at),
            "status": one_of(WARNING_STATUSES),
            "handled_at": when(received_at, nullable=True),
            "updated_at": when(received_at),
        },
        checks=[
            row_rule("level_matches_rule_code",
                      pl.col("rule_code").replace_strict(WARNING_LEVELS, default=None, return_dtype=pl.String)
                      == pl.col("level")),
            not_before("handled_at", "raised_at"),
            present_iff("handled_at", "status", "已办结"),
            # updated_at is the extraction watermark: a change it does not cover would never be picked up
            not_before("updated_at", "raised_at"),
            not_before("updated_at", "handled_at"),
        ],
        name="warning",
    )


def letter_schema(received_at: datetime) -> pa.DataFrameSchema:
    """提醒函 / 督办函 to a department; numbered per type (龙民速提〔2024〕3号), replied to days later."""
    type_char = pl.col("letter_type").replace_strict(LETTER_TYPES, default=None, return_dtype=pl.String)
    return pa.DataFrameSchema(
        {
            "letter_id": key(r"^LT\d{7}$"),
            "letter_no": key(r"^龙民速[提督]〔\d{4}〕\d+号$"),
            "letter_type": one_of(list(LETTER_TYPES)),
            "department": pa.Column(pl.String),
            "subject": pa.Column(pl.String),
            "content": pa.Column(pl.String, nullable=True),
            "ticket_count": pa.Column(pl.Int32, pa.Check.ge(1)),
            "issued_at": when(received_at),
            "status": one_of(LETTER_STATUSES),
            "replied_at": when(received_at, nullable=True),
            "updated_at": when(received_at),
        },
        checks=[
            row_rule("letter_no_matches_letter_type", pl.col("letter_no").str.slice(3, 1) == type_char),
            not_before("replied_at", "issued_at"),
            present_iff("replied_at", "status", "已回复"),
            not_before("updated_at", "issued_at"),
            not_before("updated_at", "replied_at"),
        ],
        name="letter",
    )


def letter_ticket_schema(known_letters: set[str], received_at: datetime) -> pa.DataFrameSchema:
    """The tickets a letter is about; KNOWN_LETTERS are the letter ids ingested so far (letters come first)."""
    return pa.DataFrameSchema(
        {
            "letter_id": pa.Column(pl.String, pa.Check.isin(sorted(known_letters))),
            "ticket_id": _ticket_ref(),
            "updated_at": when(received_at),
        },
        unique=["letter_id", "ticket_id"],
        name="letter_ticket",
    )


def field_reinspection_schema(received_at: datetime) -> pa.DataFrameSchema:
    """实地督查复核 of a closed ticket: who went, when, and whether the problem was really fixed."""
    return pa.DataFrameSchema(
        {
            "reinspection_id": key(r"^FC\d{9}$"),
            "ticket_id": _ticket_ref(),
            "inspector_unit": pa.Column(pl.String),
            "inspected_at": when(received_at),
            "result": one_of(REINSPECTION_RESULTS),
            "finding": pa.Column(pl.String, nullable=True),
            "photo_count": pa.Column(pl.Int32, pa.Check.in_range(0, 100), nullable=True),
            "updated_at": when(received_at),
        },
        checks=[not_before("updated_at", "inspected_at")],
        name="field_reinspection",
    )


def _period_shape_ok() -> pl.Expr:
    """A daily report covers one day, a weekly one Monday–Sunday, a monthly one a calendar month."""
    start, end = pl.col("period_start"), pl.col("period_end")
    return (
        pl.when(pl.col("period_type") == "日").then(end == start)
        .when(pl.col("period_type") == "周").then((start.dt.weekday() == 1) & (end == start + pl.duration(days=6)))
        .when(pl.col("period_type") == "月").then((start.dt.day() == 1) & (end == start.dt.month_end()))
        .otherwise(True)
    )


def report_schema(received_at: datetime) -> pa.DataFrameSchema:
    """专报 and 民生诉求分析报表 (daily, weekly, monthly; district-wide or per street) with their headline figure."""
    pairs = [f"{t}/{p}" for t, ps in REPORT_PERIODS.items() for p in ps]
    return pa.DataFrameSchema(
        {
            "report_id": key(r"^BG\d{8}$"),
            "report_type": one_of(list(REPORT_PERIODS)),
            "period_type": one_of([p for ps in REPORT_PERIODS.values() for p in ps]),
            "period_start": pa.Column(pl.Date),
            "period_end": pa.Column(pl.Date),
            "street_code": street(),
            "title": pa.Column(pl.String),
            "ticket_count": pa.Column(pl.Int32, pa.Check.ge(0), nullable=True),
            "issued_at": when(received_at),
            "updated_at": when(received_at),
        },
        checks=[
            row_rule("period_type_matches_report_type",
                      pl.concat_str("report_type", pl.lit("/"), "period_type").is_in(pairs)),
            not_before("period_end", "period_start"),
            row_rule("period_matches_period_type", _period_shape_ok()),
            # a report on a period is issued once the period is over (the day's report on its evening)
            row_rule("issued_at_not_before_period_end", pl.col("issued_at").dt.date() >= pl.col("period_end")),
            not_before("updated_at", "issued_at"),
        ],
        name="report",
    )
