"""Incremental marts: a daily run over the new day gives exactly what a rebuild from scratch gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from tests.conftest import DISTRICT_SCALE, build_district, ingest_all, run_govlake

# a log of runs differs by design between two runs of the same data
RUN_DEPENDENT = {"fct_supervision_model_runs"}
# the build stamp of the big incremental marts: the run that last wrote the row (see macros/build/build_stamp.sql)
BUILD_STAMP = "built_at"


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_type = 'BASE TABLE'",
        [catalog]).fetchall()}


def test_incremental_daily_build_equals_a_full_rebuild(tmp_path: Path) -> None:
    env = build_district(tmp_path, as_of="2024-12-30T23:59:59")
    settings = env["settings"]
    # the next day arrives: new tickets, state changes of open ones, late corrections, a new status file
    run_govlake(env["env"], "simulate", "--scale", DISTRICT_SCALE, "--as-of", "2024-12-31T23:59:59")
    ingest_all(env["env"], tmp_path)
    daily = run_govlake(env["env"], "transform").stdout
    assert "daily build: models downstream of" in daily, "the second run builds only what the new day touches"
    assert "nothing new since the last build" in run_govlake(env["env"], "transform").stdout
    incremental = tmp_path / "incremental.duckdb"
    shutil.copy(settings.warehouse_path, incremental)

    manifest = json.loads((tmp_path / "dbt" / "target" / "manifest.json").read_text())
    incremental_models = {n["name"] for n in manifest["nodes"].values()
                          if n["resource_type"] == "model" and n["config"]["materialized"] == "incremental"}
    assert {"fct_tickets", "fct_ticket_flows", "fct_ratings", "agg_tickets_daily", "agg_tickets_monthly",
            "agg_camera_availability_daily"} <= incremental_models

    run_govlake(env["env"], "transform", "--full-refresh")
    con = duckdb.connect()
    con.execute(f"attach '{settings.warehouse_path}' as rebuilt (read_only)")
    con.execute(f"attach '{incremental}' as daily (read_only)")
    tables = _tables(con, "rebuilt") - RUN_DEPENDENT
    assert tables == _tables(con, "daily") - RUN_DEPENDENT
    differences = {}
    for table in sorted(tables):
        only_daily, only_rebuilt = (con.execute(
            f"select count(*) from (select columns(c -> c != '{BUILD_STAMP}') from {a}.main.{table} "
            f"except all select columns(c -> c != '{BUILD_STAMP}') from {b}.main.{table})"
        ).fetchone()[0] for a, b in (("daily", "rebuilt"), ("rebuilt", "daily")))  # type: ignore[index]
        if only_daily or only_rebuilt:
            differences[table] = (only_daily, only_rebuilt)
    assert not differences, f"rows only in the incremental / only in the rebuilt warehouse: {differences}"
    stamps = [con.execute(f"select count(distinct {BUILD_STAMP}) from {db}.main.fct_ticket_flows").fetchone()[0]  # type: ignore[index]
              for db in ("daily", "rebuilt")]
    assert stamps == [2, 1], "the daily build stamped the flows it rewrote; a full build stamps every row alike"
    ticket_days = con.execute("select max(created_at) from daily.main.fct_tickets").fetchone()
    assert str(ticket_days[0]).startswith("2024-12-31"), "the incremental run saw the new day"  # type: ignore[index]
