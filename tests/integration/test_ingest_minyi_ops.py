"""Ingestion of the 民意速办 follow-up and supervision tables (rating, warning, letter, letter_ticket,
field_reinspection, report) next to the intake (channel, ticket, ticket_flow): reconciliation, every planted defect
quarantined with its rule and no clean row, late corrections arriving as later versions, re-runs, MariaDB."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from common.lake import LocalLake
from ingestion.sources.minyi import MINYI
from quality.manifests import list_manifests
from simulator.context import GroundTruth
from tests.conftest import govlake_env, run_govlake

pytestmark = pytest.mark.integration

SCALE = "0.01"
DAY_1 = "2024-12-10T00:00:00"  # the first run sees the source as of this instant, the second a year-end later
# more mistyped call-back phones and corrections than the defaults, so both show up in numbers at this scale
MESS = ("invalid_id=0.02", "late_correction=0.05")
# the follow-up tables plus ticket_flow, whose defects this test owns (test_ingestion.py owns the ticket ones)
CHECKED = ("ticket_flow", "rating", "warning", "letter", "letter_ticket", "field_reinspection", "report")
KIND_TO_RULE: dict[tuple[str, str], str] = {
    ("ticket_flow", "future_timestamp"): "step_at:not_in_future",
    ("rating", "invalid_id"): "callback_phone:mobile_valid",
}
ENTITY = {e.table: e for e in MINYI.entities}


def _read(data_dir: Path, zone: str, entity: str) -> pl.DataFrame | None:
    files = sorted((data_dir / "lake" / zone / "minyi" / entity).rglob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed") if files else None


def _keys(df: pl.DataFrame, table: str) -> pl.Series:
    """The truth's key of each row: the primary key, its columns joined by "," where it has several."""
    columns = ENTITY[table].primary_key.split(",")
    return df.select(pl.concat_str(columns, separator=",")).to_series()


def _simulate(env: dict[str, str], *args: str) -> None:
    run_govlake(env, "simulate", "--system", "minyi", "--scale", SCALE, *(a for m in MESS for a in ("--mess", m)),
                *args)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two daily runs: the source as of DAY_1, then as of the year's end (new rows and late updates to old ones)."""
    data_dir = tmp_path_factory.mktemp("minyi_ops")
    env = govlake_env(data_dir)
    _simulate(env, "--as-of", DAY_1)
    day1 = json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)
    _simulate(env)
    day2 = json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)
    return {"env": env, "data_dir": data_dir, "day1": day1, "day2": day2,
            "truth": GroundTruth.read(data_dir / "sources" / "truth.json")}


def test_every_table_is_ingested_and_every_batch_reconciles(ingested: dict[str, Any]) -> None:
    data_dir: Path = ingested["data_dir"]
    truth: GroundTruth = ingested["truth"]
    manifests = list_manifests(LocalLake(data_dir / "lake"))
    assert {m["entity"] for m in manifests} == {e.name for e in MINYI.entities}
    for m in manifests:
        part = f"minyi/{m['entity']}/batch_date={m['high'][:10]}/{m['batch_id']}.parquet"
        bronze = pl.read_parquet(data_dir / "lake" / "bronze" / part).height
        q_path = data_dir / "lake" / "quarantine" / part
        quarantined = pl.read_parquet(q_path).height if q_path.exists() else 0
        landed = pl.read_parquet(data_dir / "lake" / "landing" / part).height
        assert m["status"] == "committed"
        assert (m["received"], m["bronze"], m["quarantined"]) == (landed, bronze, quarantined)
        assert m["received"] == m["bronze"] + m["quarantined"]
    for table in CHECKED:
        assert truth.counts[f"minyi.{table}"] > 0, f"the simulator wrote no {table} rows at this scale"
    # the second day is an increment, not the history again
    day2 = {r["entity"]: r for r in ingested["day2"]}
    assert day2["channels"]["status"] == "skipped"
    assert 0 < day2["ratings"]["received"] < truth.counts["minyi.rating"] / 4


@pytest.mark.parametrize("table", CHECKED)
def test_every_planted_defect_is_quarantined_with_its_rule_and_no_clean_row_is(
    ingested: dict[str, Any], table: str
) -> None:
    data_dir: Path = ingested["data_dir"]
    truth: GroundTruth = ingested["truth"]
    entity = ENTITY[table].name
    anomalies = truth.anomalies_of("minyi", table)
    rejected = truth.anomalies_of("minyi", table, level="row")
    if table in ("ticket_flow", "rating"):
        assert len(anomalies) >= 10, f"too few planted {table} defects to judge the rules"
    quarantine = _read(data_dir, "quarantine", entity)
    rules: dict[str, set[str]] = {}
    if quarantine is not None:
        for key, rule in zip(_keys(quarantine, table), quarantine["_rule"], strict=True):
            rules.setdefault(key, set()).update(rule.split("; "))
        assert quarantine["_reason"].str.len_chars().min() > 0
    assert set(rules) == set(rejected), "quarantined rows are exactly the planted row-level defects"
    # field-level defects: recorded field by field in quarantine/_fields, the row itself kept
    issues = _read(data_dir, "quarantine/_fields", entity)
    flagged: dict[str, set[str]] = {}
    if issues is not None:
        assert set(issues["_level"]) == {"field"}
        for key, rule in zip(_keys(issues, table), issues["_rule"], strict=True):
            flagged.setdefault(key, set()).add(rule)
    assert set(flagged) == set(anomalies) - set(rejected), "field records are exactly the field-level defects"
    for key, kind in anomalies.items():
        assert KIND_TO_RULE[(table, kind)] in rules.get(key, flagged.get(key, set())), f"{table} {key} ({kind})"
    bronze = _read(data_dir, "bronze", entity)
    assert bronze is not None
    bronze_keys = set(_keys(bronze, table))
    assert not bronze_keys & set(rejected)
    assert len(bronze_keys) == truth.counts[f"minyi.{table}"] - len(rejected)


