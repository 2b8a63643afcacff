"""Simulated 平安底数 / "四个重点" tables of the 深平安 database (S3): key persons, places, events, 扫黑除恶 clues.

The 深平安 system keeps the safety elements of the district as the GB/T 31000-2015 "9+X" basic data would have them:
- `key_person` (重点人员), one row per listing, keyed by the 18-digit citizen ID, with the subtype (刑满释放, 社区矫正,
  严重精神障碍患者, 吸毒人员, 重点青少年, 重点上访), the control level (严管/普管/二级宽管/一级宽管), the grid of
  residence and the subtype's own fields (execution type, crime, sentence and period for 社区矫正 — these people are
  exactly the shared roster of `simulator.population.correction_subjects`; danger level 0–5 for 严重精神障碍患者;
  drug for 吸毒人员); `key_person_history` holds every listing, level change, correction and de-listing with its date.
- `key_place` (重点场所): rental housing, 三小场所, entertainment venues, parcel outlets, petrol stations … with
  address, grid, WGS-84 coordinates and a risk level that is re-assessed during the year.
- `key_event` (重点案事件): type, level, occurred/reported/closed times, grid; open until closed.
- `shce_clue` (扫黑除恶线索): source, category, received time, status 待核查 → 核查中 → 已办结/移交 and the result.
- `sys_dict`: the 深平安 system's code dictionary (subtypes, control levels, place and event types, clue categories).

Volumes are illustrative — the seed gives no counts for S3 — and sized for a district of ~2.5 million residents
(about 11,000 persons listed at the end of 2024, ~19,000 key places, ~3,600 key events and ~520 clues a year).
Listings reach back before 2024 (a released prisoner stays listed for the five-year 安置帮教 period), so the tables
hold history too: rows de-listed before 2024 stay, with status 已撤销.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import sqlalchemy as sa

from simulator.areas import streets
from simulator.context import SimContext
from simulator.people import citizen_ids, corrupt_id, mobiles, names
from simulator.population import correction_subjects
from simulator.systems.pingan_common import (
    DAY,
    NEVER,
    ROADS,
    YEAR_S,
    YEAR_START,
    addresses,
    area_columns,
    assign_anomalies,
    community_names,
    cut_of,
    duplicate_rows,
    frame,
    hours,
    nulls_for_never,
    office_times,
    outside_district,
    pick,
    seen,
    ts,
    ts_max,
)

# one index per table (updated_at, for incremental extraction): SQLAlchemy creates a table's indexes in set order,
# so a second one would make the SQLite bytes differ between two runs of the same seed
META = sa.MetaData()
YEAR = 365 * DAY

# GB/T 31000-2015 key-person subtypes (codes are the 深平安 system's own dictionary)
SUBTYPES = {"01": "刑满释放", "02": "社区矫正", "03": "严重精神障碍患者", "04": "吸毒人员", "05": "重点青少年",
            "06": "重点上访"}
CORRECTION = "02"
LEVELS = {"1": "严管", "2": "普管", "3": "二级宽管", "4": "一级宽管"}
DANGER_LEVELS = range(6)


@dataclass(frozen=True)
class Subtype:
    code: str
    rows: int  # listings at scale 1.0, including those de-listed since `first_year`
    first_year: int
    born: tuple[int, int]
    level_p: tuple[float, float, float, float]  # initial 严管/普管/二级宽管/一级宽管


# correction subjects come from the shared roster; the others are drawn here
OTHER_SUBTYPES = [
    Subtype("01", 3_600, 2019, (1960, 2000), (0.10, 0.45, 0.30, 0.15)),
    Subtype("03", 5_200, 2012, (1950, 2006), (0.0, 0.0, 0.0, 0.0)),  # level follows the danger level
    Subtype("04", 4_000, 2016, (1965, 2004), (0.25, 0.45, 0.20, 0.10)),
    Subtype("05", 1_600, 2019, (1999, 2012), (0.15, 0.45, 0.25, 0.15)),
    Subtype("06", 350, 2020, (1950, 1995), (0.30, 0.50, 0.15, 0.05)),
]
DRUGS = ["冰毒", "海洛因", "氯胺酮", "大麻", "摇头丸", "合成大麻素", "依托咪酯"]
RELEASED_CRIMES = ["盗窃罪", "抢劫罪", "诈骗罪", "故意伤害罪", "贩卖毒品罪", "寻衅滋事罪", "聚众斗殴罪", "抢夺罪"]

PLACE_TYPES = {  # code: (name, places at scale 1.0, share at high risk)
    "01": ("出租屋", 6_000, 0.08), "02": ("三小场所", 9_000, 0.10), "03": ("娱乐场所", 400, 0.25),
    "04": ("寄递物流网点", 900, 0.12), "05": ("加油站", 60, 0.30), "06": ("旅馆", 700, 0.15),
    "07": ("网吧", 250, 0.15), "08": ("危险化学品单位", 150, 0.40), "09": ("学校及周边", 450, 0.10),
    "10": ("医疗机构", 200, 0.08), "11": ("大型商场超市", 120, 0.12), "12": ("建筑工地", 350, 0.25),
}
RISKS = ["高", "中", "低"]
EVENT_TYPES = {"01": "刑事案件", "02": "治安案件", "03": "群体性事件", "04": "重大矛盾纠纷", "05": "安全生产事故",
               "06": "火灾事故", "07": "道路交通事故", "08": "个人极端事件", "09": "涉校涉医事件",
               "10": "电信网络诈骗案件"}
EVENT_P = [0.14, 0.22, 0.03, 0.12, 0.06, 0.08, 0.18, 0.02, 0.03, 0.12]
KEY_EVENTS_2024 = 3_600
CLUE_CATEGORIES = {"01": "涉黑组织", "02": "恶势力犯罪集团", "03": "非法放贷/套路贷", "04": "暴力讨债",
                   "05": "欺行霸市/强买强卖", "06": "黄赌毒", "07": "工程建设领域乱象", "08": "交通运输领域乱象",
                   "09": "村霸/宗族恶势力", "10": "“保护伞”问题"}
CLUE_P = [0.02, 0.08, 0.20, 0.12, 0.12, 0.18, 0.10, 0.08, 0.05, 0.05]
CLUE_SOURCES = ["12345热线转办", "来信", "来访", "全国扫黑办举报平台", "上级交办", "部门移送", "网格排查",
                "巡视巡察移交", "媒体反映"]
CLUES_2024 = 520
CLUE_STATUSES = ["待核查", "核查中", "已办结", "移交"]
UNKNOWN = "99"

# --- tables -------------------------------------------------------------------------------------------------------

sys_dict = sa.Table(
    "sys_dict", META,
    sa.Column("dict_type", sa.String(32), primary_key=True),
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("standard", sa.String(64)),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
key_person = sa.Table(
    "key_person", META,
    sa.Column("person_id", sa.String(16), primary_key=True),
    sa.Column("id_number", sa.String(18)),
    sa.Column("name", sa.String(32)),
    sa.Column("sex", sa.String(2)),
    sa.Column("phone", sa.String(20)),
    sa.Column("subtype_code", sa.String(4), nullable=False),
    sa.Column("control_level", sa.String(4)),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("address", sa.String(200)),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("entered_at", sa.DateTime, nullable=False),
    sa.Column("left_at", sa.DateTime),
    sa.Column("source_ref", sa.String(20)),  # the roster id in the correction system (社区矫正 only)
    sa.Column("execution_type", sa.String(16)),
    sa.Column("crime", sa.String(32)),
    sa.Column("sentence_months", sa.Integer),
    sa.Column("correction_start", sa.Date),
    sa.Column("correction_end", sa.Date),
    sa.Column("release_date", sa.Date),
    sa.Column("danger_level", sa.Integer),
    sa.Column("drug_type", sa.String(16)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
key_person_history = sa.Table(
    "key_person_history", META,
    sa.Column("history_id", sa.String(20), primary_key=True),
    sa.Column("person_id", sa.String(16), nullable=False),
    sa.Column("change_type", sa.String(8), nullable=False),  # 列管 / 等级调整 / 更正 / 撤销列管
    sa.Column("from_level", sa.String(4)),
    sa.Column("to_level", sa.String(4)),
    sa.Column("changed_at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.String(64)),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
key_place = sa.Table(
    "key_place", META,
    sa.Column("place_id", sa.String(16), primary_key=True),
    sa.Column("place_type_code", sa.String(4), nullable=False),
    sa.Column("place_name", sa.String(100), nullable=False),
    sa.Column("address", sa.String(200)),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("longitude", sa.Double),
    sa.Column("latitude", sa.Double),
    sa.Column("risk_level", sa.String(2)),
    sa.Column("contact_name", sa.String(32)),
    sa.Column("contact_phone", sa.String(20)),
    sa.Column("status", sa.String(8), nullable=False),  # 在管 / 已注销
    sa.Column("registered_at", sa.DateTime, nullable=False),
    sa.Column("deregistered_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
key_event = sa.Table(
    "key_event", META,
    sa.Column("event_id", sa.String(20), primary_key=True),
    sa.Column("event_type_code", sa.String(4), nullable=False),
    sa.Column("event_level", sa.String(4)),
    sa.Column("title", sa.String(200)),
    sa.Column("description", sa.Text),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("longitude", sa.Double),
    sa.Column("latitude", sa.Double),
    sa.Column("status", sa.String(8), nullable=False),  # 处置中 / 已办结
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    sa.Column("reported_at", sa.DateTime, nullable=False),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
shce_clue = sa.Table(
    "shce_clue", META,
    sa.Column("clue_id", sa.String(20), primary_key=True),
    sa.Column("clue_no", sa.String(40), nullable=False),
    sa.Column("source", sa.String(32)),
    sa.Column("category_code", sa.String(4), nullable=False),
    sa.Column("summary", sa.Text),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("result", sa.String(16)),
    sa.Column("transferred_to", sa.String(32)),
    sa.Column("handling_unit", sa.String(32)),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("verification_started_at", sa.DateTime),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)

PERSON_KINDS = ("invalid_id", "missing_required", "unknown_code", "inconsistent")
PLACE_KINDS = ("missing_required", "unknown_code", "outside_district")
EVENT_KINDS = ("missing_required", "unknown_code", "inconsistent")
CLUE_KINDS = ("missing_required", "unknown_code", "inconsistent")


@dataclass
class Baseline:
    """The whole simulated history (seconds from 2024-01-01) before projection onto `as_of`."""

    persons: pl.DataFrame  # one row per listing, with `anomaly`
    history: pl.DataFrame  # one row per listing event
    places: pl.DataFrame
    events: pl.DataFrame
    clues: pl.DataFrame


# --- key persons ----------------------------------------------------------------------------------------------------

def _days_to_leave(code: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """How long a listing lasts, in days (inf = still listed), by subtype."""
    if code == "01":  # 安置帮教: five years after release
        return np.full(n, 5 * 365.0)
    if code == "03":
        return rng.exponential(25 * 365, n)
    if code == "04":  # de-listed after three years without relapse, most of them
        return np.where(rng.random(n) < 0.75, 3 * 365 + rng.exponential(2 * 365, n), np.inf)
    if code == "05":
        return rng.exponential(2.5 * 365, n)
    return rng.exponential(1.5 * 365, n)


def _other_persons(ctx: SimContext, rng: np.random.Generator) -> pl.DataFrame:
    parts = []
    for st in OTHER_SUBTYPES:
        n = ctx.scaled(st.rows, minimum=5)
        first_day = (np.datetime64(f"{st.first_year}-01-01") - np.datetime64("2024-01-01")).astype(int)
        entered = office_times(rng, n, first_day=int(first_day), last_day=360)
        stay = _days_to_leave(st.code, rng, n)
        left = np.where(np.isfinite(stay), entered + np.nan_to_num(stay, posinf=0) * DAY, np.inf)
        danger = np.full(n, -1)
        if st.code == "03":
            danger = rng.choice(6, n, p=[0.55, 0.20, 0.12, 0.07, 0.04, 0.02])
            level = np.select([danger >= 3, danger == 2, danger == 1], ["1", "2", "3"], "4")
        else:
            level = rng.choice(list(LEVELS), n, p=st.level_p)
        ids = citizen_ids(rng, n, *st.born)
        parts.append(pl.DataFrame({
            "subtype_code": [st.code] * n, "id_number": ids, "name": names(rng, n), "phone": mobiles(rng, n),
            "entered_s": entered, "left_s": np.where(left < YEAR_S, left, NEVER).astype("int64"),
            "level0": level.tolist(), "danger_level": danger,
            "crime": pick(rng, RELEASED_CRIMES, n).tolist() if st.code == "01" else [None] * n,
            "sentence_months": rng.choice([6, 12, 24, 36, 60, 96], n) if st.code == "01" else np.full(n, -1),
            "drug_type": pick(rng, DRUGS, n, [30, 20, 25, 8, 5, 7, 5]).tolist() if st.code == "04" else [None] * n,
        }, schema_overrides={"crime": pl.String, "drug_type": pl.String}))
    df = pl.concat(parts)
    return df.with_columns(
        *nulls_for_never("left_s"),
        pl.when(pl.col("danger_level") >= 0).then(pl.col("danger_level")).alias("danger_level"),
        pl.when(pl.col("sentence_months") >= 0).then(pl.col("sentence_months")).alias("sentence_months"),
    )


def _correction_persons(ctx: SimContext, rng: np.random.Generator) -> pl.DataFrame:
    """The shared roster as the 深平安 system lists it: listed on the first day of correction, de-listed on the last."""
    roster = correction_subjects(ctx)
    n = roster.height
    start_s = ((roster["correction_start"].to_numpy().astype("datetime64[D]") - np.datetime64("2024-01-01"))
               .astype("int64") * DAY + hours(rng, 9, 17, n))
    end_s = ((roster["correction_end"].to_numpy().astype("datetime64[D]") - np.datetime64("2024-01-01"))
             .astype("int64") * DAY + hours(rng, 9, 17, n))
    return roster.select(
        pl.lit(CORRECTION).alias("subtype_code"), "id_number", "name", "phone",
        pl.Series("entered_s", start_s), pl.Series("left_s", np.where(end_s < YEAR_S, end_s, NEVER)),
        pl.Series("level0", rng.choice(["1", "2"], n, p=[0.35, 0.65]).tolist()),
        "grid_code", "community_code", "street_code",
        pl.col("subject_id").alias("source_ref"), "execution_type", "crime", "sentence_months",
        "correction_start", "correction_end",
    ).with_columns(*nulls_for_never("left_s"))


def _level_changes(rng: np.random.Generator, p: pl.DataFrame) -> pl.DataFrame:
    """Up to two level changes per listing, mostly loosening with good conduct; none after de-listing or the year."""
    n = p.height
    order = list(LEVELS)
    level0 = np.array([order.index(x) if x in LEVELS else -1 for x in p["level0"]])
    known = level0 >= 0  # an unknown level code is left alone
    level0 = np.maximum(level0, 0)
    end = np.minimum(p["left_s"].fill_null(YEAR_S).to_numpy(), YEAR_S)
    step1 = np.where(rng.random(n) < 0.8, 1, -1)
    step2 = np.where(rng.random(n) < 0.8, 1, -1)
    level1 = np.clip(level0 + step1, 0, 3)
    level2 = np.clip(level1 + step2, 0, 3)
    chg1 = p["entered_s"].to_numpy() + rng.integers(90, 365, n) * DAY
    chg2 = chg1 + rng.integers(90, 365, n) * DAY
    ok1 = known & (rng.random(n) < 0.55) & (chg1 < end) & (level1 != level0)
    ok2 = ok1 & (rng.random(n) < 0.4) & (chg2 < end) & (level2 != level1)
    names_ = np.array(order, dtype=object)
    final = np.where(known, names_[np.where(ok2, level2, np.where(ok1, level1, level0))], p["level0"].to_numpy())
    return p.with_columns(
        pl.Series("chg1_s", np.where(ok1, chg1, NEVER)),
        pl.Series("level1", np.where(known, names_[np.where(ok1, level1, level0)], p["level0"].to_numpy()).tolist()),
        pl.Series("chg2_s", np.where(ok2, chg2, NEVER)), pl.Series("level2", final.tolist()),
    )


def _history(p: pl.DataFrame) -> pl.DataFrame:
    """Listing events: 列管, 等级调整 ×2, 更正 (late corrections), 撤销列管."""
    base = ["person_id"]
    enter = p.select(*base, pl.col("entered_s").alias("changed_s"), pl.lit("列管").alias("change_type"),
                     pl.lit(None, pl.String).alias("from_level"), pl.col("entry_level").alias("to_level"),
                     pl.lit(0).alias("seq"), pl.lit("网格排查列管").alias("reason"))
    chg1 = p.filter(pl.col("chg1_s") != NEVER).select(
        *base, pl.col("chg1_s").alias("changed_s"), pl.lit("等级调整").alias("change_type"),
        pl.col("entry_level").alias("from_level"), pl.col("chg1_level").alias("to_level"), pl.lit(1).alias("seq"),
        pl.when(pl.col("chg1_level") > pl.col("level0")).then(pl.lit("表现良好降低管控等级"))
        .otherwise(pl.lit("风险评估上调管控等级")).alias("reason"))
    chg2 = p.filter(pl.col("chg2_s") != NEVER).select(
        *base, pl.col("chg2_s").alias("changed_s"), pl.lit("等级调整").alias("change_type"),
        pl.col("chg1_level").alias("from_level"), pl.col("chg2_level").alias("to_level"), pl.lit(2).alias("seq"),
        pl.when(pl.col("chg2_level") > pl.col("level1")).then(pl.lit("表现良好降低管控等级"))
        .otherwise(pl.lit("风险评估上调管控等级")).alias("reason"))
    fix = p.filter(pl.col("fix_s") != NEVER).select(
        *base, pl.col("fix_s").alias("changed_s"), pl.lit("更正").alias("change_type"),
        pl.col("wrong_level").alias("from_level"), pl.col("level2").alias("to_level"), pl.lit(3).alias("seq"),
        pl.lit("录入错误更正").alias("reason"))
    leave = p.filter(pl.col("left_s").is_not_null()).select(
        *base, pl.col("left_s").alias("changed_s"), pl.lit("撤销列管").alias("change_type"),
        pl.col("level2").alias("from_level"), pl.lit(None, pl.String).alias("to_level"), pl.lit(4).alias("seq"),
        pl.lit("期满或条件消失撤销列管").alias("reason"))
    h = pl.concat([enter, chg1, chg2, fix, leave])
    return h.with_columns((pl.col("person_id") + "-" + pl.col("seq").cast(pl.String)).alias("history_id"))


def _late_corrections(rng: np.random.Generator, p: pl.DataFrame, rate: float, clean: np.ndarray) -> pl.DataFrame:
    """A level keyed wrong at its last change and corrected 3–40 days later (a later `updated_at`)."""
    last = np.maximum.reduce([p["entered_s"].to_numpy(), p["chg1_s"].to_numpy(), p["chg2_s"].to_numpy()])
    eligible = clean & p["left_s"].is_null().to_numpy() & (last >= 0) & (last < YEAR_S - 45 * DAY)
    pool = np.flatnonzero(eligible)
    k = min(round(clean.sum() * rate), pool.size)
    chosen = np.zeros(p.height, dtype=bool)
    chosen[rng.choice(pool, k, replace=False)] = True
    fix = np.where(chosen, last + rng.integers(3, 40, p.height) * DAY + hours(rng, 0, 8, p.height), NEVER)
    order = list(LEVELS)
    right = np.array([order.index(x) if x in LEVELS else 0 for x in p["level2"]])
    wrong = np.array(order, dtype=object)[(right + rng.integers(1, 4, p.height)) % 4]
    stage = np.select([p["chg2_s"].to_numpy() != NEVER, p["chg1_s"].to_numpy() != NEVER], [2, 1], 0)
    p = p.with_columns(pl.Series("fix_s", fix), pl.Series("stage", stage),
                       pl.Series("wrong_level", np.where(chosen, wrong, None).tolist(), dtype=pl.String))
    # the wrong value is what the last change (or the listing) wrote
    wrong_at = pl.col("fix_s") != NEVER
    return p.with_columns(
        pl.when(wrong_at & (pl.col("stage") == 0)).then("wrong_level").otherwise("level0").alias("entry_level"),
        pl.when(wrong_at & (pl.col("stage") == 1)).then("wrong_level").otherwise("level1").alias("chg1_level"),
        pl.when(wrong_at & (pl.col("stage") == 2)).then("wrong_level").otherwise("level2").alias("chg2_level"),
        pl.when(wrong_at).then(pl.lit("late_correction")).otherwise("anomaly").alias("anomaly"),
    )


def key_persons(ctx: SimContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = ctx.rng("pingan.key_persons")
    corr = _correction_persons(ctx, rng)
    other = _other_persons(ctx, rng)
    area = area_columns(rng, other.height)
    other = other.with_columns(pl.Series("grid_code", area["grid_code"].tolist()),
                               pl.Series("community_code", area["community_code"].tolist()),
                               pl.Series("street_code", area["street_code"].tolist()))
    p = pl.concat([corr, other], how="diagonal_relaxed")
    n = p.height
    p = p.with_columns(
        pl.Series("person_id", [f"ZDRY{i:08d}" for i in rng.permutation(n) + 1]),
        pl.Series("address", addresses(rng, p["street_code"].to_numpy(), p["community_code"].to_numpy())),
        pl.when(pl.col("id_number").str.slice(16, 1).cast(pl.Int32) % 2 == 1).then(pl.lit("男"))
        .otherwise(pl.lit("女")).alias("sex"),
        pl.when(pl.col("subtype_code") == "01").then(pl.col("entered_s")).alias("release_s"),
    )
    # in-place defects never touch the shared correction roster: it must match the other systems exactly
    kind = assign_anomalies(rng, p["subtype_code"].ne(CORRECTION).to_numpy(), PERSON_KINDS, ctx.mess)
    p = _plant_person_defects(rng, p.with_columns(pl.Series("anomaly", kind.tolist(), dtype=pl.String)))
    p = _level_changes(rng, p)
    p = _late_corrections(rng, p, ctx.mess.late_correction, p["anomaly"].is_null().to_numpy())
    dups = _duplicate_persons(rng, p, ctx.mess.duplicate)
    p = pl.concat([p, dups], how="diagonal_relaxed").sort("person_id")
    return p, _history(p).sort("person_id", "seq")


def _plant_person_defects(rng: np.random.Generator, p: pl.DataFrame) -> pl.DataFrame:
    n = p.height
    half = rng.random(n) < 0.5
    kind = pl.col("anomaly")
    p = p.with_columns(pl.Series("bad_id", [corrupt_id(x) for x in p["id_number"]]), pl.Series("half", half))
    half = pl.col("half")
    return p.with_columns(
        pl.when(kind == "invalid_id").then("bad_id").when((kind == "missing_required") & half)
        .then(None).otherwise("id_number").alias("id_number"),
        pl.when((kind == "missing_required") & ~half).then(None).otherwise("grid_code").alias("grid_code"),
        pl.when((kind == "unknown_code") & half).then(pl.lit(UNKNOWN)).otherwise("subtype_code").alias("subtype_code"),
        pl.when((kind == "unknown_code") & ~half).then(pl.lit("9")).otherwise("level0").alias("level0"),
        # de-listed before being listed
        pl.when(kind == "inconsistent").then(pl.col("entered_s") - pl.Series(rng.integers(1, 200, n) * DAY))
        .otherwise("left_s").alias("left_s"),
    ).drop("bad_id", "half")


def _duplicate_persons(rng: np.random.Generator, p: pl.DataFrame, rate: float) -> pl.DataFrame:
    """The same person listed again by another grid worker weeks later, under a new record id."""
    d = duplicate_rows(rng, p, p["anomaly"].is_null().to_numpy(), rate)
    k = d.height
    if k == 0:
        return d
    area = area_columns(rng, k)
    entered = d["entered_s"].to_numpy() + rng.integers(1, 60, k) * DAY
    return d.with_columns(
        pl.col("person_id").alias("dup_of"),
        pl.Series("person_id", [f"ZDRY9{i:07d}" for i in range(1, k + 1)]),
        pl.Series("entered_s", entered),
        pl.when(pl.col("left_s") > pl.Series(entered)).then("left_s").alias("left_s"),
        pl.Series("grid_code", area["grid_code"].tolist()),
        pl.Series("community_code", area["community_code"].tolist()),
        pl.Series("street_code", area["street_code"].tolist()),
        pl.col("level2").alias("level0"), pl.col("level2").alias("level1"), pl.col("level2").alias("entry_level"),
        pl.lit(NEVER).alias("chg1_s"), pl.lit(NEVER).alias("chg2_s"), pl.lit(NEVER).alias("fix_s"),
        pl.lit("duplicate").alias("anomaly"),
    )


def _day_offset_date(col: str) -> pl.Expr:
    return (pl.lit(YEAR_START) + pl.duration(seconds=pl.col(col))).dt.date().alias(col.removesuffix("_s") + "_date")


def project_persons(p: pl.DataFrame, h: pl.DataFrame, cut: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """key_person and key_person_history as they stand at the cut."""
    h = h.filter(pl.col("changed_s") <= cut)
    state = h.sort("person_id", "changed_s", "seq").group_by("person_id").agg(
        pl.col("to_level").drop_nulls().last().alias("control_level"), pl.col("changed_s").max().alias("updated_s"))
    rows = p.filter(pl.col("entered_s") <= cut).join(state, on="person_id", how="left").with_columns(
        seen("left_s", cut),
    ).with_columns(pl.when(pl.col("left_s").is_not_null()).then(pl.lit("已撤销")).otherwise(pl.lit("在册"))
                   .alias("status"))
    persons = rows.select(
        "person_id", "id_number", "name", "sex", "phone", "subtype_code", "control_level", "grid_code",
        "community_code", "street_code", "address", "status", ts("entered_s"), ts("left_s"), "source_ref",
        "execution_type", "crime", pl.col("sentence_months").cast(pl.Int32), "correction_start", "correction_end",
        _day_offset_date("release_s"), pl.col("danger_level").cast(pl.Int32), "drug_type",
        ts("entered_s").alias("created_at"), ts("updated_s"),
    ).sort("person_id")
    history = h.select("history_id", "person_id", "change_type", "from_level", "to_level", ts("changed_s"),
                       "reason", ts("changed_s").alias("updated_at")).sort("history_id")
    return persons, history


# --- key places, events, clues --------------------------------------------------------------------------------------

def _place_names(rng: np.random.Generator, types: np.ndarray, community: np.ndarray, road: np.ndarray) -> list[str]:
    words = list("华兴盛鑫福顺发隆祥泰安康恒达利佳宏源")
    w1 = np.array(words)[rng.integers(0, len(words), types.size)]
    w2 = np.array(words)[rng.integers(0, len(words), types.size)]
    num = rng.integers(1, 300, types.size)
    tpl = {
        "01": ["{c}社区{r}{k}号出租屋", "{a}{b}公寓", "{c}新村{k}栋"],
        "02": ["{a}{b}便利店", "{a}{b}五金店", "{a}{b}快餐店", "{a}{b}理发店", "{a}{b}食品加工坊", "{a}{b}棋牌室"],
        "03": ["{a}{b}KTV（{c}店）", "{a}{b}酒吧", "{a}{b}量贩式歌城"],
        "04": ["顺丰速运{c}营业部", "中通快递{c}网点", "京东物流{c}站", "极兔速递{c}网点", "中国邮政{c}揽投部",
               "圆通速递{c}网点", "韵达快递{c}网点"],
        "05": ["中国石化{r}加油站", "中国石油{r}加油站", "中海油{c}加油站"],
        "06": ["{a}{b}酒店", "{a}{b}宾馆", "维也纳酒店（{c}店）", "7天酒店（{c}店）"],
        "07": ["{a}{b}网咖", "{a}{b}电竞馆"],
        "08": ["深圳市{a}{b}化工有限公司", "深圳市{a}{b}气体有限公司"],
        "09": ["{c}小学周边", "{c}中学周边", "{c}{a}{b}幼儿园周边"],
        "10": ["{c}社区健康服务中心", "{a}{b}门诊部", "{a}{b}诊所"],
        "11": ["天虹商场（{c}店）", "沃尔玛（{c}店）", "华润万家（{c}店）", "{a}{b}购物广场"],
        "12": ["{r}{a}{b}项目工地", "{c}城市更新单元项目工地"],
    }
    choice = rng.integers(0, 100, types.size)
    return [(tpl.get(t) or ["{a}{b}场所"])[ch % len(tpl.get(t) or ["x"])].format(a=a, b=b, c=c, r=r, k=k)
            for t, a, b, c, r, k, ch in zip(types, w1, w2, community, road, num, choice, strict=True)]


def key_places(ctx: SimContext) -> pl.DataFrame:
    rng = ctx.rng("pingan.key_places")
    codes = [c for c, (_, rows, _) in PLACE_TYPES.items() for _ in range(ctx.scaled(rows))]
    n = len(codes)
    types = np.array(codes, dtype=object)
    a = area_columns(rng, n)
    cname = np.array([community_names()[c] for c in a["community_code"]], dtype=object)
    road = np.array(ROADS, dtype=object)[rng.integers(0, len(ROADS), n)]
    high = np.array([PLACE_TYPES[t][2] for t in codes])
    u = rng.random(n)
    risk0 = np.where(u < high, "高", np.where(u < high + 0.35, "中", "低")).astype(object)
    registered = office_times(rng, n, first_day=-6 * 365, last_day=355)
    reassess = np.maximum(registered, 0) + rng.integers(7, 365, n) * DAY + hours(rng, 9, 18, n)
    reassess = np.where((rng.random(n) < 0.35) & (reassess < YEAR_S), reassess, NEVER)
    risk1 = pick(rng, RISKS, n, [0.15, 0.35, 0.5])
    dereg = np.maximum(registered, 0) + rng.integers(30, 365, n) * DAY + hours(rng, 9, 18, n)
    dereg = np.where((rng.random(n) < 0.04) & (dereg < YEAR_S), dereg, NEVER)
    kind = assign_anomalies(rng, np.ones(n, dtype=bool), PLACE_KINDS, ctx.mess)
    lon, lat = outside_district(rng, n)
    df = frame({
        "place_id": np.array([f"ZDCS{i:07d}" for i in rng.permutation(n) + 1], dtype=object),
        "place_type_code": np.where(kind == "unknown_code", UNKNOWN, types),
        "place_name": _place_names(rng, types, cname, road),
        "address": np.where(kind == "missing_required", None,
                            np.array(addresses(rng, a["street_code"], a["community_code"]), dtype=object)),
        "grid_code": a["grid_code"], "community_code": a["community_code"], "street_code": a["street_code"],
        "longitude": np.where(kind == "outside_district", lon, a["longitude"]),
        "latitude": np.where(kind == "outside_district", lat, a["latitude"]),
        "risk0": risk0, "reassess_s": reassess, "risk1": risk1,
        "contact_name": np.array(names(rng, n), dtype=object), "contact_phone": np.array(mobiles(rng, n), dtype=object),
        "registered_s": registered, "dereg_s": dereg, "anomaly": kind,
    }, strings=("address", "anomaly"))
    return df.with_columns(*nulls_for_never("reassess_s", "dereg_s"))


def project_places(places: pl.DataFrame, cut: int) -> pl.DataFrame:
    rows = places.filter(pl.col("registered_s") <= cut).with_columns(seen("reassess_s", cut), seen("dereg_s", cut))
    return rows.select(
        "place_id", "place_type_code", "place_name", "address", "grid_code", "community_code", "street_code",
        "longitude", "latitude",
        pl.when(pl.col("reassess_s").is_not_null()).then("risk1").otherwise("risk0").alias("risk_level"),
        "contact_name", "contact_phone",
        pl.when(pl.col("dereg_s").is_not_null()).then(pl.lit("已注销")).otherwise(pl.lit("在管")).alias("status"),
        ts("registered_s"), ts("dereg_s").alias("deregistered_at"), ts("registered_s").alias("created_at"),
        ts_max("registered_s", "reassess_s", "dereg_s").alias("updated_at"),
    ).sort("place_id")


def key_events(ctx: SimContext) -> pl.DataFrame:
    rng = ctx.rng("pingan.key_events")
    n = ctx.scaled(KEY_EVENTS_2024)
    codes = pick(rng, list(EVENT_TYPES), n, EVENT_P)
    occurred = office_times(rng, n, weekend=0.9)
    reported = occurred + hours(rng, 0.1, 6, n)
    duration = (rng.lognormal(np.log(7), 1.0, n) * DAY).astype("int64")
    closed = reported + duration
    closed = np.where((closed < YEAR_S) & (rng.random(n) > 0.04), closed, NEVER)
    a = area_columns(rng, n)
    cname = np.array([community_names()[c] for c in a["community_code"]], dtype=object)
    road = np.array(ROADS, dtype=object)[rng.integers(0, len(ROADS), n)]
    kind = assign_anomalies(rng, np.ones(n, dtype=bool), EVENT_KINDS, ctx.mess)
    closed = np.where(kind == "inconsistent", occurred - hours(rng, 1, 72, n), closed)
    type_names = np.array([EVENT_TYPES[c] for c in codes], dtype=object)
    df = frame({
        "event_id": np.array([f"ZDSJ2024{i:06d}" for i in range(1, n + 1)], dtype=object),
        "event_type_code": np.where(kind == "unknown_code", UNKNOWN, codes),
        "event_level": pick(rng, ["一般", "较大", "重大"], n, [0.9, 0.09, 0.01]),
        "title": [f"{c}社区{r}{t}" for c, r, t in zip(cname, road, type_names, strict=True)],
        "description": [f"{s}街道{c}社区{r}附近发生{t}，网格员已上报，相关部门正在处置。"
                        for s, c, r, t in zip([streets()[x] for x in a["street_code"]], cname, road, type_names,
                                              strict=True)],
        "grid_code": np.where(kind == "missing_required", None, a["grid_code"]),
        "community_code": a["community_code"], "street_code": a["street_code"],
        "longitude": a["longitude"], "latitude": a["latitude"],
        "occurred_s": occurred, "reported_s": reported, "closed_s": closed, "anomaly": kind,
    }, strings=("grid_code", "anomaly"))
    return df.with_columns(*nulls_for_never("closed_s"))


def project_events(events: pl.DataFrame, cut: int) -> pl.DataFrame:
    rows = events.filter(pl.col("reported_s") <= cut).with_columns(seen("closed_s", cut))
    return rows.select(
        "event_id", "event_type_code", "event_level", "title", "description", "grid_code", "community_code",
        "street_code", "longitude", "latitude",
        pl.when(pl.col("closed_s").is_not_null()).then(pl.lit("已办结")).otherwise(pl.lit("处置中")).alias("status"),
        ts("occurred_s"), ts("reported_s"), ts("closed_s"), ts("reported_s").alias("created_at"),
        ts_max("reported_s", "closed_s").alias("updated_at"),
    ).sort("event_id")


def shce_clues(ctx: SimContext) -> pl.DataFrame:
    rng = ctx.rng("pingan.clues")
    n = ctx.scaled(CLUES_2024)
    received = office_times(rng, n)
    verify = received + rng.integers(1, 8, n) * DAY + hours(rng, 0, 8, n)
    done = verify + rng.integers(15, 120, n) * DAY
    outcome = pick(rng, ["查否", "部分属实", "属实", "移交"], n, [0.55, 0.20, 0.10, 0.15])
    kind = assign_anomalies(rng, np.ones(n, dtype=bool), CLUE_KINDS, ctx.mess)
    done = np.where(kind == "inconsistent", received - rng.integers(1, 30, n) * DAY, done)
    codes = pick(rng, list(CLUE_CATEGORIES), n, CLUE_P)
    a = area_columns(rng, n)
    cname = np.array([community_names()[c] for c in a["community_code"]], dtype=object)
    cats = [CLUE_CATEGORIES[c] for c in codes]
    return frame({
        "clue_id": np.array([f"SHCE2024{i:05d}" for i in range(1, n + 1)], dtype=object),
        "clue_no": [f"龙扫线〔2024〕{i:04d}号" for i in range(1, n + 1)],
        "source": np.where(kind == "missing_required", None, pick(rng, CLUE_SOURCES, n,
                                                                  [30, 10, 8, 12, 12, 8, 10, 5, 5])),
        "category_code": np.where(kind == "unknown_code", UNKNOWN, codes),
        "summary": [f"群众反映{c}社区一带存在{k}问题，请求核查。" for c, k in zip(cname, cats, strict=True)],
        "grid_code": a["grid_code"], "community_code": a["community_code"], "street_code": a["street_code"],
        "outcome": outcome,
        "transferred_to": np.where(outcome == "移交", pick(rng, ["区公安分局", "区纪委监委", "区市场监管局",
                                                                "区住房和建设局"], n, [0.6, 0.2, 0.1, 0.1]), None),
        "handling_unit": pick(rng, ["区扫黑办", "区公安分局", "街道综治中心"], n, [0.3, 0.45, 0.25]),
        "received_s": received, "verify_s": verify, "done_s": done, "anomaly": kind,
    }, strings=("source", "transferred_to", "anomaly"))


def project_clues(clues: pl.DataFrame, cut: int) -> pl.DataFrame:
    rows = clues.filter(pl.col("received_s") <= cut).with_columns(seen("verify_s", cut), seen("done_s", cut))
    finished = pl.col("done_s").is_not_null()
    return rows.select(
        "clue_id", "clue_no", "source", "category_code", "summary", "grid_code", "community_code", "street_code",
        pl.when(finished & (pl.col("outcome") == "移交")).then(pl.lit("移交")).when(finished).then(pl.lit("已办结"))
        .when(pl.col("verify_s").is_not_null()).then(pl.lit("核查中")).otherwise(pl.lit("待核查")).alias("status"),
        pl.when(finished & (pl.col("outcome") != "移交")).then("outcome").alias("result"),
        pl.when(finished).then("transferred_to").alias("transferred_to"), "handling_unit",
        ts("received_s"), ts("verify_s").alias("verification_started_at"), ts("done_s").alias("closed_at"),
        ts("received_s").alias("created_at"),
        ts_max("received_s", "verify_s", "done_s").alias("updated_at"),
    ).sort("clue_id")


def dictionary() -> pl.DataFrame:
    rows = ([("person_subtype", c, n, "GB/T 31000-2015") for c, n in SUBTYPES.items()]
            + [("control_level", c, n, None) for c, n in LEVELS.items()]
            + [("place_type", c, v[0], None) for c, v in PLACE_TYPES.items()]
            + [("event_type", c, n, None) for c, n in EVENT_TYPES.items()]
            + [("clue_category", c, n, None) for c, n in CLUE_CATEGORIES.items()])
    return pl.DataFrame(rows, schema=["dict_type", "code", "name", "standard"], orient="row").with_columns(
        pl.lit(YEAR_START).dt.cast_time_unit("us").alias("updated_at"))


def generate_baseline(ctx: SimContext) -> Baseline:
    persons, history = key_persons(ctx)
    return Baseline(persons, history, key_places(ctx), key_events(ctx), shce_clues(ctx))


def project_baseline(b: Baseline, ctx: SimContext) -> list[tuple[sa.Table, pl.DataFrame]]:
    cut = cut_of(ctx.as_of)
    persons, history = project_persons(b.persons, b.history, cut)
    return [(sys_dict, dictionary()), (key_person, persons), (key_person_history, history),
            (key_place, project_places(b.places, cut)), (key_event, project_events(b.events, cut)),
            (shce_clue, project_clues(b.clues, cut))]
