"""How `govlake transform` decides between a full build and a daily build of what new batches touch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from common.settings import Settings
from transform import build_state, dbt_runner, planning

BATCHES = {("minyi", "tickets"): ("digest-1", True), ("video", "camera_status"): ("digest-2", True)}


def _built(tmp_path: Path, success: bool = True) -> Settings:
    settings = Settings(data_dir=tmp_path)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.write_bytes(b"")
    build_state.record_build(settings, success=success)
    return settings


def test_the_first_build_builds_everything(tmp_path: Path) -> None:
    assert build_state.changed_since_last_build(_built(tmp_path), BATCHES, "code-1") is None


def test_a_daily_build_selects_the_tables_whose_batches_changed(tmp_path: Path) -> None:
    settings = _built(tmp_path)
    build_state.save_state(settings, BATCHES, "code-1")
    assert build_state.changed_since_last_build(settings, BATCHES, "code-1") == []
    next_day = {**BATCHES, ("minyi", "tickets"): ("digest-3", True), ("pingan", "participations"): ("d", True)}
    assert build_state.changed_since_last_build(settings, next_day, "code-1") == [("minyi", "tickets"),
                                                                        ("pingan", "participations")]
    args = planning.build_args([], planning.daily_selection([("minyi", "tickets")]), False,
                         planning.DAILY_EXCLUDE, planning.DAILY_FLAGS)
    # no --no-write-json: the daily build's run_results.json is reported per node by the Airflow transform task
    assert args[:4] == ["build", "--exclude-resource-type", "unit_test", "--select"]
    assert "source:bronze_minyi.tickets+" in args and "stg_lake__batches+" in args
    assert args[args.index("--exclude") + 1] == "config.materialized:view"


def test_changed_code_or_a_failed_build_makes_the_next_build_a_full_one(tmp_path: Path) -> None:
    settings = _built(tmp_path)
    build_state.save_state(settings, BATCHES, "code-1")
    assert build_state.changed_since_last_build(settings, BATCHES, "code-2") is None
    build_state.record_build(settings, success=False)
    assert build_state.changed_since_last_build(settings, BATCHES, "code-1") is None


def test_a_full_build_starts_from_scratch_and_a_daily_one_carries_on(tmp_path: Path) -> None:
    settings = _built(tmp_path)
    selection, exclude, _, full_refresh, _ = planning.plan_build(settings, BATCHES, "code-1", None, False)
    assert (selection, exclude, full_refresh) == (None, (), True)  # first build: no state yet
    build_state.save_state(settings, BATCHES, "code-1")
    assert planning.plan_build(settings, BATCHES, "code-1", None, False) is None  # nothing new
    next_day = {**BATCHES, ("minyi", "tickets"): ("digest-3", True)}
    selection, exclude, _, full_refresh, _ = planning.plan_build(settings, next_day, "code-1", None, False)
    assert not full_refresh and "source:bronze_minyi.tickets+" in selection and exclude == planning.DAILY_EXCLUDE
    # incremental models computed by other code cannot be carried on: changed code rebuilds from scratch
    assert planning.plan_build(settings, next_day, "code-2", None, False)[3] is True
    # an explicit selection is built as asked
    assert planning.plan_build(settings, next_day, "code-2", "fct_tickets", False)[:4] == ("fct_tickets", (), (), False)


def test_the_fingerprint_follows_the_dbt_project(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert build_state.project_fingerprint(settings) == build_state.project_fingerprint(settings)
    assert build_state.project_fingerprint(settings) != build_state.project_fingerprint(
        Settings(data_dir=tmp_path, pseudonym_key="other"))


def test_missing_tables_are_those_never_committed() -> None:
    batches = {table: ("d", True) for table in build_state.bronze_source_tables()}
    batches[("minyi", "tickets")] = ("d", False)  # only a failed batch so far
    assert build_state.sources_without_data(Settings(), batches) == [("minyi", "tickets")]


def test_dbt_sees_the_data_dir_paths_relative_so_its_parse_fits_every_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", lake_uri="")
    assert dbt_runner._from_data_dir(settings, str(settings.warehouse_path)) == "warehouse/build.duckdb"
    assert dbt_runner._from_data_dir(settings, dbt_runner.lake_root(settings)) == "lake"
    elsewhere = Settings(data_dir=tmp_path / "data", lake_uri=(tmp_path / "shared-lake").as_uri())
    shared = str((tmp_path / "shared-lake").resolve())
    assert dbt_runner._from_data_dir(elsewhere, dbt_runner.lake_root(elsewhere)) == shared
    on_s3 = Settings(data_dir=tmp_path / "data", lake_uri="s3://govlake/lake")
    assert dbt_runner._from_data_dir(on_s3, dbt_runner.lake_root(on_s3)) == "s3://govlake/lake"


def test_a_newer_saved_parse_is_shared_and_an_older_one_is_not(tmp_path: Path) -> None:
    cache, saved = tmp_path / "cache" / "partial_parse.msgpack", tmp_path / "target" / "partial_parse.msgpack"
    saved.parent.mkdir()
    saved.write_bytes(b"parse 1")
    dbt_runner._share_parse(saved, cache)
    assert cache.read_bytes() == b"parse 1"
    saved.write_bytes(b"parse 0")
    os.utime(saved, (cache.stat().st_mtime - 60,) * 2)  # older than what the cache holds
    dbt_runner._share_parse(saved, cache)
    assert cache.read_bytes() == b"parse 1"
    saved.write_bytes(b"parse 2")
    os.utime(saved, (cache.stat().st_mtime + 60,) * 2)
    dbt_runner._share_parse(saved, cache)
    assert cache.read_bytes() == b"parse 2" and list(cache.parent.iterdir()) == [cache]


def test_each_of_dbts_concurrent_nodes_gets_its_share_of_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    profile = yaml.safe_load((dbt_runner.DBT_PROJECT_DIR / "profiles.yml").read_text())["govlake"]["outputs"]["dev"]
    assert profile["threads"] == dbt_runner.DBT_THREADS
    assert "GOVLAKE_DUCKDB_THREADS" in profile["settings"]["threads"]
    monkeypatch.setattr(dbt_runner.os, "sched_getaffinity", lambda pid: set(range(8)))
    assert dbt_runner.duckdb_threads_per_node() == 4
    monkeypatch.setattr(dbt_runner.os, "sched_getaffinity", lambda pid: {0})
    assert dbt_runner.duckdb_threads_per_node() == 1


def test_a_source_that_arrives_after_the_first_build_gets_its_views_built(tmp_path: Path) -> None:
    settings = _built(tmp_path)
    first = {**BATCHES, ("community", "apps"): ("failed-only", False)}  # the REST upstream was down
    build_state.save_state(settings, first, "code-1")
    arrived = {**BATCHES, ("community", "apps"): ("digest-4", True), ("minyi", "tickets"): ("digest-5", True)}
    plan = planning.plan_build(settings, arrived, "code-1", None, False)
    assert plan is not None and not plan.full_refresh
    assert "source:bronze_community.apps+" in plan.select and "source:bronze_minyi.tickets+" in plan.select
    assert plan.exclude == ()  # the community's staging views were never created: this build creates them
    assert "community.apps" in plan.message
    # the day after, the community is an ordinary source again: views are left to full builds
    build_state.save_state(settings, arrived, "code-1")
    next_day = {**arrived, ("community", "apps"): ("digest-6", True)}
    assert planning.plan_build(settings, next_day, "code-1", None, False).exclude == planning.DAILY_EXCLUDE
