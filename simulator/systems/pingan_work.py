"""Simulated 深平安 平安建设工作台 tables (S2): collaborative work orders, reminder letters, conflicts, activities.

As the 深平安 system's PostgreSQL database holds them:
- `work_order` (协同工单) and `work_order_flow`: type, originating and handling department, priority, deadline; the
  flow 派单 → (退回 → 改派) → 签收 → (延期) → 办结 → 归档, one row per transition.
- `reminder_letter` (治安提醒函) sent by a police station to a key place, and `rectification` (整改): the place's
  feedback rounds and the station's review (通过/不通过); a letter is 已整改 once a review passes.
- `conflict_item` (社会矛盾督办): disputes pushed from 精智解纷, 信访, 12345 … supervised until 已办结.
- `activity` (群防群治活动), `volunteer` and `participation`: one row per volunteer sign-in with the service hours
  confirmed by the organiser after the activity.

Seed figures (Longhua 2024): 5,300+ work orders, 600+ letters rectified, 7,700+ conflicts closed, 14,000 activities,
78,000 participations, 132,000 service hours. The clean rows hit these at scale 1.0; planted defects come on top.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import sqlalchemy as sa

from simulator.areas import streets
from simulator.context import SimContext, plan_anomalies
from simulator.people import citizen_ids, mobiles, names
from simulator.systems.pingan_baseline import UNKNOWN
from simulator.systems.pingan_common import (
    DAY,
    NEVER,
    ROADS,
    YEAR_S,
    area_columns,
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

WORK_ORDERS_2024 = 5_320
LETTERS_RECTIFIED_2024 = 604  # "600+", within 1% of the catalogue value 600
LETTERS_2024 = 700
CONFLICTS_CLOSED_2024 = 7_730
CONFLICTS_2024 = 8_150
ACTIVITIES_2024 = 14_000
PARTICIPATIONS_2024 = 78_000
SERVICE_HOURS_2024 = 132_000
VOLUNTEERS = 16_000

ORDER_TYPES = {  # code: (name, time limit in days, handling departments)
    "01": ("矛盾纠纷化解", 7, ["街道综治中心", "区司法局", "区信访局"]),
    "02": ("治安隐患整治", 7, ["区公安分局", "街道综治中心"]),
    "03": ("安全生产隐患", 5, ["区应急管理局", "街道安全生产监督管理办公室"]),
    "04": ("消防安全隐患", 3, ["区消防救援大队", "街道消防安全委员会办公室"]),
    "05": ("出租屋综合管理", 10, ["区住房和建设局", "街道出租屋综合管理所"]),
    "06": ("重点人员管控", 3, ["区公安分局", "区卫生健康局", "区司法局"]),
    "07": ("涉稳风险处置", 2, ["区委政法委", "区信访局", "区公安分局"]),
    "08": ("视频点位治理", 15, ["区政务服务和数据管理局", "区公安分局"]),
    "09": ("平安创建协同", 15, ["区委政法委", "街道综治中心"]),
    "10": ("其他协同事项", 10, ["区城市管理和综合执法局", "区市场监督管理局", "街道综治中心"]),
}
ORDER_P = [0.22, 0.16, 0.10, 0.09, 0.10, 0.08, 0.04, 0.05, 0.06, 0.10]
ORDER_SOURCES = ["平安建设工作台", "网格员上报", "民意速办转办", "公安推送", "精智解纷系统", "街道综治中心"]
ORDER_TEXT = [
    "{s}街道{c}社区{r}{k}号附近发现{t}事项，需{d}协同处置，请按时限办结并反馈。",
    "网格员巡查发现{c}社区{r}一带存在{t}问题，现派{d}牵头处理。",
    "{c}社区反映：{r}{k}号{t}，已多次出现，请{d}尽快核实处置。",
    "根据{s}街道综治中心研判，{c}社区{t}风险较高，请{d}落实整改措施。",
]
POLICE_STATIONS = {"440309001": "观湖派出所", "440309002": "民治派出所", "440309003": "龙华派出所",
                   "440309004": "大浪派出所", "440309005": "福城派出所", "440309006": "观澜派出所"}
LETTER_PROBLEMS = ["未落实住客实名登记制度", "消防通道堵塞", "视频监控设备损坏未修复", "未落实收寄验视制度",
                   "从业人员信息未登记", "技防设施不全", "超时营业扰民", "未成年人违规进入", "安全检查制度未落实",
                   "出租屋流动人口未申报"]
LETTER_PLACE_TYPES = ["01", "02", "03", "04", "06", "07"]
DISPUTE_TYPES = {"01": "婚姻家庭纠纷", "02": "邻里纠纷", "03": "劳资纠纷", "04": "物业纠纷", "05": "房屋租赁纠纷",
                 "06": "消费纠纷", "07": "城市更新拆迁纠纷", "08": "医疗纠纷", "09": "道路交通事故纠纷",
                 "10": "债务纠纷", "11": "工程建设纠纷"}
DISPUTE_P = [0.10, 0.14, 0.20, 0.10, 0.10, 0.08, 0.04, 0.03, 0.06, 0.10, 0.05]
CONFLICT_SOURCES = ["精智解纷平台", "信访", "12345转办", "网格排查", "人民调解委员会", "法院诉前调解"]
CONFLICT_UNITS = ["街道综治中心", "区人力资源局", "区住房和建设局", "区卫生健康局", "区市场监督管理局", "区司法局",
                  "区信访局"]
ACTIVITY_TYPES = ["治安巡逻", "反诈宣传", "矛盾纠纷排查", "消防安全检查", "交通文明劝导", "禁毒宣传", "校园护学岗",
                  "出租屋走访", "法治宣传", "邻里守望"]
ACTIVITY_P = [0.26, 0.14, 0.08, 0.09, 0.10, 0.06, 0.10, 0.07, 0.05, 0.05]
DURATIONS_H = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
DURATION_P = [0.28, 0.30, 0.24, 0.08, 0.07, 0.03]

WORK_ORDER_KINDS = ("missing_required", "unknown_code", "inconsistent")
LETTER_KINDS = ("missing_required", "inconsistent")
CONFLICT_KINDS = ("missing_required", "unknown_code", "inconsistent")
ACTIVITY_KINDS = ("missing_required", "inconsistent", "outside_district")
PARTICIPATION_KINDS = ("missing_required", "inconsistent")

# --- tables -------------------------------------------------------------------------------------------------------

work_order = sa.Table(
    "work_order", META,
    sa.Column("order_id", sa.String(20), primary_key=True),
    sa.Column("order_type_code", sa.String(4), nullable=False),
    sa.Column("title", sa.String(200)),
    sa.Column("content", sa.Text),
    sa.Column("source", sa.String(32)),
    sa.Column("initiator_dept", sa.String(64)),
    sa.Column("handler_dept", sa.String(64)),
    sa.Column("priority", sa.String(4)),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("dispatched_at", sa.DateTime),
    sa.Column("accepted_at", sa.DateTime),
    sa.Column("due_at", sa.DateTime),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("archived_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
work_order_flow = sa.Table(
    "work_order_flow", META,
    sa.Column("flow_id", sa.String(32), primary_key=True),
    sa.Column("order_id", sa.String(20), nullable=False),
    sa.Column("step", sa.String(8), nullable=False),
    sa.Column("step_at", sa.DateTime, nullable=False),
    sa.Column("department", sa.String(64)),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
reminder_letter = sa.Table(
    "reminder_letter", META,
    sa.Column("letter_id", sa.String(20), primary_key=True),
    sa.Column("letter_no", sa.String(48), nullable=False),
    sa.Column("place_id", sa.String(16)),
    sa.Column("place_name", sa.String(100)),
    sa.Column("issuing_unit", sa.String(32), nullable=False),
    sa.Column("problem", sa.String(64)),
    sa.Column("requirement", sa.String(200)),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("status", sa.String(8), nullable=False),  # 待签收 / 整改中 / 已整改 / 逾期未整改
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("signed_at", sa.DateTime),
    sa.Column("deadline_at", sa.DateTime),
    sa.Column("rectified_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
rectification = sa.Table(
    "rectification", META,
    sa.Column("rectification_id", sa.String(24), primary_key=True),
    sa.Column("letter_id", sa.String(20), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("measures", sa.String(200)),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Column("reviewed_at", sa.DateTime),
    sa.Column("review_result", sa.String(8)),  # 通过 / 不通过
    sa.Column("reviewer_unit", sa.String(32)),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
conflict_item = sa.Table(
    "conflict_item", META,
    sa.Column("item_id", sa.String(20), primary_key=True),
    sa.Column("dispute_type_code", sa.String(4), nullable=False),
    sa.Column("title", sa.String(200)),
    sa.Column("description", sa.Text),
    sa.Column("source", sa.String(32)),
    sa.Column("supervise_level", sa.String(8)),
    sa.Column("responsible_unit", sa.String(64)),
    sa.Column("parties_count", sa.Integer),
    sa.Column("amount_involved", sa.Double),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("status", sa.String(8), nullable=False),  # 待受理 / 调处中 / 已办结
    sa.Column("result", sa.String(16)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("accepted_at", sa.DateTime),
    sa.Column("due_at", sa.DateTime),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
activity = sa.Table(
    "activity", META,
    sa.Column("activity_id", sa.String(20), primary_key=True),
    sa.Column("activity_name", sa.String(100), nullable=False),
    sa.Column("activity_type", sa.String(16), nullable=False),
    sa.Column("organiser_team", sa.String(64)),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("location", sa.String(200)),
    sa.Column("longitude", sa.Double),
    sa.Column("latitude", sa.Double),
    sa.Column("planned_participants", sa.Integer),
    sa.Column("status", sa.String(8), nullable=False),  # 报名中 / 进行中 / 已结束
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("start_at", sa.DateTime, nullable=False),
    sa.Column("end_at", sa.DateTime, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
volunteer = sa.Table(
    "volunteer", META,
    sa.Column("volunteer_id", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("phone", sa.String(20)),
    sa.Column("id_number", sa.String(18)),
    sa.Column("team", sa.String(64)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("registered_at", sa.DateTime, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
participation = sa.Table(
    "participation", META,
    sa.Column("participation_id", sa.String(20), primary_key=True),
    sa.Column("activity_id", sa.String(20), nullable=False),
    sa.Column("volunteer_id", sa.String(16)),
    sa.Column("volunteer_name", sa.String(32)),
    sa.Column("volunteer_phone", sa.String(20)),
    sa.Column("checkin_at", sa.DateTime, nullable=False),
    sa.Column("checkout_at", sa.DateTime),
    sa.Column("service_hours", sa.Double),  # confirmed by the organiser after the activity
    sa.Column("confirmed_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)


@dataclass
class PinganWork:
    """The whole simulated year (seconds from 2024-01-01, `anomaly` per row) before projection onto `as_of`."""

    orders: pl.DataFrame
    letters: pl.DataFrame
    rectifications: pl.DataFrame
    conflicts: pl.DataFrame
    activities: pl.DataFrame
    volunteers: pl.DataFrame
    participations: pl.DataFrame


def _names_of(codes: np.ndarray, table: dict[str, str]) -> np.ndarray:
    return np.array([table.get(c, "其他") for c in codes], dtype=object)


def _with_duplicates(rng: np.random.Generator, df: pl.DataFrame, key: str, rate: float,
                     new_key: str) -> pl.DataFrame:
    """DF plus copies of some clean rows under new keys (`{new_key}{i}`), marked `duplicate` with `dup_of`."""
    d = duplicate_rows(rng, df, df["anomaly"].is_null().to_numpy(), rate)
    d = d.with_columns(pl.col(key).alias("dup_of"),
                       pl.Series(key, [f"{new_key}{i:06d}" for i in range(1, d.height + 1)], dtype=pl.String),
                       pl.lit("duplicate").alias("anomaly"))
    return pl.concat([df.with_columns(pl.lit(None, pl.String).alias("dup_of")), d], how="vertical_relaxed")


# --- work orders ----------------------------------------------------------------------------------------------------

def work_orders(ctx: SimContext) -> pl.DataFrame:
    rng = ctx.rng("pingan.work_orders")
    kind = plan_anomalies(rng, ctx.scaled(WORK_ORDERS_2024), WORK_ORDER_KINDS, ctx.mess)
    n = kind.size
    created = np.sort(office_times(rng, n))
    codes = pick(rng, list(ORDER_TYPES), n, ORDER_P)
    sla = np.array([ORDER_TYPES[c][1] for c in codes])
    priority = pick(rng, ["一般", "紧急", "特急"], n, [0.8, 0.17, 0.03])
    sla_s = np.where(priority == "特急", 1, np.where(priority == "紧急", np.maximum(1, sla // 2), sla)) * DAY
    dept = np.array([ORDER_TYPES[c][2][i % len(ORDER_TYPES[c][2])] for c, i in
                     zip(codes, rng.integers(0, 6, n), strict=True)], dtype=object)
    dispatched = created + hours(rng, 0.05, 2, n)
    returned = np.where(rng.random(n) < 0.06, dispatched + hours(rng, 1, 24, n), NEVER)
    redispatched = np.where(returned != NEVER, returned + hours(rng, 0.5, 8, n), NEVER)
    accepted = np.maximum(dispatched, redispatched) + hours(rng, 0.2, 8, n)
    due = created + sla_s
    extended = np.where(rng.random(n) < 0.04, accepted + sla_s // 3, NEVER)
    due_final = np.where(extended != NEVER, due + sla_s // 2, due)
    closed = accepted + (rng.beta(2, 3, n) * np.maximum(due_final - accepted, 3600)).astype("int64")
    late = rng.random(n) < 0.025
    closed = np.where(late, due_final + hours(rng, 1, 96, n), closed)
    closed = np.where(rng.random(n) < 0.01, due_final + rng.integers(30, 120, n) * DAY, closed)  # long-running
    closed = np.where(kind == "inconsistent", created - hours(rng, 1, 48, n), closed)
    archived = np.maximum(closed, created) + rng.integers(1, 6, n) * DAY
    a = area_columns(rng, n)
    cname = np.array([community_names()[c] for c in a["community_code"]], dtype=object)
    sname = np.array([streets()[s] for s in a["street_code"]], dtype=object)
    road = np.array(ROADS, dtype=object)[rng.integers(0, len(ROADS), n)]
    tname = np.array([ORDER_TYPES[c][0] for c in codes], dtype=object)
    tpl = rng.integers(0, len(ORDER_TEXT), n)
    num = rng.integers(1, 300, n)
    df = frame({
        "order_id": np.array([f"XTGD2024{i:06d}" for i in range(1, n + 1)], dtype=object),
        "order_type_code": np.where(kind == "unknown_code", UNKNOWN, codes),
        "title": [f"{c}社区{t}协同工单" for c, t in zip(cname, tname, strict=True)],
        "content": [ORDER_TEXT[i].format(s=s, c=c, r=r, k=k, t=t, d=d) for i, s, c, r, k, t, d in
                    zip(tpl, sname, cname, road, num, tname, dept, strict=True)],
        "source": pick(rng, ORDER_SOURCES, n, [0.35, 0.25, 0.15, 0.10, 0.08, 0.07]),
        "initiator_dept": np.array([f"{s}街道综治中心" for s in sname], dtype=object),
        "handler_dept": np.where(kind == "missing_required", None, dept),
        "priority": priority,
        "grid_code": a["grid_code"], "community_code": a["community_code"], "street_code": a["street_code"],
        "created_s": created, "dispatched_s": dispatched, "returned_s": returned, "redispatched_s": redispatched,
        "accepted_s": accepted, "extended_s": extended, "due_s": due, "due_final_s": due_final, "closed_s": closed,
        "archived_s": archived, "anomaly": kind,
    }, strings=("handler_dept", "anomaly"))
    df = _with_duplicates(rng, df, "order_id", ctx.mess.duplicate, "XTGD2024D")
    return df.with_columns(*nulls_for_never("returned_s", "redispatched_s", "extended_s"))


def project_orders(orders: pl.DataFrame, cut: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    steps = [("派单", "dispatched_s"), ("退回", "returned_s"), ("改派", "redispatched_s"), ("签收", "accepted_s"),
             ("延期", "extended_s"), ("办结", "closed_s"), ("归档", "archived_s")]
    rows = orders.filter(pl.col("created_s") <= cut)
    flow = pl.concat([
        rows.select("order_id", pl.lit(step).alias("step"), pl.col(col).alias("step_s"),
                    pl.col("handler_dept").alias("department"), pl.lit(i).alias("seq"))
        for i, (step, col) in enumerate(steps)
    ]).filter(pl.col("step_s").is_not_null() & (pl.col("step_s") <= cut)).sort("order_id", "seq")
    flow_rows = flow.select((pl.col("order_id") + "-" + pl.col("seq").cast(pl.String)).alias("flow_id"), "order_id",
                            "step", ts("step_s").alias("step_at"), "department", ts("step_s").alias("updated_at"))
    r = rows.with_columns(*(seen(c, cut) for c in ("dispatched_s", "returned_s", "redispatched_s", "accepted_s",
                                                   "extended_s", "closed_s", "archived_s")))
    status = (pl.when(pl.col("archived_s").is_not_null()).then(pl.lit("已归档"))
              .when(pl.col("closed_s").is_not_null()).then(pl.lit("已办结"))
              .when(pl.col("accepted_s").is_not_null()).then(pl.lit("办理中"))
              .when(pl.col("returned_s").is_not_null() & pl.col("redispatched_s").is_null()).then(pl.lit("已退回"))
              .otherwise(pl.lit("待签收")))
    order_rows = r.select(
        "order_id", "order_type_code", "title", "content", "source", "initiator_dept", "handler_dept", "priority",
        "grid_code", "community_code", "street_code", status.alias("status"), ts("created_s"), ts("dispatched_s"),
        ts("accepted_s"),
        pl.when(pl.col("extended_s").is_not_null()).then(ts("due_final_s")).otherwise(ts("due_s")).alias("due_at"),
        ts("closed_s"), ts("archived_s"),
        ts_max(*(c for _, c in steps), "created_s").alias("updated_at"),
    ).sort("order_id")
    return order_rows, flow_rows


def _is_clean(kind: np.ndarray) -> np.ndarray:
    return np.array([k is None for k in kind], dtype=bool)


def _fit_before_year_end(times: dict[str, np.ndarray], last: str, mask: np.ndarray) -> None:
    """Shift the MASK rows earlier so that their LAST event falls inside the year (calibrated closures)."""
    overflow = np.where(mask, np.maximum(0, times[last] - (YEAR_S - 3600)), 0)
    for key, values in times.items():
        times[key] = np.where(values != NEVER, values - overflow, NEVER)


# --- reminder letters and rectification ------------------------------------------------------------------------------

def reminder_letters(ctx: SimContext, places: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = ctx.rng("pingan.reminder_letters")
    n_clean = ctx.scaled(LETTERS_2024)
    kind = plan_anomalies(rng, n_clean, LETTER_KINDS, ctx.mess)
    n = kind.size
    clean = _is_clean(kind)
    # outcome: 0 rectified within the year, 1 never rectified (overdue), 2 issued in December, rectified in 2025
    outcome = np.zeros(n, dtype=int)
    rest = rng.permutation(np.flatnonzero(clean))[min(ctx.scaled(LETTERS_RECTIFIED_2024), n_clean):]
    outcome[rest] = np.where(rng.random(rest.size) < 0.6, 1, 2)
    issued = np.where(outcome == 2, office_times(rng, n, 340, 362), office_times(rng, n, 0, 345))
    t: dict[str, np.ndarray] = {"issued": issued}
    t["signed"] = issued + hours(rng, 2, 72, n)
    t["deadline"] = issued + rng.choice([7, 15], n) * DAY
    t["submit1"] = t["signed"] + rng.integers(2, 10, n) * DAY + hours(rng, 0, 8, n)
    t["review1"] = t["submit1"] + rng.integers(1, 4, n) * DAY + hours(rng, 0, 8, n)
    pass1 = (rng.random(n) < 0.85) & (outcome != 1)
    second = (outcome != 1) & ~pass1
    t["submit2"] = np.where(second, t["review1"] + rng.integers(2, 7, n) * DAY, NEVER)
    t["review2"] = np.where(second, t["submit2"] + rng.integers(1, 3, n) * DAY + hours(rng, 0, 8, n), NEVER)
    t["passed"] = np.where(outcome == 1, NEVER, np.where(pass1, t["review1"], t["review2"]))
    t["submit1"] = np.where((outcome == 1) & (rng.random(n) < 0.5), NEVER, t["submit1"])  # never even answered
    t["review1"] = np.where(t["submit1"] == NEVER, NEVER, t["review1"])
    _fit_before_year_end(t, "passed", outcome == 0)
    # December letters answered after new year: their rounds move into 2025
    push = np.where((outcome == 2) & (t["passed"] < YEAR_S), YEAR_S - t["passed"] + rng.integers(1, 10, n) * DAY, 0)
    for key in ("submit1", "review1", "submit2", "review2", "passed"):
        t[key] = np.where(t[key] != NEVER, t[key] + push, NEVER)
    rectified = np.where(kind == "inconsistent", t["issued"] - rng.integers(1, 10, n) * DAY, t["passed"])

    eligible = places.filter(pl.col("anomaly").is_null() & pl.col("place_type_code").is_in(LETTER_PLACE_TYPES)
                             & (pl.col("registered_s") < 0) & pl.col("dereg_s").is_null())
    pl_idx = rng.integers(0, eligible.height, n)
    chosen = eligible[pl_idx.tolist()]
    station = np.array([POLICE_STATIONS[s] for s in chosen["street_code"]], dtype=object)
    problem = pick(rng, LETTER_PROBLEMS, n)
    ids = np.array([f"ZATX2024{i:05d}" for i in range(1, n + 1)], dtype=object)
    letters = frame({
        "letter_id": ids,
        "letter_no": [f"龙公（{s[:2]}）治提字〔2024〕第{i:04d}号" for i, s in enumerate(station, start=1)],
        "place_id": np.where(kind == "missing_required", None, chosen["place_id"].to_numpy()),
        "place_name": chosen["place_name"].to_numpy(), "issuing_unit": station, "problem": problem,
        "requirement": [f"请于期限内整改“{p}”问题并书面反馈，逾期未整改将依法处理。" for p in problem],
        "grid_code": chosen["grid_code"].to_numpy(), "community_code": chosen["community_code"].to_numpy(),
        "street_code": chosen["street_code"].to_numpy(),
        "issued_s": t["issued"], "signed_s": t["signed"], "deadline_s": t["deadline"], "rectified_s": rectified,
        "anomaly": kind,
    }, strings=("place_id", "anomaly")).with_columns(*nulls_for_never("rectified_s"))
    rounds = []
    for r in (1, 2):
        mask = t[f"submit{r}"] != NEVER
        ok = pass1 if r == 1 else np.ones(n, dtype=bool)
        rounds.append(frame({
            "rectification_id": np.array([f"{x}-R{r}" for x in ids[mask]], dtype=object), "letter_id": ids[mask],
            "round": np.full(mask.sum(), r), "measures": pick(rng, [
                "已清理消防通道并张贴警示标识", "已完成住客信息补录并开展员工培训", "已更换损坏摄像头并接入平台",
                "已建立收寄验视台账", "已调整营业时间并安装隔音设施", "已补齐技防设施并签订责任书"], int(mask.sum())),
            "submitted_s": t[f"submit{r}"][mask], "reviewed_s": t[f"review{r}"][mask],
            "review_result": np.where(ok[mask], "通过", "不通过").astype(object), "reviewer_unit": station[mask],
        }))
    return letters, pl.concat(rounds).sort("rectification_id")


def project_letters(letters: pl.DataFrame, rects: pl.DataFrame, cut: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows = letters.filter(pl.col("issued_s") <= cut).with_columns(seen("signed_s", cut), seen("rectified_s", cut))
    overdue = pl.col("rectified_s").is_null() & (pl.col("deadline_s") <= cut)
    r = rects.filter(pl.col("submitted_s") <= cut).with_columns(seen("reviewed_s", cut))
    last = r.group_by("letter_id").agg(pl.max_horizontal("submitted_s", "reviewed_s").max().alias("rect_s"))
    letter_rows = rows.join(last, on="letter_id", how="left").select(
        "letter_id", "letter_no", "place_id", "place_name", "issuing_unit", "problem", "requirement", "grid_code",
        "community_code", "street_code",
        pl.when(pl.col("rectified_s").is_not_null()).then(pl.lit("已整改")).when(overdue).then(pl.lit("逾期未整改"))
        .when(pl.col("signed_s").is_not_null()).then(pl.lit("整改中")).otherwise(pl.lit("待签收")).alias("status"),
        ts("issued_s"), ts("signed_s"), ts("deadline_s"), ts("rectified_s"), ts("issued_s").alias("created_at"),
        ts_max("issued_s", "signed_s", "rectified_s", "rect_s", pl.when(overdue).then("deadline_s"))
        .alias("updated_at"),
    ).sort("letter_id")
    rect_rows = r.select(
        "rectification_id", "letter_id", pl.col("round").cast(pl.Int32), "measures", ts("submitted_s"),
        ts("reviewed_s"), pl.when(pl.col("reviewed_s").is_not_null()).then("review_result").alias("review_result"),
        "reviewer_unit", ts_max("submitted_s", "reviewed_s").alias("updated_at"),
    ).sort("rectification_id")
    return letter_rows, rect_rows


# --- social-conflict supervision -------------------------------------------------------------------------------------

def conflicts(ctx: SimContext) -> pl.DataFrame:
    rng = ctx.rng("pingan.conflicts")
    n_clean = ctx.scaled(CONFLICTS_2024)
    kind = plan_anomalies(rng, n_clean, CONFLICT_KINDS, ctx.mess)
    n = kind.size
    # outcome: 0 closed within the year, 1 raised in December and closed in 2025, 2 still in mediation
    outcome = np.zeros(n, dtype=int)
    rest = rng.permutation(np.flatnonzero(_is_clean(kind)))[min(ctx.scaled(CONFLICTS_CLOSED_2024), n_clean):]
    outcome[rest] = np.where(rng.random(rest.size) < 0.5, 1, 2)
    created = np.where(outcome == 1, office_times(rng, n, 335, 366), office_times(rng, n))
    level = pick(rng, ["区级督办", "街道督办", "社区跟进"], n, [0.1, 0.5, 0.4])
    t: dict[str, np.ndarray] = {"created": created, "accepted": created + hours(rng, 0.5, 48, n)}
    t["due"] = created + np.where(level == "区级督办", 15, 30) * DAY
    t["closed"] = t["accepted"] + np.maximum(3600, rng.lognormal(np.log(9 * DAY), 0.8, n)).astype("int64")
    _fit_before_year_end(t, "closed", outcome == 0)
    closed = np.where(outcome == 1, np.maximum(t["closed"], YEAR_S + rng.integers(1, 40, n) * DAY), t["closed"])
    closed = np.where(outcome == 2, NEVER, closed)
    closed = np.where(kind == "inconsistent", t["created"] - hours(rng, 1, 72, n), closed)
    codes = pick(rng, list(DISPUTE_TYPES), n, DISPUTE_P)
    a = area_columns(rng, n)
    cname = np.array([community_names()[c] for c in a["community_code"]], dtype=object)
    sname = np.array([streets()[s] for s in a["street_code"]], dtype=object)
    tname = _names_of(codes, DISPUTE_TYPES)
    unit = pick(rng, CONFLICT_UNITS, n, [0.45, 0.15, 0.12, 0.05, 0.08, 0.10, 0.05])
    unit = np.where(unit == "街道综治中心", sname + "街道综治中心", unit)
    parties = rng.integers(2, 6, n) + np.where(rng.random(n) < 0.05, rng.integers(5, 60, n), 0)
    money = np.where(np.isin(codes, ["03", "05", "06", "10", "11"]), np.round(rng.lognormal(np.log(30_000), 1.2, n)),
                     np.nan)
    df = frame({
        "item_id": np.array([f"MDDB2024{i:06d}" for i in range(1, n + 1)], dtype=object),
        "dispute_type_code": np.where(kind == "unknown_code", UNKNOWN, codes),
        "title": [f"{c}社区{t}" for c, t in zip(cname, tname, strict=True)],
        "description": [f"{s}街道{c}社区{k}名当事人因{t}发生争执，经排查列入督办，需限期化解。"
                        for s, c, k, t in zip(sname, cname, parties, tname, strict=True)],
        "source": pick(rng, CONFLICT_SOURCES, n, [0.35, 0.15, 0.20, 0.15, 0.10, 0.05]),
        "supervise_level": level, "responsible_unit": np.where(kind == "missing_required", None, unit),
        "parties_count": parties, "amount_involved": money,
        "grid_code": a["grid_code"], "community_code": a["community_code"], "street_code": a["street_code"],
        "result": pick(rng, ["调解成功", "调解不成功引导诉讼", "终止调解"], n, [0.8, 0.12, 0.08]),
        "created_s": t["created"], "accepted_s": t["accepted"], "due_s": t["due"], "closed_s": closed,
        "anomaly": kind,
    }, strings=("responsible_unit", "anomaly")).with_columns(
        *nulls_for_never("closed_s"), pl.col("amount_involved").fill_nan(None))
    return _with_duplicates(rng, df, "item_id", ctx.mess.duplicate, "MDDB2024D")


def project_conflicts(items: pl.DataFrame, cut: int) -> pl.DataFrame:
    rows = items.filter(pl.col("created_s") <= cut).with_columns(seen("accepted_s", cut), seen("closed_s", cut))
    return rows.select(
        "item_id", "dispute_type_code", "title", "description", "source", "supervise_level", "responsible_unit",
        pl.col("parties_count").cast(pl.Int32), "amount_involved", "grid_code", "community_code", "street_code",
        pl.when(pl.col("closed_s").is_not_null()).then(pl.lit("已办结")).when(pl.col("accepted_s").is_not_null())
        .then(pl.lit("调处中")).otherwise(pl.lit("待受理")).alias("status"),
        pl.when(pl.col("closed_s").is_not_null()).then("result").alias("result"),
        ts("created_s"), ts("accepted_s"), ts("due_s"), ts("closed_s"),
        ts_max("created_s", "accepted_s", "closed_s").alias("updated_at"),
    ).sort("item_id")


# --- mass-prevention activities, volunteers, participations ---------------------------------------------------------

def volunteers(ctx: SimContext) -> pl.DataFrame:
    rng = ctx.rng("pingan.volunteers")
    n = ctx.scaled(VOLUNTEERS, minimum=30)
    a = area_columns(rng, n)
    cname = np.array([community_names()[c] for c in a["community_code"]], dtype=object)
    sname = np.array([streets()[s] for s in a["street_code"]], dtype=object)
    team_kind = rng.integers(0, 4, n)
    team = [(f"{c}社区平安志愿服务队", f"{s}街道红袖标治安巡逻队", f"龙华义警{s}中队", f"{c}社区楼栋长队伍")[k]
            for c, s, k in zip(cname, sname, team_kind, strict=True)]
    registered = office_times(rng, n, first_day=-6 * 365, last_day=0, weekend=0.8)
    return frame({
        "volunteer_id": np.array([f"ZYZ{i:07d}" for i in rng.permutation(n) + 1], dtype=object),
        "name": names(rng, n), "phone": mobiles(rng, n), "id_number": citizen_ids(rng, n, 1955, 2005),
        "team": team, "community_code": a["community_code"], "street_code": a["street_code"],
        "registered_s": registered,
    }).sort("volunteer_id")


def activities(ctx: SimContext) -> pl.DataFrame:
    rng = ctx.rng("pingan.activities")
    kind = plan_anomalies(rng, ctx.scaled(ACTIVITIES_2024), ACTIVITY_KINDS, ctx.mess)
    n = kind.size
    day = office_times(rng, n, weekend=1.3) // DAY  # volunteers turn out at weekends too
    start_hour = pick(rng, list(range(7, 21)), n, [2, 6, 10, 8, 6, 3, 4, 6, 6, 5, 4, 6, 8, 6]).astype(int)
    start = np.sort(day * DAY + start_hour * 3600 + rng.choice([0, 1800], n))
    dur_h = pick(rng, DURATIONS_H, n, DURATION_P).astype(float)
    end = start + (dur_h * 3600).astype("int64")
    end = np.where(kind == "inconsistent", start - hours(rng, 0.5, 3, n), end)
    published = start - rng.integers(1, 8, n) * DAY - hours(rng, 0, 10, n)
    a = area_columns(rng, n)
    lon, lat = outside_district(rng, n)
    cname = np.array([community_names()[c] for c in a["community_code"]], dtype=object)
    sname = np.array([streets()[s] for s in a["street_code"]], dtype=object)
    atype = pick(rng, ACTIVITY_TYPES, n, ACTIVITY_P)
    road = np.array(ROADS, dtype=object)[rng.integers(0, len(ROADS), n)]
    return frame({
        "activity_id": np.array([f"QFQZ2024{i:06d}" for i in range(1, n + 1)], dtype=object),
        "activity_name": [f"{c}社区{t}活动" if k % 3 else f"“平安龙华”{c}{t}志愿行动"
                          for c, t, k in zip(cname, atype, rng.integers(0, 3, n), strict=True)],
        "activity_type": atype,
        "organiser_team": [f"{c}社区平安志愿服务队" if k else f"{s}街道红袖标治安巡逻队"
                           for c, s, k in zip(cname, sname, rng.random(n) < 0.7, strict=True)],
        "grid_code": np.where(kind == "missing_required", None, a["grid_code"]),
        "community_code": a["community_code"], "street_code": a["street_code"],
        "location": [f"{s}街道{c}社区{r}" for s, c, r in zip(sname, cname, road, strict=True)],
        "longitude": np.where(kind == "outside_district", lon, a["longitude"]),
        "latitude": np.where(kind == "outside_district", lat, a["latitude"]),
        "dur_h": dur_h, "published_s": published, "start_s": start, "end_s": end, "anomaly": kind,
    }, strings=("grid_code", "anomaly"))


def _calibrate_hours(rng: np.random.Generator, h: np.ndarray, cap: np.ndarray, clean: np.ndarray,
                     target: float) -> np.ndarray:
    """Nudge clean rows by half hours (left early / stayed to the end) until their sum is TARGET."""
    h = h.copy()
    steps = round((target - h[clean].sum()) / 0.5)
    for _ in range(50):
        if steps == 0:
            break
        room = clean & ((h < cap) if steps > 0 else (h > 0.5))
        if not room.any():
            room = clean & (h > 0.5) if steps < 0 else clean  # overtime only when nobody left early
        pool = rng.permutation(np.flatnonzero(room))[:abs(steps)]
        h[pool] += 0.5 if steps > 0 else -0.5
        steps -= int(np.sign(steps)) * pool.size
    return h


def participations(ctx: SimContext, acts: pl.DataFrame, vols: pl.DataFrame) -> pl.DataFrame:
    rng = ctx.rng("pingan.participations")
    kind = plan_anomalies(rng, ctx.scaled(PARTICIPATIONS_2024), PARTICIPATION_KINDS, ctx.mess)
    m, n_act = kind.size, acts.height
    counts = np.zeros(n_act, dtype=int)
    if m >= n_act:
        w = rng.gamma(2.0, 1.0, n_act)
        counts = 1 + rng.multinomial(m - n_act, w / w.sum())
    else:
        counts[rng.choice(n_act, m, replace=False)] = 1
    act = np.repeat(np.arange(n_act), counts)
    vol = _assign_volunteers(rng, acts["street_code"].to_numpy()[act], vols, act)
    dur = acts["dur_h"].to_numpy()[act]
    h = np.maximum(0.5, dur - 0.5 * (rng.random(m) < 0.1))
    h = _calibrate_hours(rng, h, dur, _is_clean(kind), round(SERVICE_HOURS_2024 * ctx.scale * 2) / 2)
    checkin = acts["start_s"].to_numpy()[act] + rng.integers(0, 600, m)
    checkout = np.where(kind == "inconsistent", checkin - hours(rng, 0.5, 2, m), checkin + (h * 3600).astype("int64"))
    confirmed = np.maximum(acts["end_s"].to_numpy()[act], checkout) + hours(rng, 0.2, 24, m)
    df = frame({
        "participation_id": np.array([f"CY2024{i:07d}" for i in range(1, m + 1)], dtype=object),
        "activity_id": acts["activity_id"].to_numpy()[act],
        "volunteer_id": np.where(kind == "missing_required", None, vols["volunteer_id"].to_numpy()[vol]),
        "volunteer_name": vols["name"].to_numpy()[vol], "volunteer_phone": vols["phone"].to_numpy()[vol],
        "checkin_s": checkin, "checkout_s": checkout,
        "service_hours": np.round((checkout - checkin) / 3600 * 2) / 2, "confirmed_s": confirmed, "anomaly": kind,
    }, strings=("volunteer_id", "anomaly"))
    return _with_duplicates(rng, df, "participation_id", ctx.mess.duplicate, "CY2024D")


def _assign_volunteers(rng: np.random.Generator, street: np.ndarray, vols: pl.DataFrame,
                       act: np.ndarray) -> np.ndarray:
    """Volunteers of the activity's street, some far more active than others, each at most once per activity."""
    vol_street = vols["street_code"].to_numpy()
    weight = rng.gamma(1.0, 1.0, vols.height)
    out = np.zeros(street.size, dtype=int)
    for s in np.unique(vol_street):
        pool = np.flatnonzero(vol_street == s)
        rows = np.flatnonzero(street == s)
        out[rows] = pool[rng.choice(pool.size, rows.size, p=weight[pool] / weight[pool].sum())]
    for _ in range(10):  # re-draw the rare second sign-in of one volunteer at one activity
        again = _second_signins(act, out)
        if again.size == 0:
            return out
        out[again] = rng.integers(0, vols.height, again.size)  # anyone, then pulled back into the street below
        for s in np.unique(street[again]):
            rows = again[street[again] == s]
            pool = np.flatnonzero(vol_street == s)
            out[rows] = pool[rng.integers(0, pool.size, rows.size)] if pool.size else out[rows]
    for i in _second_signins(act, out):  # what is left: the first volunteer not yet at this activity
        taken = set(out[act == act[i]].tolist())
        free = [v for v in np.flatnonzero(vol_street == street[i]).tolist() + list(range(vols.height))
                if v not in taken]
        out[i] = free[0]
    return out


