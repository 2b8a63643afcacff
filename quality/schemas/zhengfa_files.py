"""pandera schemas (polars) for the 政法 file drops: exchange dossier messages (S6) and court monthly reports (S9).

A dossier message is one JSON line of the exchange flattened by ingestion/sources/zhengfa_files.py: the envelope and
the dossier's top-level fields as text columns, its nested parts (charges, suspects, stages, documents) as JSON text.
The checks on those parts decode the JSON themselves, so a malformed part is a quarantined row (`<part>:well_formed`),
not a failed batch. Rule names are what the quarantine shows: `suspects:citizen_id_valid`, `charges:not_empty`,
`stages:not_after_sent`, `duplicate`, `services_electronic_within_total`, …

PERSONAL DATA (PIPL): `suspects` holds names, citizen IDs and addresses of criminal suspects, and `case_name` the
suspect's surname. Raw values stay in landing/bronze — the restricted zone; staging must pseudonymise them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandera.polars as pa
import polars as pl

from quality.blocks import first_of, not_in_future_of, read_cleanly, row_rule
from quality.checks import citizen_id_expr

PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {"dossier_messages": ("case_name", "suspects")}

# the three agencies of the Longhua exchange and their organisation codes
AGENCIES = {"深圳市公安局龙华分局": "440309010000", "深圳市龙华区人民检察院": "440309300000",
            "深圳市龙华区人民法院": "440309400000"}
MESSAGE_TYPES = ["移送审查起诉", "不起诉决定", "提起公诉", "一审判决", "更正"]
# the hand-over a message reports, and the stage the dossier's last recorded step must then be
CURRENT_STAGE_LAST = {"审查起诉": ["移送审查起诉"], "审查起诉终结": ["不起诉"], "一审": ["提起公诉"],
                      "判决": ["一审判决"]}
# the procedure's order; 不起诉 and 提起公诉 are alternatives at the same step
STAGE_RANK = {"公安立案": 0, "移送审查起诉": 1, "检察院受理": 2, "退回补充侦查": 3, "不起诉": 4, "提起公诉": 4,
              "法院立案": 5, "一审判决": 6}
# case numbers as each agency writes them; ASCII or full-width brackets both occur in practice
_P = r"[(（]"
_Q = r"[)）]"
POLICE_NO = rf"^深龙公{_P}刑{_Q}立字〔(?:19|20)\d{{2}}〕\d+号$"
TRANSFER_NO = rf"^深龙公{_P}刑{_Q}诉字〔(?:19|20)\d{{2}}〕\d+号$"
PROCURATORATE_NO = r"^深龙检刑(?:诉|不诉)〔(?:19|20)\d{2}〕\d+号$"
COURT_NO = rf"^{_P}(?:19|20)\d{{2}}{_Q}粤0309刑初\d+号$"
DOSSIER_ID = r"^DZJZ\d{16}$"
MESSAGE_ID = r"^JH\d{16}C?$"

CHARGE = pl.List(pl.Struct({"name": pl.String, "article": pl.String}))
SUSPECT = pl.List(pl.Struct({"name": pl.String, "id_number": pl.String, "gender": pl.String,
                             "birth_date": pl.String, "role": pl.String, "measure": pl.String}))
STAGE = pl.List(pl.Struct({"stage": pl.String, "agency": pl.String, "at": pl.String}))
DOCUMENT = pl.List(pl.Struct({"doc_id": pl.String, "type": pl.String, "pages": pl.String,
                              "created_at": pl.String}))

# court monthly report: canonical name ← the court's Chinese header
COURT_HEADERS: dict[str, str] = {
    "统计月份": "stat_month", "法院代码": "court_code", "部门": "tribunal", "新收案件数": "cases_filed",
    "结案数": "cases_closed", "送达总次数": "services_total", "电子送达次数": "services_electronic",
    "首次成功送达案件数": "first_service_cases", "首次成功送达总天数": "first_service_days_total",
    "AI笔录规整篇数": "ai_transcripts", "笔录规整准确篇数": "ai_transcripts_accurate",
    "回旋镖复查被执行人数": "recheck_persons", "回旋镖发现财产线索数": "recheck_asset_clues",
    "报送版本": "report_version", "报送时间": "reported_at",
}
COURT_COUNTS = ("cases_filed", "cases_closed", "services_total", "services_electronic", "first_service_cases",
                "first_service_days_total", "ai_transcripts", "ai_transcripts_accurate", "recheck_persons",
                "recheck_asset_clues")
DATETIME = pl.Datetime("us")
_TS = "%Y-%m-%d %H:%M:%S"


# ---------------------------------------------------------------------------------------------------------------
# nested JSON parts


def _coerce(value: str | None, dtype: pl.List) -> list[dict[str, Any]] | None:
    """The slow path for one value: a list of objects with the dtype's fields as text, else None (malformed)."""
    if value is None:
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return None
    fields = [f.name for f in dtype.inner.fields]  # type: ignore[union-attr]
    return [{f: (None if i.get(f) is None else i[f] if isinstance(i[f], str) else json.dumps(i[f], ensure_ascii=False))
             for f in fields} for i in items]


