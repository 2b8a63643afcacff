"""S5 community workbench: the API's resources, calibrated at small scale, projected onto as_of, with planted mess."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from simulator.context import MessConfig, SimContext
from simulator.systems import community
from simulator.systems.community import APPS_2024, RECORDS_2024

RESOURCES = ("scenarios", "apps", "app_record_counts", "tasks", "task_progress", "indicators", "indicator_values",
             "work_stats")


def _run(out: Path, scale: float = 0.01, seed: int = 3, as_of: datetime = datetime(2024, 12, 31, 23, 59, 59),
         **mess: float) -> SimContext:
    ctx = SimContext(scale=scale, seed=seed, out=out, as_of=as_of, mess=MessConfig().with_overrides(mess))
    community.generate(ctx)
    return ctx


def _read(out: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(out / "community" / f"{name}.parquet")


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    def digest(out: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((out / "community").iterdir())}

    a = digest(_run(tmp_path / "a").out)
    assert a == digest(_run(tmp_path / "b").out)
    assert set(a) == {f"{r}.parquet" for r in RESOURCES}
    assert a != digest(_run(tmp_path / "c", seed=4).out)


def test_calibrated_counts_and_rates(tmp_path: Path) -> None:
    scale = 0.05
    ctx = _run(tmp_path, scale=scale)
    e = ctx.truth.expected
    assert abs(e["community.apps"] - APPS_2024 * scale) <= 0.02 * APPS_2024 * scale
    assert abs(e["community.records"] - RECORDS_2024 * scale) <= 0.01 * RECORDS_2024 * scale
    assert 0.873 <= e["community.online_ratio"] < 0.90  # 近90%: just under 90%
    assert _read(tmp_path, "tasks").height == 80 and _read(tmp_path, "scenarios").height == 104
    assert _read(tmp_path, "indicators").height == 9
    # the served work stats give the expected ratio
    w = _read(tmp_path, "work_stats")
    assert round(w["items_online"].sum() / w["items_total"].sum(), 4) == e["community.online_ratio"]
    # records recomputed from the served counts, without the planted defects, are the expected total
    counts = _read(tmp_path, "app_record_counts")
    kinds = ctx.truth.anomalies_of("community", "app_record_counts")
    assert {"duplicate", "inconsistent", "late_correction"} <= set(kinds.values())
    # a duplicate's first copy counts; a negative (inconsistent) count does not
    wrong = [k for k, v in kinds.items() if v == "inconsistent"]
    clean = counts.unique("stat_id", keep="first").filter(~pl.col("stat_id").is_in(wrong))
    assert clean["records_added"].sum() == e["community.records"]


def test_record_counts_have_weekly_seasonality_and_respect_app_lifetimes(tmp_path: Path) -> None:
    _run(tmp_path, scale=0.05, duplicate=0, inconsistent=0)
    counts = _read(tmp_path, "app_record_counts")
    by_wd = counts.group_by(pl.col("stat_date").dt.weekday().alias("wd")).agg(pl.col("records_added").sum())
    weekday = by_wd.filter(pl.col("wd") <= 5)["records_added"].mean()
    weekend = by_wd.filter(pl.col("wd") >= 6)["records_added"].mean()
    assert weekend < 0.6 * weekday  # type: ignore[operator]
    apps = _read(tmp_path, "apps")
    joined = counts.join(apps.unique("app_id"), on="app_id")
    assert joined.height == counts.height  # no counts for apps that do not exist
    assert joined.filter(pl.col("stat_date") < pl.col("created_at").dt.date()).height == 0
    assert (counts["records_added"] >= 0).all()  # a day first synced incomplete may read 0 until corrected


def test_projection_on_as_of_and_late_corrections(tmp_path: Path) -> None:
    mid = _run(tmp_path / "mid", as_of=datetime(2024, 6, 30, 12, 0))
    end = _run(tmp_path / "end")
    apps_mid, apps_end = _read(tmp_path / "mid", "apps"), _read(tmp_path / "end", "apps")
    assert 0 < apps_mid.height < apps_end.height
    c_mid = _read(tmp_path / "mid", "app_record_counts")
    assert c_mid["stat_date"].max() == datetime(2024, 6, 29).date()  # June 30's nightly run has not happened yet
    assert (c_mid["updated_at"] <= datetime(2024, 6, 30, 12, 0)).all()
    assert (_read(tmp_path / "mid", "indicator_values")["month"].max()) == "2024-05"
    # a day corrected after the first cut reads higher (and later) at the second one
    late = {k for k, v in end.truth.anomalies_of("community", "app_record_counts").items() if v == "late_correction"}
    both = c_mid.join(_read(tmp_path / "end", "app_record_counts"), on="stat_id", suffix="_end").filter(
        pl.col("updated_at_end") > pl.col("updated_at"))
    assert both.height > 0 and set(both["stat_id"]) <= late
    assert (both["records_added_end"] > both["records_added"]).all()
    assert mid.truth.expected["community.records"] < end.truth.expected["community.records"]


def test_planted_app_defects_are_recorded(tmp_path: Path) -> None:
    rate = 0.04
    ctx = _run(tmp_path, scale=0.3, missing_required=rate, unknown_code=rate, future_timestamp=rate,
               inconsistent=rate, duplicate=rate)
    apps = _read(tmp_path, "apps")
    truth = ctx.truth.anomalies_of("community", "apps")
    as_of = datetime(2024, 12, 31, 23, 59, 59)
    observed = {
        "missing_required": set(apps.filter(pl.col("community_code").is_null())["app_id"]),
        "unknown_code": set(apps.filter(~pl.col("category").is_in(community.CATEGORIES))["app_id"]),
        "future_timestamp": set(apps.filter(pl.col("created_at") > as_of)["app_id"]),
        "inconsistent": set(apps.filter((pl.col("updated_at") < pl.col("created_at"))
                                        & (pl.col("created_at") <= as_of))["app_id"]),
        "duplicate": set(apps.filter(pl.col("app_id").is_duplicated())["app_id"]),
    }
    for kind, keys in observed.items():
        assert keys == {k for k, v in truth.items() if v == kind}, kind
        assert 0.02 < len(keys) / apps["app_id"].n_unique() < 0.07, kind
    assert ctx.truth.expected["community.apps"] == apps["app_id"].n_unique() - sum(
        len(v) for k, v in observed.items() if k != "duplicate")


@pytest.mark.parametrize("name,key", [("apps", "app_id"), ("app_record_counts", "stat_id"), ("tasks", "task_id"),
                                      ("indicator_values", "value_id"), ("work_stats", "stat_id")])
def test_every_resource_has_a_key_and_updated_at(tmp_path: Path, name: str, key: str) -> None:
    _run(tmp_path, scale=0.005, duplicate=0)
    df = _read(tmp_path, name)
    assert df[key].is_unique().all() and df[key].null_count() == 0
    assert df["updated_at"].null_count() == 0
