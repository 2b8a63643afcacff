"""Validation splits a batch into typed rows and rejected rows with their reasons; nothing is lost."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from quality.schemas.minyi import ticket_schema
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
