"""A source that arrives after the first build is built by the next daily build, and published."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.settings import Settings
from serving import reader
from tests.conftest import TEST_SCALE, govlake_env, ingest_all, run_govlake

pytestmark = pytest.mark.integration


def _served(data_dir: Path, sql: str) -> list[tuple]:
    con = reader.connect(Settings(data_dir=data_dir))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_community_arriving_a_day_late_builds_in_the_next_daily_build(tmp_path: Path) -> None:
    env = govlake_env(tmp_path, COMMUNITY_API_URL="http://127.0.0.1:9")  # nothing answers there: the upstream is down
    run_govlake(env, "simulate", "--scale", TEST_SCALE)
    first = run_govlake(env, "ingest", "--all")
    assert "skipped" in first.stdout + first.stderr
    built = run_govlake(env, "transform")
    assert "community." in built.stdout  # named as not built
    run_govlake(env, "publish")
    tables = {name for (name,) in _served(tmp_path, "select table_name from duckdb_tables()")}
    assert "dim_community_apps" not in tables and "fct_tickets" in tables
    # the indicator table is published without the community: every other indicator, and the missing ones named
    catalogue = {code for (code,) in _served(tmp_path, "select indicator_code from dim_indicators")}
    carried = {code for (code,) in _served(
        tmp_path, "select distinct indicator_code from fct_indicator_values where period = '2024'")}
    community = {code for code in catalogue if code.startswith("community.")}
    assert carried == catalogue - community, catalogue - community - carried
    unavailable = dict(_served(tmp_path, "select indicator_code, reason from fct_indicator_availability "
                                         "where status = 'unavailable'"))
    assert set(unavailable) == community
    assert all("社区工作台（community）" in reason for reason in unavailable.values())
    shown = run_govlake(env, "kpi", "--period", "2024").stdout
    assert "3 项指标暂不可用" in shown and "community.online_ratio" in shown

    ingest_all(env, tmp_path)  # the upstream is back: the community's first batches
    daily = run_govlake(env, "transform")
    assert "daily build" in daily.stdout and "views included" in daily.stdout
    run_govlake(env, "publish")
    (apps,) = _served(tmp_path, "select count(*) from dim_community_apps")[0]
    assert apps > 0
    codes = {code for (code,) in _served(tmp_path, "select distinct indicator_code from fct_indicator_values")}
    assert {"community.apps", "demand.tickets"} <= codes
