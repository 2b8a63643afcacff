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


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("video")
    env = govlake_env(data_dir)
    run_govlake(env, "simulate", "--system", "video", "--scale", "0.005")
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
    cameras = truth.anomalies_of("video", "camera")
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
