"""The S6–S10 (zhengfa) simulator: deterministic, calibrated, messy as documented, and a 失驾 truth that holds.

The 失驾 check below is deliberately naive — plain Python over the rows read back from the database — so that it
verifies the generator's planted truth independently of the generator's own join.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sqlite3
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from simulator.context import MessConfig, SimContext
from simulator.people import is_valid_id
from simulator.population import correction_subjects
from simulator.systems import zhengfa
from simulator.systems.zhengfa_court import MONTHS, generate_court
from simulator.systems.zhengfa_volunteer import (
    ACTIVITIES_2024,
    HAZARDS_HANDLED_2024,
    PARTICIPATIONS_2024,
    PATROLS_2024,
    POINTS_2024,
)

YEAR_END = datetime(2024, 12, 31, 23, 59, 59)
HEAVY = {"duplicate": 0.05, "missing_required": 0.05, "invalid_id": 0.05, "future_timestamp": 0.05,
         "late_correction": 0.05}


def _run(out: Path, scale: float = 0.005, seed: int = 7, as_of: datetime = YEAR_END,
         mess: MessConfig | None = None) -> SimContext:
    ctx = SimContext(scale=scale, seed=seed, out=out, as_of=as_of, mess=mess or MessConfig())
    zhengfa.generate(ctx)
    return ctx


def _rows(ctx: SimContext, table: str) -> list[dict[str, Any]]:
    con = sqlite3.connect(ctx.out / "zhengfa.sqlite")
    try:
        cur = con.execute(f'select * from "{table}"')
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def _dump(ctx: SimContext) -> str:
    """Every table (sorted rows) and every file, hashed: equal dumps = identical output."""
    h = hashlib.sha256()
    con = sqlite3.connect(ctx.out / "zhengfa.sqlite")
    for (name,) in con.execute("select name from sqlite_master where type='table' order by name"):
        h.update(name.encode())
        for row in sorted(con.execute(f'select * from "{name}"').fetchall(), key=repr):
            h.update(repr(row).encode())
    con.close()
    for f in sorted((ctx.out / "zhengfa").rglob("*")):
        if f.is_file():
            h.update(f.relative_to(ctx.out).as_posix().encode() + f.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> SimContext:
    return _run(tmp_path_factory.mktemp("zhengfa_year"), scale=0.01)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> SimContext:
    return _run(tmp_path_factory.mktemp("zhengfa_messy"), scale=0.01, seed=11, mess=MessConfig().with_overrides(HEAVY))


# --- determinism -----------------------------------------------------------------------------------------------

def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", scale=0.003)
    b = _run(tmp_path / "b", scale=0.003)
    c = _run(tmp_path / "c", scale=0.003, seed=8)
    assert _dump(a) == _dump(b)
    assert a.truth.anomalies == b.truth.anomalies and a.truth.planted == b.truth.planted
    assert _dump(a) != _dump(c)


# --- calibration -----------------------------------------------------------------------------------------------

def test_counts_follow_the_seed_at_small_scale(year: SimContext) -> None:
    e = year.truth.expected
    assert e["volunteer.activities"] == year.scaled(ACTIVITIES_2024)
    assert e["volunteer.points"] == year.scaled(POINTS_2024)
    assert e["patrol.patrols"] == year.scaled(PATROLS_2024)
    assert e["patrol.participations"] == year.scaled(PARTICIPATIONS_2024)
    assert abs(e["patrol.hazards"] - year.scaled(HAZARDS_HANDLED_2024)) <= 0.02 * year.scaled(HAZARDS_HANDLED_2024)
    assert e["zhengfa.e_dossiers"] == year.scaled(13_000)
    assert (e["lifecare.liaisons"], e["lifecare.rooms"], e["lifecare.counsellors"]) == (
        year.scaled(166), year.scaled(84), year.scaled(402))
    assert e["supervision.models"] == 12  # the model count does not scale
    assert e["supervision.shijia_clues"] == len(year.truth.planted["shijia_cases"]) == 3


def test_expected_figures_are_what_the_tables_hold(year: SimContext) -> None:
    bad = {t: set(year.truth.anomalies_of("zhengfa", t)) for t in ("volunteer_activity", "volunteer_points")}
    acts = [r for r in _rows(year, "volunteer_activity") if r["activity_id"] not in bad["volunteer_activity"]]
    assert len(acts) == year.truth.expected["volunteer.activities"]
    good_acts = {r["activity_id"] for r in acts}
    points = sum(r["points"] for r in _rows(year, "volunteer_points")
                 if r["record_id"] not in bad["volunteer_points"] and r["activity_id"] in good_acts)
    assert points == year.truth.expected["volunteer.points"]
    models = _rows(year, "supervision_model")
    assert len(models) == 12 and sum(bool(m["national_listed"]) for m in models) == 2
    assert {"抽必中", "护企", "失驾"} <= {m["model_name"] for m in models}


def test_court_rates_reproduce_the_seed_at_scale_one(tmp_path: Path) -> None:
    ctx = SimContext(scale=1.0, seed=42, out=tmp_path, as_of=YEAR_END)
    e = generate_court(ctx)
    assert round(e["court.e_service_rate"] * 100, 2) == 97.92
    assert round(e["court.first_service_days_saved"]) == 11
    assert e["court.transcripts"] == 3200 and round(e["court.transcript_accuracy"] * 100) == 98
    assert round(e["court.closed_yoy_launch_month"] * 100, 1) == 41.1
    assert _court_rates_from_csv(tmp_path / "zhengfa" / "court") == pytest.approx(e)


def test_court_truth_at_a_tiny_scale_is_the_launch_month_and_the_exact_means(tmp_path: Path) -> None:
    """At scale 0.002 (a few cases a month) the truth is still the definition: July 2024 against July 2023 although
    another month grew more (a small base), and the difference of the two means unrounded."""
    ctx = SimContext(scale=0.002, seed=42, out=tmp_path, as_of=YEAR_END, mess=MessConfig().scaled(0))
    e = generate_court(ctx)
    assert ctx.truth.planted["court_ai_trial_launch_month"] == "2024-07"
    closed = {}
    for month in MONTHS:  # a clean run: one version per month, no duplicate rows
        with open(tmp_path / "zhengfa" / "court" / f"monthly_{month}.csv", encoding="utf-8-sig", newline="") as fh:
            closed[month] = sum(int(r["结案数"]) for r in csv.DictReader(fh))
    yoy = {m: closed[m] / closed[f"2023{m[4:]}"] - 1 for m in MONTHS[12:]}
    assert max(yoy, key=yoy.__getitem__) != "2024-07"  # the data alone would name another month
    assert e["court.closed_yoy_launch_month"] == yoy["2024-07"]
    days = _court_rates_from_csv(tmp_path / "zhengfa" / "court")["court.first_service_days_saved"]
    assert e["court.first_service_days_saved"] == days != round(days, 2)  # 10.9938…, not 10.99


def _court_rates_from_csv(folder: Path) -> dict[str, float]:
    """What an analyst would do with the files: latest version per month and tribunal, duplicates dropped."""
    latest: dict[tuple[str, str], dict[str, str]] = {}
    for f in sorted(folder.glob("monthly_*.csv")):
        assert f.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel's UTF-8 BOM
        with open(f, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                key = (row["统计月份"], row["部门"])
                if key not in latest or int(row["报送版本"]) > int(latest[key]["报送版本"]):
                    latest[key] = row
    tot: dict[tuple[str, str], int] = defaultdict(int)
    for (month, _), row in latest.items():
        for col, v in row.items():
            if v.isdigit():
                tot[(month, col)] += int(v)

    def year_sum(y: str, col: str) -> int:
        return sum(v for (m, c), v in tot.items() if m.startswith(y) and c == col)

    days = {y: year_sum(y, "首次成功送达总天数") / year_sum(y, "首次成功送达案件数") for y in ("2023", "2024")}
    return {
        "court.e_service_rate": year_sum("2024", "电子送达次数") / year_sum("2024", "送达总次数"),
        "court.first_service_days_saved": days["2023"] - days["2024"],
        "court.transcripts": year_sum("2024", "AI笔录规整篇数"),
        "court.transcript_accuracy": year_sum("2024", "笔录规整准确篇数") / year_sum("2024", "AI笔录规整篇数"),
        "court.closed_yoy_launch_month": tot[("2024-07", "结案数")] / tot[("2023-07", "结案数")] - 1,
    }


def test_court_csv_rates_match_the_truth_and_corrections_win(messy: SimContext) -> None:
    folder = messy.out / "zhengfa" / "court"
    assert sorted(p.name for p in folder.glob("monthly_20??-??.csv")) == [f"monthly_{m}.csv" for m in MONTHS]
    court = {k: v for k, v in messy.truth.expected.items() if k.startswith("court.")}
    assert _court_rates_from_csv(folder) == pytest.approx(court)
    corrected = {k.split(":")[0] for k, kind in messy.truth.anomalies_of("zhengfa", "court_monthly").items()
                 if kind == "late_correction"}
    assert corrected == {p.name.replace("_r2", "") for p in folder.glob("monthly_*_r2.csv")}


# --- the 失驾 ground truth ---------------------------------------------------------------------------------------

def _shijia_naive(ctx: SimContext) -> set[tuple[str, str, str]]:
    roster = {r["id_number"]: r for r in _rows(ctx, "correction_subject")}
    invalid: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
    for r in _rows(ctx, "driving_licence_status"):
        if r["status"] not in (None, "正常"):
            invalid[r["id_number"]].append((date.fromisoformat(r["valid_from"]),
                                            date.fromisoformat(r["valid_to"]) if r["valid_to"] else None))
    found = set()
    for v in _rows(ctx, "traffic_violation"):
        subject = roster.get(v["driver_id_number"])
        if subject is None:
            continue
        day = date.fromisoformat(v["violation_at"][:10])
        inside = date.fromisoformat(subject["correction_start"]) <= day <= date.fromisoformat(subject["correction_end"])
        if inside and any(f <= day and (t is None or day < t) for f, t in invalid[v["driver_id_number"]]):
            found.add((subject["subject_id"], v["driver_id_number"], v["violation_id"]))
    return found


@pytest.mark.parametrize("which", ["year", "messy"])
def test_a_plain_join_finds_exactly_the_planted_shijia_cases(which: str, request: pytest.FixtureRequest) -> None:
    ctx: SimContext = request.getfixturevalue(which)
    planted = {(c["subject_id"], c["id_number"], c["violation_id"]) for c in ctx.truth.planted["shijia_cases"]}
    assert len(planted) >= 3
    assert _shijia_naive(ctx) == planted
    near = ctx.truth.planted["shijia_near_misses"]
    assert {n["kind"] for n in near} == {"before_start", "after_end", "outside_invalid", "ordinary_invalid",
                                         "valid_licence"}
    assert not {n["violation_id"] for n in near} & {c[2] for c in planted}


def test_near_misses_are_near(year: SimContext) -> None:
    roster = {r["subject_id"]: r for r in _rows(year, "correction_subject")}
    ids = {r["id_number"] for r in roster.values()}
    viol = {v["violation_id"]: v for v in _rows(year, "traffic_violation")}
    lic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(year, "driving_licence_status"):
        lic[r["id_number"]].append(r)
    for n in year.truth.planted["shijia_near_misses"]:
        v = viol[n["violation_id"]]
        assert v["driver_id_number"] == n["id_number"]
        day = date.fromisoformat(v["violation_at"][:10])
        statuses = {r["status"] for r in lic[n["id_number"]]}
        if n["kind"] == "ordinary_invalid":
            assert n["id_number"] not in ids and statuses - {"正常"}
            continue
        s = roster[n["subject_id"]]
        start, end = date.fromisoformat(s["correction_start"]), date.fromisoformat(s["correction_end"])
        if n["kind"] == "before_start":
            assert 2 <= (start - day).days <= 6 and statuses - {"正常"}
        elif n["kind"] == "after_end":
            assert 2 <= (day - end).days <= 6 and statuses - {"正常"}
        elif n["kind"] == "outside_invalid":
            assert start <= day <= end and "暂扣" in statuses
        else:
            assert start <= day <= end and statuses == {"正常"}


def test_shijia_truth_holds_at_an_earlier_cut_and_minimum_scale(tmp_path: Path) -> None:
    early = _run(tmp_path / "early", scale=0.002, as_of=datetime(2024, 7, 15, 12))
    full = _run(tmp_path / "full", scale=0.002)
    cases = {}
    for name, ctx in (("early", early), ("full", full)):
        cases[name] = {(c["subject_id"], c["id_number"], c["violation_id"]) for c in ctx.truth.planted["shijia_cases"]}
        assert _shijia_naive(ctx) == cases[name]
    assert len(cases["full"]) >= 3
    assert cases["early"] <= cases["full"]  # the live system: an earlier cut shows the same cases, fewer of them
    assert all(v["violation_at"][:10] <= "2024-07-15" for v in _rows(early, "traffic_violation")
               if v["violation_id"] not in early.truth.anomalies_of("zhengfa", "traffic_violation"))


def test_the_roster_is_the_shared_population(year: SimContext) -> None:
    shared = correction_subjects(year).to_dicts()
    written = sorted(_rows(year, "correction_subject"), key=lambda r: r["subject_id"])
    assert [r["id_number"] for r in written] == [s["id_number"] for s in shared]
    assert [r["correction_start"] for r in written] == [s["correction_start"].isoformat() for s in shared]
    assert all(is_valid_id(r["id_number"]) for r in written)


# --- mess --------------------------------------------------------------------------------------------------------

def test_every_invalid_id_is_planted_and_recorded(messy: SimContext) -> None:
    for table, key, col in [("traffic_violation", "violation_id", "driver_id_number"),
                            ("volunteer", "volunteer_id", "id_number"),
                            ("driving_licence_status", "record_id", "id_number"),
                            ("lifecare_crisis_case", "case_id", "subject_id_number")]:
        rows = _rows(messy, table)
        invalid = {r[key] for r in rows if r[col] is not None and not is_valid_id(r[col])}
        recorded = {k for k, kind in messy.truth.anomalies_of("zhengfa", table).items() if kind == "invalid_id"}
        assert invalid == recorded, table
    viol = _rows(messy, "traffic_violation")
    share = len([r for r in viol if r["plate_no"] is None]) / len(viol)
    assert 0.03 < share < 0.07  # missing_required at 5%
    future = {r["violation_id"] for r in viol if r["violation_at"] > messy.as_of.isoformat(sep=" ")}
    assert future == {k for k, kind in messy.truth.anomalies_of("zhengfa", "traffic_violation").items()
                      if kind == "future_timestamp"}


def test_dossier_messages_carry_the_documented_mess(messy: SimContext) -> None:
    files = sorted((messy.out / "zhengfa" / "dossiers").glob("*.jsonl"))
    seen: dict[str, int] = {}
    duplicates, corrections, msgs = set(), set(), {}
    for f in files:
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
            m = json.loads(line)
            if m["message_id"] in seen:
                duplicates.add(f"{f.name}:{i}")
                continue
            seen[m["message_id"]] = i
            msgs[m["message_id"]] = m
            if m["dossier"]["corrects"]:
                assert m["dossier"]["corrects"] in msgs  # it replaces an earlier message
                corrections.add(m["message_id"])
    recorded = messy.truth.anomalies_of("zhengfa", "dossier_message")
    assert duplicates == {k for k, v in recorded.items() if v == "duplicate"} != set()
    assert corrections == {k for k, v in recorded.items() if v == "late_correction"} != set()
    bad_ids = {m["dossier"]["dossier_id"] for m in msgs.values()
               if not all(is_valid_id(s["id_number"]) for s in m["dossier"]["suspects"])}
    dossier_kinds = messy.truth.anomalies_of("zhengfa", "dossier")
    assert bad_ids == {k for k, v in dossier_kinds.items() if v == "invalid_id"}
    no_charge = {m["dossier"]["dossier_id"] for m in msgs.values() if not m["dossier"]["charges"]}
    assert no_charge == {k for k, v in dossier_kinds.items() if v == "missing_required"}


def test_a_clean_run_plants_nothing(tmp_path: Path) -> None:
    ctx = _run(tmp_path, scale=0.003, mess=MessConfig().scaled(0.0))
    assert ctx.truth.anomalies == []
    assert len(ctx.truth.planted["shijia_cases"]) >= 3


# --- domain structures -------------------------------------------------------------------------------------------

CASE_NO = {
    "police": re.compile(r"^深龙公\(刑\)立字〔20(23|24)〕\d{5}号$"),
    "transfer": re.compile(r"^深龙公\(刑\)诉字〔2024〕\d{5}号$"),
    "procuratorate": re.compile(r"^深龙检刑(不)?诉〔2024〕\d{5}号$"),
    "court": re.compile(r"^\(202[45]\)粤0309刑初\d{5}号$"),
}


def test_dossiers_flow_police_procuratorate_court(year: SimContext) -> None:
    latest: dict[str, dict[str, Any]] = {}
    for f in sorted((year.out / "zhengfa" / "dossiers").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)["dossier"]
            if d["dossier_id"] not in latest or d["version"] > latest[d["dossier_id"]]["version"]:
                latest[d["dossier_id"]] = d
    bad = set(year.truth.anomalies_of("zhengfa", "dossier"))
    clean = [d for k, d in latest.items() if k not in bad]
    assert len(clean) == year.truth.expected["zhengfa.e_dossiers"]
    agencies = ["深圳市公安局龙华分局", "深圳市龙华区人民检察院", "深圳市龙华区人民法院"]
    for d in clean:
        for kind, number in d["case_numbers"].items():
            assert CASE_NO[kind].match(number), number
        stamps = [s["at"] for s in d["stages"]]
        assert stamps == sorted(stamps)
        order = [agencies.index(s["agency"]) for s in d["stages"]]
        assert order == sorted(order)
        assert d["total_pages"] == sum(doc["pages"] for doc in d["documents"]) > 0
        assert all(is_valid_id(s["id_number"]) for s in d["suspects"])
    assert {d["current_stage"] for d in clean} >= {"判决", "审查起诉"}


def test_a_later_cut_adds_rows_and_updates_old_ones(tmp_path: Path) -> None:
    june = _run(tmp_path / "june", scale=0.003, as_of=datetime(2024, 6, 30, 12))
    dec = _run(tmp_path / "dec", scale=0.003)
    for table, key, same in [("traffic_violation", "violation_id", "violation_at"),
                             ("lifecare_crisis_case", "case_id", "subject_id_number"),
                             ("volunteer_activity", "activity_id", "start_at")]:
        bad = set(june.truth.anomalies_of("zhengfa", table)) | set(dec.truth.anomalies_of("zhengfa", table))
        before = {r[key]: r for r in _rows(june, table) if r[key] not in bad}
        after = {r[key]: r for r in _rows(dec, table) if r[key] not in bad}
        assert set(before) < set(after), table
        assert all(after[k][same] == r[same] for k, r in before.items()), table  # the same rows, same keys
        assert all(after[k]["updated_at"] >= r["updated_at"] for k, r in before.items()), table
        if table != "lifecare_crisis_case":  # too few crises at this scale to be sure one is open at the cut
            assert any(after[k]["updated_at"] > r["updated_at"] for k, r in before.items()), table


def test_a_volunteers_points_at_one_activity_never_share_a_second() -> None:
    """Two such records read as one sent twice (the quality rule keeps one): the later ones move on by a second,
    and nothing else moves."""
    import numpy as np

    from simulator.systems.zhengfa_volunteer import _distinct_seconds

    activity = np.array([1, 1, 1, 1, 2])
    volunteer = np.array(["a", "a", "a", "b", "a"], dtype=object)
    issued = np.array([100, 100, 101, 100, 100])
    assert _distinct_seconds(activity, volunteer, issued).tolist() == [100, 101, 102, 100, 100]
    clean = np.array([5, 6, 7, 8, 9])
    assert _distinct_seconds(activity, volunteer, clean) is clean
