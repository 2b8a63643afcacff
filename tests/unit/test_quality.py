"""Validation splits a batch into typed rows and rejected rows with their reasons; nothing is lost."""

from __future__ import annotations

from datetime import datetime

import pandera.polars as pa
import polars as pl

from quality.schemas.minyi import rating_schema, ticket_schema
from quality.validate import validate

GOOD = {
    "ticket_id": "MY202400000001", "channel_code": "CH01", "category_code": "010101", "street_code": "440309006",
    "community_code": "440309006001", "title": "t", "content": "c", "caller_name": "王伟",
    "caller_phone": "13800138000", "longitude": "114.06", "latitude": "22.72", "status": "closed",
    "created_at": "2024-03-01 08:00:00", "dispatched_at": "2024-03-01 09:00:00", "due_at": "2024-03-04 09:00:00",
    "closed_at": "2024-03-02 10:00:00", "updated_at": "2024-03-02 10:00:00",
}


def _batch(*overrides: dict[str, str | None]) -> pl.DataFrame:
    rows = [{**GOOD, "ticket_id": f"MY2024{i:08d}", **o} for i, o in enumerate(overrides, start=1)]
    return pl.DataFrame(rows, schema={k: pl.String for k in GOOD})


def _check(raw: pl.DataFrame):  # type: ignore[no-untyped-def]
    return validate(raw, ticket_schema({"CH01", "CH20"}, received_at=datetime(2025, 1, 1)))


def test_clean_rows_are_typed_and_kept() -> None:
    result = _check(_batch({}, {"caller_phone": None, "caller_name": None}))
    assert result.rejected.height == 0
    assert result.valid.height == 2
    assert result.valid.schema["created_at"] == pl.Datetime("us")
    assert result.valid.schema["longitude"] == pl.Float64


def test_each_defect_is_quarantined_with_its_rule_and_reason() -> None:
    raw = _batch(
        {},
        {"street_code": None},
        {"channel_code": "CH99"},
        {"closed_at": "2024-02-01 00:00:00"},
        {"longitude": "not-a-number"},
        {"created_at": "2030-01-01 00:00:00"},
        {"longitude": "120.5"},
        {"caller_phone": "12345"},
    )
    result = _check(raw)
    assert result.valid.height + result.rejected.height == raw.height
    assert result.valid["ticket_id"].to_list() == ["MY202400000001"]
    rules = dict(zip(result.rejected["ticket_id"], result.rejected["_rule"], strict=True))
    assert rules["MY202400000002"] == "street_code:not_nullable"
    assert rules["MY202400000003"] == "channel_code:isin"
    assert rules["MY202400000004"] == "closed_at_not_before_created_at"
    assert rules["MY202400000005"] == "type:longitude"
    assert "created_at:not_in_future" in rules["MY202400000006"]
    assert rules["MY202400000007"] == "longitude:in_range"
    assert rules["MY202400000008"] == "caller_phone:str_matches"
    reasons = dict(zip(result.rejected["ticket_id"], result.rejected["_reason"], strict=True))
    assert "CH99" in reasons["MY202400000003"]
    # rejected rows keep the values exactly as received
    assert result.rejected.filter(pl.col("ticket_id") == "MY202400000005")["longitude"].item() == "not-a-number"


def test_duplicate_keys_in_a_batch_are_rejected() -> None:
    raw = pl.concat([_batch({}), _batch({})])
    result = _check(raw)
    assert result.rejected.height == 2
    assert set(result.rejected["_rule"]) == {"ticket_id:field_uniqueness"}


RATING = {"rating_id": "MY202400000001-R1", "ticket_id": "MY202400000001", "visit_round": "1", "visit_method": None,
          "callback_phone": "13800138000", "satisfaction": "非常满意", "resolved": "true", "comment": None,
          "rated_at": "2024-03-05 10:00:00", "updated_at": "2024-03-05 10:00:00"}


def _ratings(*overrides: dict[str, str | None]) -> pl.DataFrame:
    rows = [{**RATING, "rating_id": f"MY2024{i:08d}-R1", "ticket_id": f"MY2024{i:08d}", **o}
            for i, o in enumerate(overrides, start=1)]
    return pl.DataFrame(rows, schema={k: pl.String for k in RATING})


def test_a_field_level_defect_keeps_the_row_with_the_field_nulled_and_recorded() -> None:
    raw = _ratings({}, {"callback_phone": "1380013800"}, {"callback_phone": "138001380000", "visit_round": "0"})
    result = validate(raw, rating_schema(received_at=datetime(2025, 1, 1)))
    # the bad phone alone costs nothing but the phone; with a row-level defect too the row goes, naming both rules
    assert result.valid["rating_id"].to_list() == ["MY202400000001-R1", "MY202400000002-R1"]
    assert result.valid["callback_phone"].to_list() == ["13800138000", None]
    assert result.valid["satisfaction"].to_list() == ["非常满意", "非常满意"]
    assert result.valid["_field_issues"].to_list() == [None, "callback_phone:mobile_valid"]
    assert {"visit_round:in_range", "callback_phone:mobile_valid"} <= set(result.rejected["_rule"].item().split("; "))
    assert result.rules["callback_phone:mobile_valid"] == 1 and result.rules["visit_round:in_range"] == 1
    assert result.field_rules == {"callback_phone:mobile_valid": 1} and result.repaired == 1
    # the field-level record keeps the phone as it was typed
    assert result.issues.select("rating_id", "callback_phone", "_level", "_field", "_rule", "_action").rows() == [
        ("MY202400000002-R1", "1380013800", "field", "callback_phone", "callback_phone:mobile_valid", "null")]
    assert "not a mainland mobile number" in result.issues["_reason"].item()
    assert result.valid.height + result.rejected.height == raw.height


def test_a_field_level_rule_on_a_required_field_rejects_the_row() -> None:
    # a volunteer's phone is required: nulling it would break the row, so the row is rejected
    from quality.checks import mobile_valid

    schema = pa.DataFrameSchema({"id": pa.Column(pl.String), "phone": pa.Column(pl.String, mobile_valid())})
    raw = pl.DataFrame({"id": ["a", "b"], "phone": ["13800138000", "123"]})
    result = validate(raw, schema)
    assert result.valid["id"].to_list() == ["a"] and result.rejected["_rule"].to_list() == ["phone:mobile_valid"]
    assert result.issues.height == 0 and result.field_rules == {}