def test_no_rating_is_lost_for_its_phone(ingested: dict[str, Any]) -> None:
    data_dir: Path = ingested["data_dir"]
    truth: GroundTruth = ingested["truth"]
    mistyped = truth.anomalies_of("minyi", "rating", level="field")
    assert len(mistyped) >= 10 and set(mistyped.values()) == {"invalid_id"}
    bronze = _read(data_dir, "bronze", "ratings")
    assert bronze is not None
    latest = bronze.sort("updated_at").group_by("rating_id").last()
    assert latest.height == truth.counts["minyi.rating"], "every rating reached bronze"
    kept = latest.filter(pl.col("rating_id").is_in(list(mistyped)))
    assert kept.height == len(mistyped)
    assert kept["satisfaction"].null_count() == 0 and kept["callback_phone"].null_count() == kept.height
    assert set(kept["_field_issues"]) == {"callback_phone:mobile_valid"}
    clean = latest.filter(~pl.col("rating_id").is_in(list(mistyped)))
    assert clean["_field_issues"].null_count() == clean.height
    # the phone as it was typed is in the field-level record, not lost
    issues = _read(data_dir, "quarantine/_fields", "ratings")
    assert issues is not None
    assert issues.filter(pl.col("callback_phone").str.contains(r"^1[3-9]\d{9}$")).is_empty()
    assert set(issues["_action"]) == {"null"} and set(issues["_field"]) == {"callback_phone"}
    report = {r["entity"]: r for r in json.loads(run_govlake(ingested["env"], "quality", "minyi", "--json").stdout)}
    assert report["ratings"]["reconciled"] and report["ratings"]["quarantined"] == 0
    assert report["ratings"]["repairs_by_rule"] == {"callback_phone:mobile_valid": issues.height}
    assert report["ratings"]["repaired"] == issues.height


def test_late_corrections_reach_bronze_as_the_later_version(ingested: dict[str, Any]) -> None:
    data_dir: Path = ingested["data_dir"]
    truth: GroundTruth = ingested["truth"]
    corrections = pl.DataFrame(truth.planted["minyi.late_corrections"]).with_columns(
        pl.col("corrected_at").str.to_datetime(time_unit="us"))
    assert set(corrections["ticket_id"]) == set(truth.anomalies_of("minyi", "ticket_correction"))
    versions = _read(data_dir, "bronze", "tickets")
    assert versions is not None
    latest = versions.sort("updated_at").group_by("ticket_id").last()
    got = corrections.join(latest.select("ticket_id", pl.col("category_code").alias("in_bronze")), on="ticket_id",
                           how="left")
    assert got.filter(pl.col("in_bronze") != pl.col("after")).is_empty()
    assert got["in_bronze"].null_count() == 0, "a corrected ticket is a clean ticket: it is in bronze"
    # corrected after the first run: day 1 landed the original category, day 2 the correction, and the later one wins
    day1 = datetime.fromisoformat(DAY_1)
    first = versions.sort("updated_at").group_by("ticket_id").first().filter(pl.col("updated_at") <= day1).select(
        "ticket_id", pl.col("category_code").alias("first_seen"))
    crossing = corrections.filter(pl.col("corrected_at") > day1).join(first, on="ticket_id")
    assert crossing.height >= 5, "a few corrections must cross the two runs"
    assert crossing.filter(pl.col("first_seen") != pl.col("before")).is_empty()


def test_a_rerun_adds_nothing(ingested: dict[str, Any]) -> None:
    data_dir: Path = ingested["data_dir"]

    def snapshot() -> dict[str, int]:
        return {str(f.relative_to(data_dir)): pl.read_parquet(f).height
                for zone in ("bronze", "quarantine") for f in (data_dir / "lake" / zone / "minyi").rglob("*.parquet")}

    before = snapshot()
    manifests = len(list_manifests(LocalLake(data_dir / "lake")))
    again = json.loads(run_govlake(ingested["env"], "ingest", "minyi", "--json").stdout)
    assert [r["status"] for r in again] == ["skipped"] * len(MINYI.entities)
    assert snapshot() == before
    assert len(list_manifests(LocalLake(data_dir / "lake"))) == manifests


def test_the_follow_up_tables_ingest_from_mariadb(mariadb_url: str, tmp_path: Path) -> None:
    env = govlake_env(tmp_path, SOURCE_MINYI_URL=mariadb_url)
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002", "--mess", "invalid_id=0.02")
    results = {r["entity"]: r for r in json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)}
    truth = GroundTruth.read(tmp_path / "sources" / "truth.json")
    for table in CHECKED:
        result = results[ENTITY[table].name]
        assert result["received"] == truth.counts[f"minyi.{table}"], table
        assert result["quarantined"] == len(truth.anomalies_of("minyi", table, level="row")), (table, result["rules"])
    assert results["ratings"]["rules"] == {}
    assert results["ratings"]["field_rules"] == {
        "callback_phone:mobile_valid": len(truth.anomalies_of("minyi", "rating", level="field"))}