def decode_parts(values: pl.Series, dtype: pl.List) -> pl.Series:
    """JSON text → list of structs (fields as text); a value of another shape decodes to null instead of raising."""
    try:
        return values.str.json_decode(dtype)
    except pl.exceptions.PolarsError:  # one malformed value fails polars' decoder for all: decode value by value
        return pl.Series(values.name, [_coerce(v, dtype) for v in values], dtype=dtype)


def _items(name: str, column: str, dtype: pl.List, agg: pl.Expr, carry: tuple[str, ...] = ()) -> pa.Check:
    """A check over the items of a nested part: AGG is evaluated per row over its exploded items (the item's fields
    and CARRY columns in scope) and must give one boolean; rows whose part is null or undecodable pass (they fail
    `well_formed`)."""
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        frame = data.lazyframe.select(column, *carry).collect()
        base = pl.DataFrame({"__i": pl.int_range(frame.height, dtype=pl.Int64, eager=True)})
        parts = frame.with_columns(decode_parts(frame[column], dtype).alias("__x")).with_row_index("__i").with_columns(
            pl.col("__i").cast(pl.Int64))
        items = parts.filter(pl.col("__x").list.len() > 0).explode("__x").with_columns(pl.col("__x").struct.unnest())
        ok = items.group_by("__i").agg(agg.alias("__ok"))
        return base.join(ok, on="__i", how="left", maintain_order="left").select(
            pl.col("__ok").fill_null(True)).lazy()
    return pa.Check(check, name=name)


def _each(expr: pl.Expr) -> pl.Expr:
    """Every item satisfies EXPR (an item lacking the field fails)."""
    return expr.fill_null(False).all()


def _parts_check(name: str, dtype: pl.List, test: Callable[[pl.Expr], pl.Expr]) -> pa.Check:
    """A check on the decoded part as a whole (e.g. its length); undecodable parts fail."""
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        values = data.lazyframe.select(data.key).collect().to_series()
        frame = pl.DataFrame({"raw": values, "parts": decode_parts(values, dtype)})
        return frame.lazy().select(pl.col("raw").is_null() | test(pl.col("parts")).fill_null(False))
    return pa.Check(check, name=name)


def _well_formed(dtype: pl.List) -> pa.Check:
    return _parts_check("well_formed", dtype, lambda c: c.is_not_null())


def _not_empty(dtype: pl.List) -> pa.Check:
    return _parts_check("not_empty", dtype, lambda c: c.list.len() > 0)


def _ts(field: str) -> pl.Expr:
    return pl.col(field).str.to_datetime(_TS, strict=False, time_unit="us")


def _first_stage_year(stage: str) -> pl.Expr:
    """The year of STAGE in the row's stages JSON (null when absent)."""
    return pl.col("stages").str.extract(rf'"stage":"{stage}"[^}}]*"at":"(\d{{4}})-', 1)


