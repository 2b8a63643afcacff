"""S1 民意速办 simulator: calibration, planted mess, flows, ratings, warnings, catalogue and ticket text."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from simulator.catalogue import CATALOGUE_TREE, CATEGORIES, SEED_COLUMNS, SEEDS_DIR, catalogue_rows
from simulator.context import MessConfig, SimContext
from simulator.people import GIVEN, SURNAMES
from simulator.systems import minyi
from simulator.systems.minyi_text import LANDMARKS, ROADS

SCALE = 0.01
AS_OF = datetime(2024, 12, 31, 23, 59, 59)


def _ctx(tmp_path: Path, scale: float = SCALE, seed: int = 11, as_of: datetime = AS_OF, **mess: float) -> SimContext:
    return SimContext(scale=scale, seed=seed, out=tmp_path, as_of=as_of, mess=MessConfig().with_overrides(mess))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimContext, minyi.Year, dict[str, pl.DataFrame]]:
    ctx = _ctx(tmp_path_factory.mktemp("minyi"))
    minyi.generate(ctx)
    year = minyi.generate_year(ctx)
    return ctx, year, minyi.project(year, ctx, ctx.as_of)


def _db(ctx: SimContext, table: str) -> pl.DataFrame:
    engine = sa.create_engine(ctx.url("minyi"))
    try:
        with engine.connect() as conn:
            df = pl.read_database(f"select * from {table}", conn)
    finally:
        engine.dispose()
    # SQLite hands datetimes back as text
    return df.with_columns(pl.col(c).str.to_datetime(time_unit="us") for c in df.columns if c.endswith("_at"))



def test_same_seed_writes_identical_rows_and_another_seed_does_not(tmp_path: Path, run) -> None:
    ctx, _year, rows = run
    again = minyi.project(minyi.generate_year(_ctx(tmp_path / "a")), _ctx(tmp_path / "a"), AS_OF)
    other = minyi.project(minyi.generate_year(_ctx(tmp_path / "b", seed=12)), _ctx(tmp_path / "b", seed=12), AS_OF)
    for name, df in rows.items():
        assert df.equals(again[name]), name
    assert not rows["ticket"].equals(other["ticket"])
    # what was written is what was projected
    written = _db(ctx, "ticket").sort("ticket_id")
    assert written["content"].to_list() == rows["ticket"]["content"].to_list()


def test_counts_match_the_seed_at_small_scale(run) -> None:
    ctx, _year, rows = run
    truth = ctx.truth
    e = truth.expected
    # the clean totals are the seed's exactly; the planted defects come on top
    assert (e["demand.self_collected"], e["demand.citizen"]) == (round(717_100 * SCALE), round(340_400 * SCALE))
    assert e["demand.tickets"] == e["demand.self_collected"] + e["demand.citizen"]
    planted = len(truth.anomalies_of("minyi", "ticket"))
    assert planted > 0 and truth.counts["minyi.ticket"] == e["demand.tickets"] + planted
    assert truth.counts["minyi.channel"] == 37
    assert e["demand.citizen_monthly_avg"] == pytest.approx(28_400 * SCALE, rel=0.015)
    assert round(e["demand.on_time_closure_rate"] * 100, 1) == 100.0
    assert e["demand.warnings"] == pytest.approx(3_100 * SCALE, rel=0.35)  # ~31 warnings at this scale
    assert (e["demand.letters"], e["demand.field_reinspections"]) == (round(37 * SCALE) or 1, round(380 * SCALE))
    assert (e["demand.special_reports"], e["demand.analysis_reports"]) == (round(42 * SCALE) or 1, round(370 * SCALE))
    assert e["demand.channels"] == 37


def test_seasonality_weekdays_busier_and_citizens_call_by_day(run) -> None:
    _ctx_, _year, rows = run
    t = rows["ticket"].with_columns(pl.col("created_at").dt.weekday().alias("wd"),
                                    pl.col("created_at").dt.hour().alias("h"))
    per_day = t.group_by("wd").len()
    weekday = per_day.filter(pl.col("wd") <= 5)["len"].mean()
    weekend = per_day.filter(pl.col("wd") >= 6)["len"].mean()
    assert weekend < 0.8 * weekday
    citizen = t.filter(pl.col("caller_phone").is_not_null())
    assert citizen.filter(pl.col("h").is_between(8, 20)).height > 4 * citizen.filter(pl.col("h") < 6).height


def test_every_planted_anomaly_is_recorded_at_its_rate(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, scale=0.02, missing_required=0.01, unknown_code=0.01, inconsistent=0.01,
               outside_district=0.01, late_correction=0.02, future_timestamp=0.005, invalid_id=0.01)
    minyi.generate(ctx)
    truth = ctx.truth
    tickets = _db(ctx, "ticket")
    n = tickets.height
    planted = truth.anomalies_of("minyi", "ticket")
    found = {
        "missing_required": set(tickets.filter(pl.col("street_code").is_null())["ticket_id"]),
        "unknown_code": set(tickets.filter(pl.col("channel_code") == "CH99")["ticket_id"]),
        "inconsistent": set(tickets.filter(pl.col("closed_at") < pl.col("created_at"))["ticket_id"]),
        "outside_district": set(tickets.filter(pl.col("longitude") > 114.16)["ticket_id"]),
    }
    for kind, ids in found.items():
        assert ids == {k for k, v in planted.items() if v == kind}, kind
        assert 0.006 < len(ids) / n < 0.014, kind
    # late corrections: a changed category and an updated_at days after creation
    corrections = truth.planted["minyi.late_corrections"]
    assert set(truth.anomalies_of("minyi", "ticket_correction")) == {c["ticket_id"] for c in corrections}
    assert 0.012 < len(corrections) / n < 0.028
    by_id = dict(zip(tickets["ticket_id"], tickets["category_code"], strict=True))
    created = dict(zip(tickets["ticket_id"], tickets["created_at"], strict=True))
    updated = dict(zip(tickets["ticket_id"], tickets["updated_at"], strict=True))
    for c in corrections:
        assert by_id[c["ticket_id"]] == c["after"] != c["before"]
        assert c["after"][:2] == c["before"][:2]  # reclassified within its L1 class
        assert updated[c["ticket_id"]] - created[c["ticket_id"]] >= timedelta(days=2)
    # flow steps typed with the year 2099; call-back phones mistyped
    flows = _db(ctx, "ticket_flow")
    future = set(flows.filter(pl.col("step_at").dt.year() >= 2099)["flow_id"])
    assert future == set(truth.anomalies_of("minyi", "ticket_flow")) and future
    assert 0.002 < len(future) / flows.height < 0.008
    ratings = _db(ctx, "rating")
    bad = set(ratings.filter(~pl.col("callback_phone").str.contains(r"^1[3-9]\d{9}$"))["rating_id"])
    assert bad == set(truth.anomalies_of("minyi", "rating")) and bad


def test_a_clean_run_plants_nothing_and_every_clean_ticket_passes_the_checks(tmp_path: Path) -> None:
    ctx = SimContext(scale=0.005, seed=3, out=tmp_path, as_of=AS_OF, mess=MessConfig().scaled(0.0))
    minyi.generate(ctx)
    assert ctx.truth.anomalies == [] and ctx.truth.planted["minyi.late_corrections"] == []
    t = _db(ctx, "ticket")
    assert t["street_code"].null_count() == 0
    assert t["longitude"].is_between(113.95, 114.16).all() and t["latitude"].is_between(22.58, 22.80).all()
    assert t.filter(pl.col("closed_at") < pl.col("created_at")).height == 0
    assert ((t["status"] == "closed") == t["closed_at"].is_not_null()).all()
    assert t["caller_phone"].drop_nulls().str.contains(r"^1[3-9]\d{9}$").all()


def test_flows_have_returns_extensions_supervision_and_reopenings_after_unsatisfied_ratings(run) -> None:
    ctx, _year, rows = run
    flows = rows["ticket_flow"]
    steps = set(flows["step"].cast(pl.String))
    assert steps == {"dispatch", "accept", "first_contact", "return", "extend", "close", "visit", "reopen", "supervise"}
    assert flows["flow_id"].n_unique() == flows.height
    tickets = rows["ticket"].height
    returned = flows.filter(pl.col("step") == "return")["ticket_id"].n_unique()
    assert 0.02 < returned / tickets < 0.06
    # a returned ticket is dispatched twice, to a different department the second time
    twice = flows.filter(pl.col("step") == "dispatch").group_by("ticket_id").agg(
        pl.col("department").cast(pl.String).n_unique().alias("units"), pl.len().alias("n")).filter(pl.col("n") == 2)
    assert returned - 3 <= twice.height <= returned and (twice["units"] == 2).all()  # a few re-dispatch after as_of
    # every reopened ticket was rated 不满意 or 非常不满意 in its first visit
    ratings = rows["rating"]
    unsatisfied = set(ratings.filter((pl.col("visit_round") == 1)
                                     & pl.col("satisfaction").is_in(["不满意", "非常不满意"]))["ticket_id"])
    reopened = set(flows.filter(pl.col("step") == "reopen")["ticket_id"])
    assert reopened and reopened <= unsatisfied
    assert set(ratings["satisfaction"]) == {"非常满意", "满意", "基本满意", "不满意", "非常不满意"}
    satisfied = ratings.filter(pl.col("satisfaction").is_in(["非常满意", "满意", "基本满意"])).height / ratings.height
    assert 0.9 < satisfied < 0.99
    # contact within 24 h of the (final) dispatch, nearly always
    first = flows.filter(pl.col("step") == "first_contact").select("ticket_id", "step_at")
    disp = flows.filter(pl.col("step") == "dispatch").group_by("ticket_id").agg(pl.col("step_at").max())
    lag = first.join(disp, on="ticket_id", suffix="_d").select(pl.col("step_at") - pl.col("step_at_d"))
    assert (lag.to_series() <= timedelta(hours=24)).mean() > 0.99


def test_warnings_fire_before_due_and_almost_all_warned_tickets_still_close_in_time(run) -> None:
    _ctx_, _year, rows = run
    reopened = rows["ticket_flow"].filter(pl.col("step") == "reopen")["ticket_id"].implode()
    w = rows["warning"].join(rows["ticket"].select("ticket_id", "due_at", "closed_at"), on="ticket_id").filter(
        ~pl.col("ticket_id").is_in(reopened))  # a reopened ticket shows its second due time
    risk = w.filter(pl.col("rule_code") == "OVERDUE_RISK_12H")
    assert risk.height > 0
    assert ((risk["due_at"] - risk["raised_at"]) <= timedelta(hours=12)).all()
    assert (risk["closed_at"].is_null() | (risk["closed_at"] > risk["raised_at"])).all()
    closed = risk.filter(pl.col("closed_at").is_not_null())
    assert (closed["closed_at"] <= closed["due_at"]).mean() > 0.8  # warned is not late
    assert set(rows["letter"]["letter_type"]) <= {"提醒函", "督办函"}
    assert rows["letter_ticket"]["ticket_id"].is_in(rows["warning"]["ticket_id"].implode()).all()


def test_repeat_demands_are_planted_with_same_caller_l2_and_community_within_30_days(run) -> None:
    ctx, _year, rows = run
    t = rows["ticket"].filter(pl.col("caller_phone").is_not_null()).select(
        "ticket_id", "caller_phone", pl.col("category_code").str.slice(0, 4).alias("l2"), "community_code",
        "created_at").sort("created_at")
    pairs = t.join(t, on=["caller_phone", "l2", "community_code"], suffix="_b").filter(
        (pl.col("created_at_b") > pl.col("created_at"))
        & (pl.col("created_at_b") - pl.col("created_at") <= timedelta(days=30)))
    repeats = pairs["ticket_id_b"].n_unique()
    planted = ctx.truth.planted["minyi.repeat_demands"]
    assert planted > 0.03 * t.height
    assert repeats == pytest.approx(planted, rel=0.1)  # late corrections may move a few out of their L2


def test_a_later_as_of_adds_tickets_and_updates_old_ones(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, scale=0.004, seed=3)
    year = minyi.generate_year(ctx)
    t1 = minyi.project(year, ctx, datetime(2024, 6, 30))["ticket"]
    t2 = minyi.project(year, ctx, datetime(2024, 7, 31))["ticket"]
    assert t2.height > t1.height
    joined = t1.join(t2, on="ticket_id", suffix="_2")
    changed = joined.filter(pl.col("updated_at_2") > pl.col("updated_at"))
    assert changed.height > 0.005 * t1.height
    days_old = changed.filter(pl.col("created_at") < datetime(2024, 6, 25))
    assert days_old.height > 0, "tickets keep changing days after creation: visits, reopenings, corrections"
    assert changed.filter(pl.col("status") != pl.col("status_2")).height > 0
    # rows exist only once they happened
    for table in ("ticket_flow", "rating", "warning"):
        rows = minyi.project(year, ctx, datetime(2024, 6, 30))[table]
        at = {"ticket_flow": "updated_at", "rating": "rated_at", "warning": "raised_at"}[table]
        assert (rows[at] <= datetime(2024, 6, 30)).all()


def test_catalogue_has_18_l1_classes_and_matches_its_seed() -> None:
    assert len(CATALOGUE_TREE) == 18
    assert 100 <= len(CATEGORIES) <= 150
    assert {c.code[:2] for c in CATEGORIES} == {f"{i:02d}" for i in range(1, 19)}
    assert len({c.code[:4] for c in CATEGORIES}) >= 36
    with open(SEEDS_DIR / "ref_ticket_categories.csv", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == SEED_COLUMNS
        assert list(reader) == catalogue_rows()
    assert len({c.department for c in CATEGORIES}) >= 15


def test_every_category_has_varied_text_with_real_places(run) -> None:
    _ctx_, year, rows = run
    t = year.tickets.select("category_code", "template", "content", "title", "address")
    per_cat = t.group_by("category_code").agg(
        pl.col("template").n_unique().alias("templates"), pl.col("content").n_unique().alias("texts"), pl.len())
    assert per_cat.height == len(CATEGORIES)
    enough = per_cat.filter(pl.col("len") >= 10)
    assert (enough["templates"] >= 3).all()
    assert (enough["texts"] >= 0.9 * enough["len"]).all()
    places = [p for v in (*ROADS.values(), *LANDMARKS.values()) for p in v]
    assert t["address"].str.contains("|".join(places)).mean() > 0.7  # the rest name a community's estate
    assert t["address"].str.contains("观湖|民治|龙华|大浪|福城|观澜").all()
    assert t["content"].str.contains("民治大道|梅龙路|人民路|观澜湖|龙华公园|清湖地铁站|深圳北站").sum() > 0
    # machine-written text for the video-AI channel, citizen voice on the hotline
    ch = rows["ticket"].select("channel_code", "content")
    assert ch.filter(pl.col("channel_code") == "CH19")["content"].str.contains("识别|告警|监测").all()
    assert not ch.filter(pl.col("channel_code") == "CH01")["content"].str.contains("置信度").any()


def test_callers_have_chinese_names_and_self_collected_tickets_have_none(run) -> None:
    _ctx_, year, rows = run
    t = rows["ticket"].join(year.tickets.select("ticket_id", "self_collected"), on="ticket_id")
    assert t.filter(pl.col("self_collected"))["caller_phone"].null_count() == t["self_collected"].sum()
    names = t.filter(~pl.col("self_collected"))["caller_name"]
    assert names.str.slice(0, 1).is_in(SURNAMES).all() and names.str.slice(1, 1).is_in(GIVEN).all()