def _second_signins(act: np.ndarray, vol: np.ndarray) -> np.ndarray:
    pairs = pl.DataFrame({"a": act, "v": vol})
    return np.flatnonzero(pairs.select(pl.col("a").cum_count().over("a", "v") > 1).to_series().to_numpy())


def project_activities(acts: pl.DataFrame, cut: int) -> pl.DataFrame:
    rows = acts.filter(pl.col("published_s") <= cut).with_columns(seen("start_s", cut).alias("started"),
                                                                   seen("end_s", cut).alias("ended"))
    return rows.select(
        "activity_id", "activity_name", "activity_type", "organiser_team", "grid_code", "community_code",
        "street_code", "location", "longitude", "latitude", pl.col("planned_participants").cast(pl.Int32),
        pl.when(pl.col("ended").is_not_null()).then(pl.lit("已结束")).when(pl.col("started").is_not_null())
        .then(pl.lit("进行中")).otherwise(pl.lit("报名中")).alias("status"),
        ts("published_s"), ts("start_s"), ts("end_s"), ts("published_s").alias("created_at"),
        ts_max("published_s", "started", "ended").alias("updated_at"),
    ).sort("activity_id")


def project_participations(parts: pl.DataFrame, cut: int) -> pl.DataFrame:
    rows = parts.filter(pl.col("checkin_s") <= cut).with_columns(seen("checkout_s", cut), seen("confirmed_s", cut))
    return rows.select(
        "participation_id", "activity_id", "volunteer_id", "volunteer_name", "volunteer_phone", ts("checkin_s"),
        ts("checkout_s"), pl.when(pl.col("confirmed_s").is_not_null()).then("service_hours").alias("service_hours"),
        ts("confirmed_s"), ts("checkin_s").alias("created_at"),
        ts_max("checkin_s", "checkout_s", "confirmed_s").alias("updated_at"),
    ).sort("participation_id")


