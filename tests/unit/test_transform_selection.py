"""How `govlake transform` decides between a full build and a daily build of what new batches touch."""

from __future__ import annotations

from pathlib import Path

from govlake import transform as t
from govlake.publish import record_build
from govlake.settings import Settings

BATCHES = {("minyi", "tickets"): ("digest-1", True), ("video", "camera_status"): ("digest-2", True)}


def _built(tmp_path: Path, success: bool = True) -> Settings:
    settings = Settings(data_dir=tmp_path)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.write_bytes(b"")
    record_build(settings, success=success)
    return settings


def test_the_first_build_builds_everything(tmp_path: Path) -> None:
    assert t.changed_since_last_build(_built(tmp_path), BATCHES, "code-1") is None


def test_a_daily_build_selects_the_tables_whose_batches_changed(tmp_path: Path) -> None:
    settings = _built(tmp_path)
    t._save_state(settings, BATCHES, "code-1")
    assert t.changed_since_last_build(settings, BATCHES, "code-1") == []
    next_day = {**BATCHES, ("minyi", "tickets"): ("digest-3", True), ("pingan", "participations"): ("d", True)}
    assert t.changed_since_last_build(settings, next_day, "code-1") == [("minyi", "tickets"),
                                                                        ("pingan", "participations")]
    args = t.build_args([], t.daily_selection([("minyi", "tickets")]), False, t.DAILY_EXCLUDE, t.DAILY_FLAGS)
    assert args[:5] == ["build", "--exclude-resource-type", "unit_test", "--no-write-json", "--select"]
    assert "source:bronze_minyi.tickets+" in args and "stg_lake__batches+" in args
    assert args[args.index("--exclude") + 1] == "config.materialized:view"


def test_changed_code_or_a_failed_build_makes_the_next_build_a_full_one(tmp_path: Path) -> None:
    settings = _built(tmp_path)
    t._save_state(settings, BATCHES, "code-1")
    assert t.changed_since_last_build(settings, BATCHES, "code-2") is None
    record_build(settings, success=False)
    assert t.changed_since_last_build(settings, BATCHES, "code-1") is None


def test_a_full_build_starts_from_scratch_and_a_daily_one_carries_on(tmp_path: Path) -> None:
    settings = _built(tmp_path)
    selection, exclude, _, full_refresh, _ = t.plan_build(settings, BATCHES, "code-1", None, False)
    assert (selection, exclude, full_refresh) == (None, (), True)  # first build: no state yet
    t._save_state(settings, BATCHES, "code-1")
    assert t.plan_build(settings, BATCHES, "code-1", None, False) is None  # nothing new
    next_day = {**BATCHES, ("minyi", "tickets"): ("digest-3", True)}
    selection, exclude, _, full_refresh, _ = t.plan_build(settings, next_day, "code-1", None, False)
    assert not full_refresh and "source:bronze_minyi.tickets+" in selection and exclude == t.DAILY_EXCLUDE
    # incremental models computed by other code cannot be carried on: changed code rebuilds from scratch
    assert t.plan_build(settings, next_day, "code-2", None, False)[3] is True
    # an explicit selection is built as asked
    assert t.plan_build(settings, next_day, "code-2", "fct_tickets", False)[:4] == ("fct_tickets", (), (), False)


def test_the_fingerprint_follows_the_dbt_project(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert t.project_fingerprint(settings) == t.project_fingerprint(settings)
    assert t.project_fingerprint(settings) != t.project_fingerprint(Settings(data_dir=tmp_path, pseudonym_key="other"))


def test_missing_tables_are_those_never_committed() -> None:
    batches = {table: ("d", True) for table in t.bronze_source_tables()}
    batches[("minyi", "tickets")] = ("d", False)  # only a failed batch so far
    assert t.sources_without_data(Settings(), batches) == [("minyi", "tickets")]