def dossier_message_schema(received_at: datetime | None = None) -> pa.DataFrameSchema:
    """One exchange message: the dossier as it stands at a hand-over (or a correction that replaces a message)."""
    sent = pl.col("sent_at")
    ranks = pl.col("stage").replace_strict(STAGE_RANK, default=None, return_dtype=pl.Int32)
    stage_at = _ts("at")
    last_stage = pl.col("stages").str.extract(r'"stage":"([^"]*)"[^{]*\]\s*$', 1)
    stage_ok = pl.lit(False)
    for current, stages in CURRENT_STAGE_LAST.items():
        stage_ok = stage_ok | ((pl.col("current_stage") == current) & last_stage.is_in(stages))
    after_review = pl.col("current_stage").is_in(["审查起诉终结", "一审", "判决"])
    return pa.DataFrameSchema(
        {
            "message_id": pa.Column(pl.String, pa.Check.str_matches(MESSAGE_ID)),
            "message_type": pa.Column(pl.String, pa.Check.isin(MESSAGE_TYPES)),
            # an unknown agency fails `*_org_code_matches` (one check per pair keeps the per-batch cost down)
            "sender_org": pa.Column(pl.String),
            "sender_org_code": pa.Column(pl.String, pa.Check.isin(list(AGENCIES.values()))),
            "receiver_org": pa.Column(pl.String),
            "receiver_org_code": pa.Column(pl.String, pa.Check.isin(list(AGENCIES.values()))),
            "sent_at": pa.Column(DATETIME, not_in_future_of(received_at)),
            "dossier_id": pa.Column(pl.String, pa.Check.str_matches(DOSSIER_ID)),
            "case_name": pa.Column(pl.String),
            "police_case_no": pa.Column(pl.String, pa.Check.str_matches(POLICE_NO)),
            "transfer_case_no": pa.Column(pl.String, pa.Check.str_matches(TRANSFER_NO)),
            "procuratorate_case_no": pa.Column(pl.String, pa.Check.str_matches(PROCURATORATE_NO), nullable=True),
            "court_case_no": pa.Column(pl.String, pa.Check.str_matches(COURT_NO), nullable=True),
            "charges": pa.Column(pl.String, [
                _well_formed(CHARGE), _not_empty(CHARGE),
            ]),
            "suspects": pa.Column(pl.String, [
                _well_formed(SUSPECT), _not_empty(SUSPECT),
                _items("name_present", "suspects", SUSPECT, _each(pl.col("name").str.len_chars() > 0)),
                _items("citizen_id_valid", "suspects", SUSPECT,
                       _each(pl.col("id_number").is_not_null() & citizen_id_expr("id_number"))),
                # the birth date and gender a dossier states are the ones the citizen ID encodes
                _items("matches_citizen_id", "suspects", SUSPECT, _each(
                    (pl.col("birth_date").str.replace_all("-", "") == pl.col("id_number").str.slice(6, 8))
                    & (pl.col("gender") == pl.when(pl.col("id_number").str.slice(16, 1).cast(pl.Int32, strict=False)
                                                   % 2 == 1).then(pl.lit("男")).otherwise(pl.lit("女"))))),
            ]),
            "plea_leniency": pa.Column(pl.Boolean),
            "current_stage": pa.Column(pl.String, pa.Check.isin(list(CURRENT_STAGE_LAST))),
            "stages": pa.Column(pl.String, [
                _well_formed(STAGE), _not_empty(STAGE),
                _items("known_stage", "stages", STAGE, _each(ranks.is_not_null())),
                # each step follows the previous one in the procedure, and in time
                _items("stage_order", "stages", STAGE, (ranks.diff().drop_nulls() > 0).all()),
                # every step dated (a readable timestamp) and no earlier than the step before
                _items("chronological", "stages", STAGE, _each(stage_at.is_not_null())
                       & (stage_at.diff().drop_nulls().dt.total_seconds() >= 0).all()),
                # a message cannot report a step dated after it was sent (a typed-ahead date, a skewed clock)
                _items("not_after_sent", "stages", STAGE, (stage_at <= pl.col("sent_at")).all(), carry=("sent_at",)),
                *([] if received_at is None else
                  [_items("not_in_future", "stages", STAGE, (stage_at <= received_at).all())]),
            ]),
            "documents": pa.Column(pl.String, [
                _well_formed(DOCUMENT), _not_empty(DOCUMENT),
                _items("pages_positive", "documents", DOCUMENT,
                       _each(pl.col("pages").cast(pl.Int64, strict=False) >= 1)),
                _items("not_after_sent", "documents", DOCUMENT, (_ts("created_at") <= pl.col("sent_at")).all(),
                       carry=("sent_at",)),
            ]),
            "total_pages": pa.Column(pl.Int32, pa.Check.ge(1)),
            "version": pa.Column(pl.Int32, pa.Check.ge(1)),
            "corrects": pa.Column(pl.String, pa.Check.str_matches(MESSAGE_ID), nullable=True),
            "_parse_error": pa.Column(pl.String, nullable=True),
        },
        checks=[
            row_rule("malformed_row", pl.col("_parse_error").is_null()),  # a line that is not a JSON object
            row_rule("sender_org_code_matches",
                       pl.col("sender_org").replace_strict(AGENCIES, default=None) == pl.col("sender_org_code")),
            row_rule("receiver_org_code_matches",
                       pl.col("receiver_org").replace_strict(AGENCIES, default=None) == pl.col("receiver_org_code")),
            row_rule("sender_is_not_receiver", pl.col("sender_org_code") != pl.col("receiver_org_code")),
            # a correction names the message it replaces and is a later version; nothing else does
            row_rule("correction_names_replaced",
                       pl.when(pl.col("message_type") == "更正")
                       .then(pl.col("corrects").is_not_null() & (pl.col("corrects") != pl.col("message_id"))
                             & (pl.col("version") >= 2))
                       .otherwise(pl.col("corrects").is_null())),
            row_rule("total_pages_matches_documents",
                       pl.col("total_pages") == pl.col("documents").str.extract_all(r'"pages":"?\d+')
                       .list.eval(pl.element().str.extract(r"(\d+)").cast(pl.Int64)).list.sum()),
            # the procuratorate's number exists once it decided, the court's once the judgment is in
            row_rule("case_numbers_for_stage",
                       (~after_review | pl.col("procuratorate_case_no").is_not_null())
                       & ((pl.col("current_stage") != "判决") | pl.col("court_case_no").is_not_null())),
            row_rule("current_stage_matches_stages", stage_ok),
            row_rule("police_case_year_matches_filing",
                       pl.col("police_case_no").str.extract(r"〔(\d{4})〕", 1) == _first_stage_year("公安立案")),
            row_rule("court_case_year_matches_filing",
                       pl.col("court_case_no").is_null()
                       | (pl.col("court_case_no").str.extract(r"^[(（](\d{4})", 1) == _first_stage_year("法院立案"))),
            # a day file holds the messages sent that day
            row_rule("sent_at_matches_file_day",
                       sent.dt.strftime("%Y-%m-%d") == pl.col("_source_file").str.extract(r"(\d{4}-\d{2}-\d{2})\.jsonl",
                                                                                           1)),
            first_of(["message_id"]),  # the exchange re-delivers a message after an acknowledgement timeout
        ],
        name="dossier_message",
    )


