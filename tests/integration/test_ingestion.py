"""Ingestion of the 民意速办 source: reconciliation, quarantine, idempotence, increments, real SQL sources."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from common.lake import LocalLake
from common.settings import Settings
from ingestion.sources.minyi import MINYI
from quality.manifests import list_manifests
from serving import reader
from simulator.context import GroundTruth
from tests.conftest import govlake_env, run_govlake

pytestmark = pytest.mark.integration

KIND_TO_RULE = {
    "missing_required": "street_code:not_nullable",
    "unknown_code": "channel_code:isin",
    "inconsistent": "closed_at_not_before_created_at",
    "outside_district": "longitude:in_range",
}


def _truth(data_dir: Path) -> GroundTruth:
    return GroundTruth.read(data_dir / "sources" / "truth.json")


def _lake(data_dir: Path) -> LocalLake:
    return LocalLake(data_dir / "lake")


def _bronze_rows(data_dir: Path, entity: str) -> int:
    files = sorted((data_dir / "lake" / "bronze" / "minyi" / entity).rglob("*.parquet"))
    return sum(pl.read_parquet(f).height for f in files)


def test_received_equals_bronze_plus_quarantined_for_every_batch(published_env: dict[str, Any]) -> None:
    data_dir = published_env["data_dir"]
    manifests = list_manifests(_lake(data_dir))
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


def test_every_planted_anomaly_is_quarantined_with_its_reason_and_no_clean_row_is(
    published_env: dict[str, Any],
) -> None:
    data_dir = published_env["data_dir"]
    truth = _truth(data_dir)
    anomalies = truth.anomalies_of("minyi", "ticket")
    assert set(anomalies.values()) == set(KIND_TO_RULE), "every kind of ticket defect is planted at the default rates"
    quarantine = pl.concat(
        pl.read_parquet(f) for f in (data_dir / "lake" / "quarantine" / "minyi" / "tickets").rglob("*.parquet")
    )
    rules = dict(zip(quarantine["ticket_id"], quarantine["_rule"], strict=True))
    assert set(rules) == set(anomalies)
    for ticket_id, kind in anomalies.items():
        assert KIND_TO_RULE[kind] in rules[ticket_id]
    assert quarantine["_reason"].str.len_chars().min() > 0
    bronze_ids = set(pl.concat(pl.read_parquet(f) for f in (data_dir / "lake/bronze/minyi/tickets").rglob("*.parquet"))
                     ["ticket_id"])
    assert not bronze_ids & set(anomalies)
    assert len(bronze_ids) == truth.counts["minyi.ticket"] - len(anomalies)


def test_reingesting_adds_no_rows(tmp_path: Path) -> None:
    env = govlake_env(tmp_path)
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002")
    first = json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)
    rows = {e: _bronze_rows(tmp_path, e) for e in ("tickets", "ticket_flows")}

    again = json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)
    assert [r["status"] for r in again] == ["skipped"] * len(MINYI.entities)
    ticket_batch = next(r for r in first if r["entity"] == "tickets")
    replayed = json.loads(
        run_govlake(env, "ingest", "minyi", "--entity", "tickets", "--rerun", ticket_batch["batch_id"], "--json").stdout
    )
    assert replayed[0]["received"] == ticket_batch["received"]
    assert {e: _bronze_rows(tmp_path, e) for e in rows} == rows
    assert len(list_manifests(_lake(tmp_path))) == len(MINYI.entities)


def test_a_crash_after_landing_is_completed_by_the_rerun(tmp_path: Path) -> None:
    env = govlake_env(tmp_path)
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002")
    run_govlake(env, "ingest", "minyi")
    lake = tmp_path / "lake"
    # undo everything after landing for tickets, as a crash before bronze/manifest would leave it
    manifest = next((lake / "_manifests/minyi/tickets").glob("*.json"))
    batch_id = manifest.stem
    manifest.unlink()
    (lake / "_state/watermarks/minyi/tickets.json").unlink()
    for f in (lake / "bronze/minyi/tickets").rglob("*.parquet"):
        f.unlink()
    again = json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)
    tickets = next(r for r in again if r["entity"] == "tickets")
    assert (tickets["status"], tickets["batch_id"]) == ("committed", batch_id)
    assert _bronze_rows(tmp_path, "tickets") == tickets["bronze"]


def test_a_later_day_brings_only_new_and_changed_rows_and_staging_keeps_the_latest(tmp_path: Path) -> None:
    env = govlake_env(tmp_path)
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.004", "--as-of", "2024-06-30T00:00:00")
    day1 = {r["entity"]: r for r in json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)}
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.004", "--as-of", "2024-07-01T00:00:00")
    day2 = {r["entity"]: r for r in json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)}
    assert day2["channels"]["status"] == "skipped"
    assert 0 < day2["tickets"]["received"] < day1["tickets"]["received"] / 20, "a day costs a day, not the history"

    run_govlake(env, "transform")
    run_govlake(env, "publish")
    truth = _truth(tmp_path)
    con = reader.connect(Settings(data_dir=tmp_path))
    n, open_n = con.execute("select count(*), count(*) filter (where status = 'open') from fct_tickets").fetchone()
    con.close()
    assert n == truth.counts["minyi.ticket"] - len(truth.anomalies_of("minyi", "ticket"))
    # the second day's state wins: tickets closed on day 2 are closed, not open as in day 1's batch
    assert open_n < day1["tickets"]["bronze"]


def test_a_batch_above_the_rejection_limit_fails_loudly_and_publishes_nothing(tmp_path: Path) -> None:
    env = govlake_env(tmp_path, MAX_REJECT_RATE="0.0001")
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002", "--mess", "missing_required=0.05")
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "govlake.cli", "ingest", "minyi"], env=env, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 1
    assert "rejected" in proc.stderr and "limit" in proc.stderr
    assert _bronze_rows(tmp_path, "tickets") == 0
    assert not (tmp_path / "lake/_state/watermarks/minyi/tickets.json").exists()
    failed = [m for m in list_manifests(_lake(tmp_path)) if m["entity"] == "tickets"]
    assert failed[0]["status"] == "failed" and failed[0]["quarantined"] > 0


@pytest.mark.parametrize("database", ["postgres", "mariadb"])
def test_sql_sources_ingest_like_sqlite(database: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = request.getfixturevalue(f"{database}_url")
    env = govlake_env(tmp_path, SOURCE_MINYI_URL=url)
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002")
    results = {r["entity"]: r for r in json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)}
    truth = _truth(tmp_path)
    assert results["tickets"]["received"] == truth.counts["minyi.ticket"]
    assert results["tickets"]["quarantined"] == len(truth.anomalies_of("minyi", "ticket"))
    assert results["ticket_flows"]["received"] == truth.counts["minyi.ticket_flow"]
    # the same rows whatever database the source runs on: compare with an SQLite run of the same seed
    ref = tmp_path / "sqlite"
    ref_env = govlake_env(ref)
    run_govlake(ref_env, "simulate", "--system", "minyi", "--scale", "0.002")
    run_govlake(ref_env, "ingest", "minyi")
    cols = ["ticket_id", "street_code", "status", "created_at", "closed_at", "longitude"]

    def bronze(d: Path) -> pl.DataFrame:
        return pl.concat(pl.read_parquet(f) for f in (d / "lake/bronze/minyi/tickets").rglob("*.parquet")) \
            .select(cols).sort("ticket_id")

    assert bronze(tmp_path).equals(bronze(ref))
    shutil.rmtree(ref)


def test_a_batch_killed_before_its_manifest_stays_invisible_and_the_rerun_completes_it(tmp_path: Path) -> None:
    import subprocess
    import sys


    env = govlake_env(tmp_path)
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002")
    killed = subprocess.run([sys.executable, "-m", "govlake.cli", "ingest", "minyi"],
                            env={**env, "GOVLAKE_CRASH_AT": "bronze_written"}, capture_output=True, text=True,
                            check=False)
    assert killed.returncode == -9, "the process was killed mid-batch (SIGKILL)"
    lake = tmp_path / "lake"
    assert list((lake / "bronze/minyi/channels").rglob("*.parquet")), "the data of the killed batch is on disk"
    assert not list_manifests(_lake(tmp_path)), "but no batch was committed"
    assert not (lake / "_state").exists(), "and no watermark moved"

    results = json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)
    assert [r["status"] for r in results] == ["committed"] * len(MINYI.entities)
    run_govlake(env, "transform")
    run_govlake(env, "publish")
    con = reader.connect(Settings(data_dir=tmp_path))
    n = con.execute("select count(*) from fct_tickets").fetchone()[0]  # type: ignore[index]
    con.close()
    truth = _truth(tmp_path)
    assert n == truth.counts["minyi.ticket"] - len(truth.anomalies_of("minyi", "ticket")), "no row twice, none lost"
