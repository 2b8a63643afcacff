"""The file connector and the video schemas against the simulator's real S4 deliveries: every planted row-level
ledger and feed defect is quarantined with the rule that names it, every field-level one (a recovered encoding) is
kept, repaired and recorded, no clean row is touched, the drifted vendor maps to the same values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from ingestion.files import CANONICAL_FIELDS, read_ledger_files, read_status_files
from quality.schemas.video import camera_schema, camera_status_schema
from quality.validate import Validated, validate
from simulator.context import GroundTruth, MessConfig, SimContext
from simulator.systems import video

# planted kind -> the rules any one of which names it
RULES = {
    "invalid_id": {"device_id:gbt28181_camera_id"},
    "outside_district": {"longitude:inside_district", "latitude:inside_district"},
    "missing_required": {"name:not_nullable", "longitude:not_nullable", "latitude:not_nullable",
                         "street_name:not_nullable"},
    "wrong_encoding": {"wrong_encoding", "name:wrong_encoding"},  # CSV bytes / XLSX mojibake
    "unknown_code": {"ptz_type:isin"},
    "duplicate": {"duplicate"},
}
FEED_RULES = {"unknown_code": {"status:isin"}, "duplicate": {"duplicate"}}
# rates high enough that every kind shows up in every vendor's format at a small scale
MESS = {"invalid_id": 0.02, "outside_district": 0.02, "missing_required": 0.02, "wrong_encoding": 0.03,
        "unknown_code": 0.02, "duplicate": 0.02}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    out = tmp_path_factory.mktemp("video")
    ctx = SimContext(scale=0.01, seed=7, out=out, as_of=datetime(2024, 12, 31, 23, 59, 59),
                     mess=MessConfig().with_overrides(MESS))
    video.generate(ctx)
    return out, ctx.truth


@pytest.fixture(scope="module")
def months(run: tuple[Path, GroundTruth]) -> dict[str, tuple[pl.DataFrame, Validated]]:
    out, _ = run
    result = {}
    for folder in sorted((out / "video" / "ledgers").iterdir()):
        read = read_ledger_files(sorted(folder.iterdir()))
        result[folder.name] = (read.frame, validate(read.frame, camera_schema()))
    return result


def _rules(rule: str) -> set[str]:
    return set(rule.split("; "))


def test_every_ledger_anomaly_is_quarantined_with_its_rule_and_no_clean_row_is(
    run: tuple[Path, GroundTruth], months: dict[str, tuple[pl.DataFrame, Validated]],
) -> None:
    _, truth = run
    planted = truth.anomalies_of("video", "camera")
    field_level = truth.anomalies_of("video", "camera", level="field")
    assert set(planted.values()) == set(RULES)
    quarantined: set[str] = set()
    repaired: set[str] = set()
    wrong_rules = []
    for month, (raw, checked) in months.items():
        assert checked.valid.height + checked.rejected.height == raw.height  # nothing lost
        for device_id, rule in checked.rejected.select("device_id", "_rule").iter_rows():
            kind = planted.get(device_id)
            assert kind is not None and device_id not in field_level, f"{month}: {device_id} rejected: {rule}"
            if not _rules(rule) & RULES[kind]:
                wrong_rules.append((month, device_id, kind, rule))
            quarantined.add(device_id)
        for device_id, rule in checked.issues.select("device_id", "_rule").iter_rows():
            assert device_id in field_level and rule in RULES[field_level[device_id]], (month, device_id, rule)
            repaired.add(device_id)
        in_bronze = checked.valid["device_id"].value_counts()
        for device_id, n in in_bronze.iter_rows():
            kind = planted.get(device_id)
            assert kind in (None, "duplicate") or device_id in field_level, f"{month}: {kind} {device_id} in bronze"
            assert n == 1, f"{month}: {device_id} is {n} times in bronze"
    assert not wrong_rules
    assert quarantined == set(planted) - set(field_level)  # every planted camera was caught in some month
    assert repaired == set(field_level)


def test_both_kinds_of_wrong_encoding_are_recovered(months: dict[str, tuple[pl.DataFrame, Validated]]) -> None:
    issues = pl.concat([checked.issues for _, checked in months.values()])
    assert {"wrong_encoding", "name:wrong_encoding"} <= set(issues["_rule"])
    assert all(not checked.rejected["_rule"].str.contains("wrong_encoding").any() for _, checked in months.values())


def test_the_camera_count_is_the_latest_ledgers_distinct_valid_ids(
    run: tuple[Path, GroundTruth], months: dict[str, tuple[pl.DataFrame, Validated]],
) -> None:
    _, truth = run
    _, checked = months["2024-12"]
    assert checked.valid["device_id"].n_unique() == truth.expected["video.cameras"]


def test_a_misencoded_row_keeps_its_bytes_and_is_found_at_its_line(
    run: tuple[Path, GroundTruth], months: dict[str, tuple[pl.DataFrame, Validated]],
) -> None:
    out, _ = run
    raw, checked = months["2024-12"]
    bad = checked.issues.filter(pl.col("_encoding_error").is_not_null())
    assert bad.height
    for source, line, hexed in bad.select("_source_file", "_source_row", "_raw_bytes").iter_rows():
        lines = (out / "video" / "ledgers" / "2024-12" / source).read_bytes().removeprefix(b"\xef\xbb\xbf")
        assert lines.split(b"\r\n")[line - 1] == bytes.fromhex(hexed)


def test_received_rows_match_what_the_simulator_wrote(
    run: tuple[Path, GroundTruth], months: dict[str, tuple[pl.DataFrame, Validated]],
) -> None:
    _, truth = run
    assert sum(raw.height for raw, _ in months.values()) == truth.counts["video.camera_ledger_row"]


def test_drifted_vendor_files_map_to_the_same_canonical_values(
    run: tuple[Path, GroundTruth], months: dict[str, tuple[pl.DataFrame, Validated]],
) -> None:
    _, truth = run
    drift = truth.planted["video.schema_drift"]
    first = drift["from_month"]
    before, after = f"2024-{first - 1:02d}", f"2024-{first:02d}"
    for month, (raw, _) in months.items():
        dahua = raw.filter(pl.col("_vendor") == "大华")["_mapping"].unique().to_list()
        assert dahua == (["dahua_v2"] if month >= after else ["dahua_v1"]), month
    # the same cameras, a month apart: every field both exports carry reads the same (status varies with repairs)
    same = [f for f in CANONICAL_FIELDS if f not in ("status", "grid_code", "maintainer", "supply_light_type")]
    streets = drift["streets"]
    old = months[before][1].valid.filter(pl.col("street_code").is_in(streets)).select(same)
    new = months[after][1].valid.filter(pl.col("street_code").is_in(streets)).select(same)
    common = old.join(new, on=same, how="inner")
    both = old.join(new.select("device_id"), on="device_id", how="inner")
    assert both.height > 50
    assert common.height == both.height
    assert set(months[after][1].valid.filter(pl.col("street_code").is_in(streets))["status"]) <= {"ON", "OFF"}
    assert months[after][1].valid.filter(pl.col("street_code").is_in(streets))["grid_code"].null_count() == 0


def test_gbk_and_utf8_ledgers_decode_to_the_code_tables_chinese(
    months: dict[str, tuple[pl.DataFrame, Validated]],
) -> None:
    raw, checked = months["2024-12"]
    encodings = dict(raw.group_by("_source_file").agg(pl.col("_encoding").mode().first()).iter_rows())
    assert {"gbk", "utf-8-sig"} <= set(encodings.values())
    # a street or community name decoded wrongly would not be found in the seeds: every clean row found both
    by_encoding = checked.valid.group_by("_encoding").agg(pl.col("street_name").unique().sort())
    names = dict(by_encoding.iter_rows())
    assert names["gbk"] == ["民治", "观澜"] and names["utf-8-sig"] == ["大浪"]


def test_every_planted_feed_anomaly_is_quarantined_and_no_clean_line_is(run: tuple[Path, GroundTruth]) -> None:
    out, truth = run
    planted = truth.anomalies_of("video", "camera_status")
    read = read_status_files(sorted((out / "video" / "status").iterdir()))
    assert read.frame.height == truth.counts["video.camera_status"]
    checked = validate(read.frame, camera_status_schema(received_at=datetime(2025, 1, 1)))
    keys = checked.rejected.select(pl.concat_str("device_id", pl.lit("/"), "stat_date"), "_rule").rows()
    for key, rule in keys:
        assert key in planted, f"clean line {key} rejected: {rule}"
        assert _rules(rule) & FEED_RULES[planted[key]], (key, rule)
    assert {k for k, _ in keys} == set(planted)
    assert checked.valid.select("device_id", "stat_date").is_duplicated().sum() == 0
