"""Ingesting for a day or a date range: each day's run takes exactly what had changed by the end of that day."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from common.settings import Settings
from serving import reader
from simulator.context import GroundTruth
from tests.conftest import govlake_env, run_govlake

pytestmark = pytest.mark.integration


def test_day_by_day_then_catch_up_gives_the_same_data_as_one_run(tmp_path: Path) -> None:
    env = govlake_env(tmp_path)
    run_govlake(env, "simulate", "--system", "minyi", "--system", "video", "--scale", "0.002")

    days = json.loads(run_govlake(env, "ingest", "minyi", "--from", "2024-06-01", "--day", "2024-06-03",
                                  "--json").stdout)
    tickets = [r for r in days if r["entity"] == "tickets" and r["status"] == "committed"]
    assert [t["high"][:10] for t in tickets] == ["2024-06-01", "2024-06-02", "2024-06-03"]
    assert all(t["high"] <= "2024-06-03 23:59:59" for t in tickets)
    bronze = pl.concat(pl.read_parquet(f) for f in (tmp_path / "lake/bronze/minyi/tickets").rglob("*.parquet"))
    assert bronze["updated_at"].max() <= datetime(2024, 6, 3, 23, 59, 59)  # type: ignore[operator]
    again = json.loads(run_govlake(env, "ingest", "minyi", "--day", "2024-06-03", "--json").stdout)
    assert {r["status"] for r in again} == {"skipped"}

    video = json.loads(run_govlake(env, "ingest", "video", "--day", "2024-01-15", "--json").stdout)
    assert sum(r["entity"] == "camera_ledgers" for r in video) == 1
    assert sum(r["entity"] == "camera_status" for r in video) == 15

    run_govlake(env, "ingest", "minyi")  # catch up to now
    run_govlake(env, "transform")
    run_govlake(env, "publish")
    truth = GroundTruth.read(tmp_path / "sources" / "truth.json")
    con = reader.connect(Settings(data_dir=tmp_path))
    n = con.execute("select count(*) from fct_tickets").fetchone()[0]  # type: ignore[index]
    con.close()
    assert n == truth.counts["minyi.ticket"] - len(truth.anomalies_of("minyi", "ticket"))


def test_a_bad_range_is_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "govlake.cli", "ingest", "--all", "--from", "2024-06-05", "--day",
                           "2024-06-01"], env=govlake_env(tmp_path), capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "is after --day" in proc.stderr