def project_volunteers(vols: pl.DataFrame, cut: int) -> pl.DataFrame:
    return vols.filter(pl.col("registered_s") <= cut).select(
        "volunteer_id", "name", "phone", "id_number", "team", "community_code", "street_code", ts("registered_s"),
        ts("registered_s").alias("created_at"), ts("registered_s").alias("updated_at"))


# --- the whole 深平安 work system -----------------------------------------------------------------------------------

def generate_pingan_work(ctx: SimContext, places: pl.DataFrame) -> PinganWork:
    letters, rects = reminder_letters(ctx, places)
    acts = activities(ctx)
    vols = volunteers(ctx)
    parts = participations(ctx, acts, vols)
    sizes = parts.filter(pl.col("anomaly").is_null()).group_by("activity_id").len("n")
    rng = ctx.rng("pingan.activities.planned")
    acts = acts.with_columns(pl.Series("slack", rng.uniform(1.0, 1.5, acts.height))).join(
        sizes, on="activity_id", how="left").with_columns(
        (pl.col("n").fill_null(0) * pl.col("slack")).ceil().cast(pl.Int64).alias("planned_participants"),
    ).drop("n", "slack").sort("activity_id")
    return PinganWork(work_orders(ctx), letters, rects, conflicts(ctx), acts, vols, parts)


def project_pingan_work(w: PinganWork, ctx: SimContext) -> list[tuple[sa.Table, pl.DataFrame]]:
    cut = cut_of(ctx.as_of)
    orders, flow = project_orders(w.orders, cut)
    letters, rects = project_letters(w.letters, w.rectifications, cut)
    return [(work_order, orders), (work_order_flow, flow), (reminder_letter, letters), (rectification, rects),
            (conflict_item, project_conflicts(w.conflicts, cut)), (activity, project_activities(w.activities, cut)),
            (volunteer, project_volunteers(w.volunteers, cut)),
            (participation, project_participations(w.participations, cut))]
