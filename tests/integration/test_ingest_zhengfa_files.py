"""The 政法 file drops (S6 exchange dossier messages, S9 court monthly reports) through the file pipeline:
reconciliation, every planted defect quarantined with its rule and no clean row, corrections kept, re-runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from common.lake import LocalLake
from quality.manifests import list_manifests
from simulator.context import GroundTruth
from tests.conftest import govlake_env, run_govlake

pytestmark = pytest.mark.integration

SCALE = "0.01"
# rates raised so that every dossier defect shows up among ~130 dossiers (seed 42); the rejection limit is lifted
# because this test is about which rows are rejected, not about failing a batch
MESS = ("duplicate=0.03", "invalid_id=0.05", "missing_required=0.05", "future_timestamp=0.05", "late_correction=0.05")
ENV = {"MAX_REJECT_RATE": "0.9"}
# planted kind → the rule that must be among a quarantined row's rules
DOSSIER_RULE = {"invalid_id": "suspects:citizen_id_valid", "missing_required": "charges:not_empty",
                "future_timestamp": "stages:not_after_sent"}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("zhengfa_files")
    env = govlake_env(data_dir, **ENV)
    run_govlake(env, "simulate", "--system", "zhengfa", "--scale", SCALE, *[a for m in MESS for a in ("--mess", m)])
    results = json.loads(run_govlake(env, "ingest", "zhengfa_files", "--json").stdout)
    return {"env": env, "data_dir": data_dir, "results": results,
            "truth": GroundTruth.read(data_dir / "sources" / "truth.json")}


def _zone(data_dir: Path, zone: str, entity: str) -> pl.DataFrame:
    files = sorted((data_dir / "lake" / zone / "zhengfa_files" / entity).rglob("*.parquet"))
    assert files, f"nothing in {zone} for {entity}"
    frame = pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
    # the file name and line where the row was delivered: the ground truth's `file:line`
    return frame.with_columns(pl.col("_source_file").str.extract(r"([^/]+)$", 1).alias("file"))


def test_batches_per_file_reconcile_and_keep_the_delivered_bytes(ingested: dict[str, Any]) -> None:
    data_dir, truth = ingested["data_dir"], ingested["truth"]
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for r in ingested["results"]:
        assert r["status"] == "committed" and r["received"] == r["bronze"] + r["quarantined"]
        by_entity.setdefault(r["entity"], []).append(r)
    assert len(by_entity["dossier_messages"]) == truth.counts["zhengfa.dossier_files"]
    assert len(by_entity["court_monthly"]) == truth.counts["zhengfa.court_monthly_files"]
    for entity, count in (("dossier_messages", "dossier_message"), ("court_monthly", "court_monthly")):
        assert sum(r["received"] for r in by_entity[entity]) == truth.counts[f"zhengfa.{count}"]
    for m in list_manifests(LocalLake(data_dir / "lake"), "zhengfa_files"):
        assert m["status"] == "committed" and m["received"] == m["bronze"] + m["quarantined"]
    for sub in ("dossiers", "court"):
        landed = next((data_dir / "lake" / "landing" / "zhengfa_files").rglob(f"zhengfa/{sub}/*.*"))
        assert landed.read_bytes() == (data_dir / "sources" / "zhengfa" / sub / landed.name).read_bytes()
    report = by_entity["court_monthly"][0]["details"]["files"][0]
    assert report["encoding"] == "utf-8-sig" and report["unknown_columns"] == []


def test_every_planted_dossier_defect_is_quarantined_and_no_clean_message_is(ingested: dict[str, Any]) -> None:
    truth: GroundTruth = ingested["truth"]
    dossiers = truth.anomalies_of("zhengfa", "dossier")
    lines = {k: v for k, v in truth.anomalies_of("zhengfa", "dossier_message").items() if v == "duplicate"}
    assert set(dossiers.values()) == set(DOSSIER_RULE) and lines, "every kind is planted at these rates"
    bronze = _zone(ingested["data_dir"], "bronze", "dossier_messages")
    quarantine = _zone(ingested["data_dir"], "quarantine", "dossier_messages").with_columns(
        pl.concat_str("file", pl.lit(":"), pl.col("_source_row").cast(pl.String)).alias("key"))
    rules = dict(zip(quarantine["key"], quarantine["_rule"].str.split("; "), strict=True))
    for key in lines:
        assert "duplicate" in rules.get(key, []), key
    # a dossier-level defect is in every version of the dossier: all its messages are rejected, for its kind
    for row in quarantine.filter(pl.col("dossier_id").is_in(list(dossiers))).iter_rows(named=True):
        assert DOSSIER_RULE[dossiers[row["dossier_id"]]] in row["_rule"].split("; "), row["_rule"]
    assert set(quarantine["dossier_id"]) >= set(dossiers)
    assert not set(bronze["dossier_id"]) & set(dossiers)
    # no clean row: each rejection is a re-delivered line or a message of a defective dossier
    clean = quarantine.filter(~pl.col("key").is_in(list(lines)) & ~pl.col("dossier_id").is_in(list(dossiers)))
    assert clean.is_empty(), clean.select("key", "dossier_id", "_rule").to_dicts()
    assert bronze["message_id"].is_unique().all()


def test_corrected_versions_reach_bronze_next_to_the_version_they_replace(ingested: dict[str, Any]) -> None:
    truth: GroundTruth = ingested["truth"]
    corrections = [k for k, v in truth.anomalies_of("zhengfa", "dossier_message").items() if v == "late_correction"]
    defective = set(truth.anomalies_of("zhengfa", "dossier"))
    bronze = _zone(ingested["data_dir"], "bronze", "dossier_messages")
    fixes = bronze.filter(pl.col("message_id").is_in(corrections))
    assert fixes.height == len([c for c in corrections if f"DZJZ4403092024{c[10:16]}" not in defective]) > 0
    replaced = bronze.join(fixes.select(pl.col("corrects").alias("message_id"), pl.col("version").alias("fixed")),
                           on="message_id")
    assert replaced.height == fixes.height and (replaced["version"] < replaced["fixed"]).all()
    assert (fixes["message_type"] == "更正").all()


def test_court_duplicates_are_quarantined_and_corrections_kept(ingested: dict[str, Any]) -> None:
    truth: GroundTruth = ingested["truth"]
    planted = truth.anomalies_of("zhengfa", "court_monthly")
    # the simulator counts court lines from the first data row; the header is line 1 of the file
    dups = {f"{k.rsplit(':', 1)[0]}:{int(k.rsplit(':', 1)[1]) + 1}" for k, v in planted.items() if v == "duplicate"}
    corrected = {k for k, v in planted.items() if v == "late_correction"}
    assert dups and corrected
    quarantine = _zone(ingested["data_dir"], "quarantine", "court_monthly")
    keys = quarantine.select(pl.concat_str("file", pl.lit(":"), pl.col("_source_row").cast(pl.String)))
    assert set(keys.to_series()) == dups and (quarantine["_rule"] == "duplicate").all()
    bronze = _zone(ingested["data_dir"], "bronze", "court_monthly")
    assert bronze.select("stat_month", "tribunal", "report_version").is_unique().all()
    originals = set(bronze.select(pl.concat_str("file", pl.lit(":"), "tribunal")).to_series())
    assert corrected <= originals  # the first version stays in bronze: a valid (superseded) report
    months = {k.split(":")[0].removeprefix("monthly_").removesuffix(".csv") for k in corrected}
    second = bronze.filter(pl.col("report_version") == 2)
    assert set(second["stat_month"]) == months and second["file"].str.ends_with("_r2.csv").all()
    assert (bronze["services_electronic"] <= bronze["services_total"]).all()


def test_rerun_adds_nothing(ingested: dict[str, Any]) -> None:
    data_dir = ingested["data_dir"]
    before = len(list_manifests(LocalLake(data_dir / "lake"), "zhengfa_files"))
    again = json.loads(run_govlake(ingested["env"], "ingest", "zhengfa_files", "--json").stdout)
    assert [r["status"] for r in again] == ["skipped", "skipped"]
    assert len(list_manifests(LocalLake(data_dir / "lake"), "zhengfa_files")) == before