def court_monthly_schema(received_at: datetime | None = None) -> pa.DataFrameSchema:
    """One tribunal's raw counts for one month, as one version of the court's monthly report."""
    month_start = (pl.col("stat_month") + "-01").str.to_datetime("%Y-%m-%d", strict=False, time_unit="us")
    file_version = pl.col("_source_file").str.extract(r"_r(\d+)\.csv$", 1).cast(pl.Int32).fill_null(1)
    counts = {c: pa.Column(pl.Int64, pa.Check.ge(0)) for c in COURT_COUNTS}
    return pa.DataFrameSchema(
        {
            "stat_month": pa.Column(pl.String, pa.Check.str_matches(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")),
            "court_code": pa.Column(pl.String, pa.Check.str_matches(r"^粤\d{4}$")),
            "tribunal": pa.Column(pl.String, pa.Check.str_length(1, 50)),
            **counts,
            "report_version": pa.Column(pl.Int32, pa.Check.ge(1)),
            "reported_at": pa.Column(DATETIME, not_in_future_of(received_at)),
            "_encoding_error": pa.Column(pl.String, nullable=True),
            "_parse_error": pa.Column(pl.String, nullable=True),
        },
        checks=[
            *read_cleanly(),
            # numerators within their denominators: a rate above 100% is a typing error, not a record
            row_rule("services_electronic_within_total", pl.col("services_electronic") <= pl.col("services_total")),
            row_rule("accurate_within_transcripts",
                       pl.col("ai_transcripts_accurate") <= pl.col("ai_transcripts")),
            row_rule("month_matches_file",
                       pl.col("_source_file").str.contains("monthly_" + pl.col("stat_month"), literal=True)),
            row_rule("version_matches_file", pl.col("report_version") == file_version),
            row_rule("reported_after_month_start", pl.col("reported_at") >= month_start),
            first_of(["stat_month", "court_code", "tribunal", "report_version"]),
        ],
        name="court_monthly",
    )
