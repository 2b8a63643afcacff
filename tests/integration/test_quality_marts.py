"""The data-quality marts with field-level defects planted at a high rate: rejections and field repairs by rule and
level, the repaired rows per batch, and received = bronze + quarantined still holding for every batch.

The 民意速办 and video systems are simulated with mistyped call-back phones and mis-encoded ledger rows at 5 %,
ingested by the real CLI, and the quality marts built by dbt (with their contracts, data tests and unit tests);
each figure is checked against what ingestion wrote to the lake (bronze, quarantine/_fields) and the ground truth.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from common.lake import LocalLake
from common.settings import Settings
from quality.manifests import list_manifests
from simulator.context import GroundTruth
from tests.conftest import govlake_env, run_govlake
from transform.dbt_runner import run_dbt

pytestmark = pytest.mark.integration
RATE = 0.05
SYSTEMS = ("minyi", "video")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("quality_marts")
    env = govlake_env(data_dir)
    sources = data_dir / "sources"
    # mistyped call-back phones are planted as invalid_id, which in the video ledgers means invalid camera IDs
    # (row-level: at 5 % they fail a ledger batch whole), so each system is simulated with its own field-level mess
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.005", "--mess", f"invalid_id={RATE}")
    (sources / "truth.json").rename(sources / "truth-minyi.json")
    run_govlake(env, "simulate", "--system", "video", "--scale", "0.005", "--mess", f"wrong_encoding={RATE}")
    for system in SYSTEMS:
        run_govlake(env, "ingest", system)
    settings = Settings(data_dir=data_dir)
    # the quality marts and what they read, with their contracts, data tests and unit tests
    assert run_dbt(settings, ["build", "--select", "+path:models/marts/quality"])
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    return {"data_dir": data_dir, "con": con, "truth": GroundTruth.read(sources / "truth-minyi.json"),
            "manifests": [m for s in SYSTEMS for m in list_manifests(LocalLake(data_dir / "lake"), s)]}


def _parquet(root: Path) -> pl.DataFrame:
    files = sorted(root.rglob("*.parquet"))
    assert files, f"nothing under {root}"
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")


def test_rejections_and_repairs_by_rule_are_the_manifests_at_their_level(built: dict[str, Any]) -> None:
    want: Counter[tuple[str, str, str, str]] = Counter()
    for m in built["manifests"]:
        for level, rules in (("row", m.get("rules") or {}), ("field", m.get("field_rules") or {})):
            for rule, n in rules.items():
                want[(m["source"], m["entity"], level, rule)] += n
    got = {tuple(r[:4]): r[4] for r in built["con"].execute(
        "select source_system, entity, level, rule_name, rows_affected from agg_quarantine_by_rule").fetchall()}
    assert got == dict(want)
    levels = {key[2] for key in got}
    assert levels == {"row", "field"}, "both rejections and repairs were planted"
    # the planted field-level defects, each under its rule at level field
    fields = {(s, e, r) for s, e, lv, r in got if lv == "field"}
    assert {("video", "camera_ledgers", "wrong_encoding"), ("video", "camera_ledgers", "name:wrong_encoding"),
            ("minyi", "ratings", "callback_phone:mobile_valid")} <= fields


def test_field_level_rows_are_the_records_in_quarantine_fields(built: dict[str, Any]) -> None:
    """One field-level record per kept row and rule: the mart's field-level counts are those files' counts, and the
    mistyped phones are exactly the ratings the simulator planted them on."""
    data_dir: Path = built["data_dir"]
    con = built["con"]
    for system, entity in (("video", "camera_ledgers"), ("minyi", "ratings")):
        records = _parquet(data_dir / "lake" / "quarantine" / "_fields" / system / entity)
        assert set(records["_level"]) == {"field"}
        on_files = dict(records.group_by("_rule").len().iter_rows())
        in_mart = dict(con.execute(
            "select rule_name, rows_affected from agg_quarantine_by_rule "
            "where source_system = ? and entity = ? and level = 'field'", [system, entity]).fetchall())
        assert in_mart == on_files
        # the share of the entity's rows, near the planted rate
        rate = con.execute("select sum(affected_rate) from agg_quarantine_by_rule "
                           "where source_system = ? and entity = ? and level = 'field'", [system, entity]).fetchone()
        assert rate is not None and 0.5 * RATE < rate[0] < 3 * RATE, (system, entity, rate)
    phones = _parquet(data_dir / "lake" / "quarantine" / "_fields" / "minyi" / "ratings")
    planted = built["truth"].anomalies_of("minyi", "rating", level="field")
    assert set(phones["rating_id"]) == set(planted) and len(planted) > 20


def test_every_batch_reconciles_and_counts_its_repaired_rows(built: dict[str, Any]) -> None:
    data_dir: Path = built["data_dir"]
    con = built["con"]
    batches = {(s, e, b): (received, bronze, quarantined, repaired, ok) for s, e, b, received, bronze, quarantined,
               repaired, ok in con.execute(
        "select source_system, entity, batch_id, rows_received, rows_bronze, rows_quarantined, rows_repaired, "
        "is_reconciled from fct_ingestion_batches").fetchall()}
    assert len(batches) == len(built["manifests"])
    for (s, e, b), (received, bronze, quarantined, repaired, ok) in batches.items():
        assert ok and received == bronze + quarantined, (s, e, b)
        assert 0 <= repaired <= bronze
    # a repaired row is a bronze row flagged in _field_issues: counted from bronze itself, batch by batch
    flagged: Counter[tuple[str, str, str]] = Counter()
    for system in SYSTEMS:
        for entity_dir in (data_dir / "lake" / "bronze" / system).iterdir():
            bronze = _parquet(entity_dir)
            if "_field_issues" not in bronze.columns:
                continue
            for batch_id, n in bronze.filter(pl.col("_field_issues").is_not_null()).group_by("_batch_id").len(
                    ).iter_rows():
                flagged[(system, entity_dir.name, batch_id)] += n
    repaired = {k: v[3] for k, v in batches.items() if v[3]}
    assert repaired == dict(flagged) and sum(repaired.values()) > 100
    totals = con.execute("select sum(rows_repaired) from agg_source_freshness").fetchone()
    assert totals == (sum(repaired.values()),)
