"""The video registry as a file source: monthly vendor ledgers and daily status exports through the pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from common.lake import LocalLake
from quality.manifests import list_manifests
from simulator.context import GroundTruth
from tests.conftest import REPO, govlake_env, run_govlake

pytestmark = pytest.mark.integration
WRONG_ENCODING = 0.05


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("video")
    env = govlake_env(data_dir)
    # mis-encoded rows at a high rate: recovered on ingestion, so they must all count
    run_govlake(env, "simulate", "--system", "video", "--scale", "0.005", "--mess", f"wrong_encoding={WRONG_ENCODING}")
    results = json.loads(run_govlake(env, "ingest", "video", "--json").stdout)
    return {"env": env, "data_dir": data_dir, "results": results,
            "truth": GroundTruth.read(data_dir / "sources" / "truth.json")}


def _quarantine(data_dir: Path, entity: str) -> pl.DataFrame:
    files = sorted((data_dir / "lake" / "quarantine" / "video" / entity).rglob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")


def test_batches_by_month_and_day_reconcile_and_keep_the_delivered_bytes(ingested: dict[str, Any]) -> None:
    data_dir = ingested["data_dir"]
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for r in ingested["results"]:
        by_entity.setdefault(r["entity"], []).append(r)
    assert len(by_entity["camera_ledgers"]) == 12 and len(by_entity["camera_status"]) == 366
    for m in list_manifests(LocalLake(data_dir / "lake"), "video"):
        assert m["status"] == "committed" and m["received"] == m["bronze"] + m["quarantined"]
    ledger = next(r for r in by_entity["camera_ledgers"] if r["batch_id"].startswith("2024-07"))
    files = ledger["details"]["files"]
    assert len(files) == 6 and {f["vendor"] for f in files} >= {"海康威视", "大华"}
    landed = next((data_dir / "lake" / "landing" / "video" / "camera_ledgers").rglob("2024-07/*.csv"))
    delivered = data_dir / "sources" / "video" / "ledgers" / "2024-07" / landed.name
    assert landed.read_bytes() == delivered.read_bytes()


def test_every_planted_anomaly_is_quarantined_and_no_clean_row_is(ingested: dict[str, Any]) -> None:
    truth: GroundTruth = ingested["truth"]
    cameras = truth.anomalies_of("video", "camera", level="row")
    assert cameras, "the simulator plants ledger defects at the default rates"
    ledgers = _quarantine(ingested["data_dir"], "camera_ledgers")
    assert set(ledgers["device_id"].drop_nulls()) == set(cameras)
    status = _quarantine(ingested["data_dir"], "camera_status")
    keys = status.select(pl.concat_str("device_id", pl.lit("/"), pl.col("stat_date").str.slice(0, 10)))
    assert set(keys.to_series()) == set(truth.anomalies_of("video", "camera_status"))


def test_rerun_skips_and_a_redelivered_month_is_a_new_batch(ingested: dict[str, Any], tmp_path: Path) -> None:
    env, data_dir = ingested["env"], ingested["data_dir"]
    again = json.loads(run_govlake(env, "ingest", "video", "--json").stdout)
    assert [r["status"] for r in again] == ["skipped", "skipped"]

    month = data_dir / "sources" / "video" / "ledgers" / "2024-12"
    csv = next(month.glob("*.csv"))
    original = csv.read_bytes()
    try:
        csv.write_bytes(original + original.splitlines(keepends=True)[-1])  # the last camera sent twice
        redelivered = json.loads(run_govlake(env, "ingest", "video", "--json").stdout)
        [batch] = [r for r in redelivered if r["status"] == "committed"]
        assert batch["batch_id"].startswith("2024-12") and "duplicate" in batch["rules"]
    finally:
        csv.write_bytes(original)


def test_an_unknown_ledger_header_fails_loudly(ingested: dict[str, Any], tmp_path: Path) -> None:
    env = govlake_env(tmp_path)
    run_govlake(env, "simulate", "--system", "video", "--scale", "0.002")
    month = tmp_path / "sources" / "video" / "ledgers" / "2024-01"
    (month / "440309999_新系统导出.csv").write_text("编号,备注\n1,x\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "govlake.cli", "ingest", "video"], env=env, cwd=REPO,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "440309999_新系统导出.csv" in proc.stderr and "编号" in proc.stderr


def test_a_recovered_camera_is_a_camera(ingested: dict[str, Any]) -> None:
    """Rows in the wrong encoding (CSV) or with a GBK name read as Latin-1 (XLSX) are decoded and kept: the latest
    ledger's distinct valid camera IDs are the ground truth's camera count, mis-encoded ones included."""
    data_dir: Path = ingested["data_dir"]
    truth: GroundTruth = ingested["truth"]
    misencoded = truth.anomalies_of("video", "camera", level="field")
    assert set(misencoded.values()) == {"wrong_encoding"}
    assert len(misencoded) >= 0.03 * truth.expected["video.cameras"]
    latest = next(r for r in ingested["results"] if r["batch_id"].startswith("2024-12"))
    bronze = pl.read_parquet(next((data_dir / "lake" / "bronze" / "video" / "camera_ledgers").rglob(
        f"{latest['batch_id']}.parquet")))
    assert bronze["device_id"].n_unique() == bronze.height == truth.expected["video.cameras"]
    recovered = bronze.filter(pl.col("device_id").is_in(list(misencoded)))
    assert recovered.height > 10
    assert set(recovered["_field_issues"]) <= {"wrong_encoding", "name:wrong_encoding"}
    assert recovered.filter(~pl.col("name").str.contains(r"\p{Han}")).is_empty(), "names decoded to Chinese"
    assert recovered.filter(pl.col("name").str.contains(r"[\x{80}-\x{FF}]")).is_empty()
    # both kinds were planted and both recovered; the field-level records keep what was received
    assert set(latest["field_rules"]) == {"wrong_encoding", "name:wrong_encoding"}
    assert "wrong_encoding" not in latest["rules"] and "name:wrong_encoding" not in latest["rules"]
    issues = pl.concat([pl.read_parquet(f) for f in (data_dir / "lake" / "quarantine" / "_fields" / "video" /
                                                      "camera_ledgers").rglob(f"{latest['batch_id']}.parquet")])
    assert set(issues["device_id"]) == set(recovered["device_id"])
    mojibake = issues.filter(pl.col("_rule") == "name:wrong_encoding")
    assert mojibake.height and mojibake.filter(~pl.col("name").str.contains(r"[\x{80}-\x{FF}]")).is_empty()
    assert latest["received"] == latest["bronze"] + latest["quarantined"]
