"""Compaction merges a month's small daily batch files and changes nothing a model reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.settings import Settings
from serving import reader
from tests.conftest import govlake_env, run_govlake

pytestmark = pytest.mark.integration


def _served(data_dir: Path) -> tuple[int, int, int]:
    con = reader.connect(Settings(data_dir=data_dir))
    try:
        return con.execute(  # type: ignore[return-value]
            "select count(*), count(*) filter (where status = 'closed'), sum(hash(ticket_id, status, closed_at)) "
            "from fct_tickets").fetchone()
    finally:
        con.close()


def test_daily_files_become_one_per_month_and_the_marts_do_not_change(tmp_path: Path) -> None:
    env = govlake_env(tmp_path)
    for day in ("2024-06-28", "2024-06-29", "2024-06-30"):
        run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002", "--as-of", f"{day}T23:00:00")
        run_govlake(env, "ingest", "minyi")
    run_govlake(env, "transform")
    run_govlake(env, "publish")
    before = _served(tmp_path)
    tickets = tmp_path / "lake" / "bronze" / "minyi" / "tickets"
    assert len(list(tickets.rglob("*.parquet"))) == 3

    out = run_govlake(env, "compact", "minyi").stderr
    assert "minyi.tickets 2024-06: 3 files → 1" in out
    assert [p.parent.name for p in tickets.rglob("*.parquet")] == ["batch_month=2024-06"]

    # compaction commits no batch, so a daily transform would find nothing new: rebuild from the compacted files
    run_govlake(env, "transform", "--full-refresh")
    run_govlake(env, "publish")
    assert _served(tmp_path) == before
    assert "compacted 0 month(s)" in run_govlake(env, "compact", "minyi").stderr, "compaction is idempotent"
