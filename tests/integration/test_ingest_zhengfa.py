"""Ingestion of the 政法 database (S7 life-care, S8 volunteers and night patrols, S10 supervision inputs):
reconciliation, every planted defect quarantined with its rule and no clean row, re-runs, the MariaDB engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from common.lake import LocalLake
from ingestion.sources.zhengfa import ZHENGFA
from quality.manifests import list_manifests
from quality.schemas.zhengfa import PERSONAL_COLUMNS
from simulator.context import GroundTruth
from tests.conftest import govlake_env, run_govlake

pytestmark = pytest.mark.integration

SCALE = "0.02"
# defect rates raised so that every kind the simulator plants in these tables shows up at a small scale (seed 42);
# the rejection limit is lifted because this test is about which rows are rejected, not about failing a batch
MESS = ("duplicate=0.02", "missing_required=0.1", "invalid_id=0.1", "future_timestamp=0.02", "late_correction=0.05")
ENV = {"MAX_REJECT_RATE": "0.9"}

KIND_TO_RULE: dict[tuple[str, str], str] = {
    ("lifecare_counsellor", "invalid_id"): "id_number:citizen_id_valid",
    ("lifecare_crisis_case", "invalid_id"): "subject_id_number:citizen_id_valid",
    ("lifecare_crisis_case", "missing_required"): "risk_level:not_nullable",
    ("lifecare_crisis_event", "duplicate"): "duplicate_record",
    ("volunteer", "invalid_id"): "id_number:citizen_id_valid",
    ("volunteer", "missing_required"): "phone:not_nullable",
    ("volunteer", "duplicate"): "duplicate_record",
    ("volunteer_activity", "missing_required"): "community_code:not_nullable",
    ("volunteer_activity", "future_timestamp"): "start_at_within_90_days_of_published_at",
    ("volunteer_points", "missing_required"): "volunteer_id:not_nullable",
    ("volunteer_points", "duplicate"): "duplicate_record",
    ("night_patrol", "missing_required"): "grid_code:not_nullable",
    ("patrol_participation", "duplicate"): "duplicate_record",
    ("patrol_hazard", "future_timestamp"): "updated_at_not_before_handled_at",
    ("patrol_hazard", "duplicate"): "duplicate_record",
    ("driving_licence_status", "invalid_id"): "id_number:citizen_id_valid",
    ("driving_licence_status", "missing_required"): "status:not_nullable",
    ("driving_licence_status", "duplicate"): "duplicate_record",
    ("traffic_violation", "invalid_id"): "driver_id_number:citizen_id_valid",
    ("traffic_violation", "missing_required"): "plate_no:not_nullable",
    ("traffic_violation", "future_timestamp"): "updated_at_not_before_violation_at",
    ("traffic_violation", "duplicate"): "duplicate_record",
}
VALID_KINDS = {"late_correction"}  # a later version of a valid row, not a defect
# The schema keeps the first-numbered copy of a re-sent record. Here the simulator numbers its planted copy *before*
# the original (its sort puts the null "clean" marker last), so the twin it calls clean is the one quarantined: which
# of two identical rows survives is immaterial, that exactly one does is what is checked.
COPY_NUMBERED_FIRST = {"traffic_violation": ["driver_id_number", "violation_at", "device_id", "violation_code"]}


def _read(data_dir: Path, zone: str, entity: str) -> pl.DataFrame | None:
    files = sorted((data_dir / "lake" / zone / "zhengfa" / entity).rglob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed") if files else None


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("zhengfa")
    env = govlake_env(data_dir, **ENV)
    run_govlake(env, "simulate", "--system", "zhengfa", "--scale", SCALE, *(a for m in MESS for a in ("--mess", m)))
    results = json.loads(run_govlake(env, "ingest", "zhengfa", "--json").stdout)
    return {"env": env, "data_dir": data_dir, "results": results,
            "truth": GroundTruth.read(data_dir / "sources" / "truth.json")}


def test_received_equals_bronze_plus_quarantined_for_every_batch(ingested: dict[str, Any]) -> None:
    data_dir = ingested["data_dir"]
    truth: GroundTruth = ingested["truth"]
    manifests = list_manifests(LocalLake(data_dir / "lake"))
    assert {m["entity"] for m in manifests} == {e.name for e in ZHENGFA.entities}
    for m in manifests:
        part = f"zhengfa/{m['entity']}/batch_date={m['high'][:10]}/{m['batch_id']}.parquet"
        q_path = data_dir / "lake" / "quarantine" / part
        counts = (pl.read_parquet(data_dir / "lake" / "landing" / part).height,
                  pl.read_parquet(data_dir / "lake" / "bronze" / part).height,
                  pl.read_parquet(q_path).height if q_path.exists() else 0)
        assert m["status"] == "committed"
        assert (m["received"], m["bronze"], m["quarantined"]) == counts
        assert m["received"] == m["bronze"] + m["quarantined"]
    # a first run reads every row the source holds
    by_entity = {r["entity"]: r for r in ingested["results"]}
    for e in ZHENGFA.entities:
        assert by_entity[e.name]["received"] == truth.counts[f"zhengfa.{e.table}"], e.name


def _expected_quarantine(data_dir: Path, table: str, entity: str, key: str,
                         anomalies: dict[str, str]) -> dict[str, str]:
    """Primary key -> the rule its row must be quarantined under."""
    expected = {k: KIND_TO_RULE[(table, kind)] for k, kind in anomalies.items() if kind not in VALID_KINDS}
    if table in COPY_NUMBERED_FIRST:  # the planted copy is the first-numbered of its pair: its twin is the one out
        landed = _read(data_dir, "landing", entity)
        assert landed is not None
        groups = landed.group_by(COPY_NUMBERED_FIRST[table]).agg(pl.col(key).sort())
        for members in groups.filter(pl.col(key).list.len() > 1)[key].to_list():
            assert anomalies.get(members[0]) == "duplicate", members
            del expected[members[0]]
            expected.update({m: KIND_TO_RULE[(table, "duplicate")] for m in members[1:]})
    return expected


def test_every_planted_defect_is_quarantined_with_its_rule_and_no_clean_row_is(ingested: dict[str, Any]) -> None:
    data_dir = ingested["data_dir"]
    truth: GroundTruth = ingested["truth"]
    tables = {e.table for e in ZHENGFA.entities}
    planted = {(a["entity"], a["kind"]) for a in truth.anomalies
               if a["system"] == "zhengfa" and a["entity"] in tables and a["kind"] not in VALID_KINDS}
    assert planted == set(KIND_TO_RULE), "every defect kind is planted at these rates"
    for e in ZHENGFA.entities:
        anomalies = truth.anomalies_of("zhengfa", e.table)
        expected = _expected_quarantine(data_dir, e.table, e.name, e.primary_key, anomalies)
        quarantine = _read(data_dir, "quarantine", e.name)
        rules = dict(zip(quarantine[e.primary_key], quarantine["_rule"], strict=True)) if quarantine is not None \
            else {}
        assert set(rules) == set(expected), f"{e.name}: quarantined rows differ from the planted defects"
        for k, rule in expected.items():
            assert rule in rules[k].split("; "), f"{e.name} {k}: expected {rule}, got {rules[k]}"
        if quarantine is not None:
            assert quarantine["_reason"].str.len_chars().min() > 0
        bronze = _read(data_dir, "bronze", e.name)
        assert bronze is not None
        bronze_keys = set(bronze[e.primary_key])
        assert not bronze_keys & set(expected)
        assert bronze.height == truth.counts[f"zhengfa.{e.table}"] - len(expected)
        assert {"_batch_id", "_ingested_at", "_source"} <= set(bronze.columns)
        # later versions of valid rows are valid
        assert {k for k, kind in anomalies.items() if kind in VALID_KINDS} <= bronze_keys


def test_personal_columns_are_declared_for_columns_that_exist(ingested: dict[str, Any]) -> None:
    by_table = {e.table: e for e in ZHENGFA.entities}
    for table, columns in PERSONAL_COLUMNS.items():
        bronze = _read(ingested["data_dir"], "bronze", by_table[table].name)
        assert bronze is not None and set(columns) <= set(bronze.columns), table


def test_a_rerun_adds_nothing(ingested: dict[str, Any]) -> None:
    data_dir, env = ingested["data_dir"], ingested["env"]
    rows = {e.name: _read(data_dir, "bronze", e.name).height for e in ZHENGFA.entities}  # type: ignore[union-attr]
    again = json.loads(run_govlake(env, "ingest", "zhengfa", "--json").stdout)
    assert [r["status"] for r in again] == ["skipped"] * len(ZHENGFA.entities)
    batch = next(r for r in ingested["results"] if r["entity"] == "traffic_violations")
    replayed = json.loads(run_govlake(env, "ingest", "zhengfa", "--entity", "traffic_violations", "--rerun",
                                      batch["batch_id"], "--json").stdout)[0]
    assert (replayed["received"], replayed["bronze"], replayed["quarantined"], replayed["rules"]) == \
        (batch["received"], batch["bronze"], batch["quarantined"], batch["rules"])
    assert {e.name: _read(data_dir, "bronze", e.name).height for e in ZHENGFA.entities} == rows  # type: ignore[union-attr]
    assert len(list_manifests(LocalLake(data_dir / "lake"))) == len(ZHENGFA.entities)


def test_mariadb_source_ingests_the_same_rows(ingested: dict[str, Any], mariadb_url: str, tmp_path: Path) -> None:
    env = govlake_env(tmp_path, SOURCE_ZHENGFA_URL=mariadb_url, **ENV)
    run_govlake(env, "simulate", "--system", "zhengfa", "--scale", SCALE, *(a for m in MESS for a in ("--mess", m)))
    results = {r["entity"]: r for r in json.loads(run_govlake(env, "ingest", "zhengfa", "--json").stdout)}
    sqlite_results = {r["entity"]: r for r in ingested["results"]}
    for e in ZHENGFA.entities:
        got, ref = results[e.name], sqlite_results[e.name]
        assert (got["received"], got["bronze"], got["quarantined"], got["rules"]) == \
            (ref["received"], ref["bronze"], ref["quarantined"], ref["rules"]), e.name
    # typed values agree with the SQLite run: dates, datetimes, booleans, decimals read back alike
    for entity, key in (("traffic_violations", "violation_id"), ("supervision_models", "model_id"),
                        ("driving_licence_statuses", "record_id"), ("patrol_hazards", "hazard_id")):
        mine = _read(tmp_path, "bronze", entity)
        ref_rows = _read(ingested["data_dir"], "bronze", entity)
        assert mine is not None and ref_rows is not None
        cols = [c for c in ref_rows.columns if not c.startswith("_")]
        assert mine.select(cols).sort(key).equals(ref_rows.select(cols).sort(key)), entity
