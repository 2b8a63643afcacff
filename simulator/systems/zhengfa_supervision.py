"""S10 — the procuratorate's legal-supervision inputs (大数据法律监督模型), in the zhengfa database.

What the district procuratorate's model platform holds, as it would receive it from its partners:

- `correction_subject` — the community-correction roster from the district justice bureau (区司法局): exactly
  `simulator.population.correction_subjects(ctx)`, the same people S3 carries as key persons (subjects enrolled after
  the extraction instant are not there yet).
- `driving_licence_status` — licence-status history from the traffic police (龙华交警大队): one row per status interval
  (正常/暂扣/吊销/注销/超分/逾期), `valid_from` inclusive, `valid_to` exclusive (null = still current). The licence
  number is the holder's citizen ID, as on Chinese licences.
- `traffic_violation` — violations captured by traffic-enforcement cameras in Longhua (driver ID once identified, plate
  like 粤B·D12345, time, GB/T 28181 device ID and place, violation code, points, fine, processing status).
- `supervision_model` — the registry of the 12 models (抽必中, 护企, 失驾 …; 2 listed on the national platform).

The 失驾 ground truth: a clue is a violation whose driver is a correction subject, whose date lies inside the subject's
correction period (start and end inclusive) and inside a licence-status interval that is not 正常. Background data
never matches by accident (matches are removed), then a KNOWN set of true cases is planted together with near-misses
that must not match (just before the start / just after the end of the period, outside the invalid interval, an
ordinary driver with an invalid licence, a subject with a valid licence). Planted rows are clean and lie ≥ 2 days
from every boundary, so inclusive and exclusive readings of the dates agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import sqlalchemy as sa

from simulator.context import SimContext
from simulator.people import citizen_ids, corrupt_id, names
from simulator.population import correction_subjects
from simulator.systems.zhengfa_common import (
    KIND,
    METADATA,
    YEAR_START,
    anomaly_kinds,
    days_since_epoch,
    duplicates,
    hours_of_day,
    obj,
    to_datetime,
    weekday_weights,
)

ORDINARY_DRIVERS_2024 = 60_000  # licence holders in the violation data besides the correction subjects (illustrative)
VIOLATIONS_2024 = 240_000  # camera-captured violations in Longhua with an identified driver (illustrative)
SHIJIA_TRUE_2024 = 12  # seed: the 失驾 model led to 12 administrative detentions
NEAR_MISSES_PER_KIND_2024 = 3
SUBJECT_LICENCE_SHARE = 0.7  # correction subjects holding a licence (drink/traffic crimes: all)
DRIVING_CRIMES = ("危险驾驶罪", "交通肇事罪")
INVALID = ("暂扣", "吊销", "注销", "超分", "逾期")
TEMPORARY = ("暂扣", "超分", "逾期")  # these usually return to 正常
EVENT_P = {"暂扣": 0.35, "超分": 0.25, "逾期": 0.20, "吊销": 0.12, "注销": 0.08}
REASONS = {
    "暂扣": ["饮酒后驾驶机动车，暂扣机动车驾驶证六个月", "驾驶证被依法扣留", "涉嫌交通违法，依法扣留驾驶证"],
    "超分": ["一个记分周期内累积记分达到12分", "记分满分，待参加学习考试"],
    "逾期": ["驾驶证逾期未换证", "驾驶证逾期未审验", "逾期未提交身体条件证明"],
    "吊销": ["醉酒驾驶机动车，吊销机动车驾驶证", "发生重大交通事故构成犯罪，吊销机动车驾驶证",
           "饮酒后驾驶营运机动车，吊销驾驶证"],
    "注销": ["本人申请注销", "身体条件不适合驾驶机动车", "超过有效期一年以上未换证，注销"],
}
LICENCE_CLASSES = (["C1", "C2", "B2", "A1", "A2", "D"], [0.72, 0.14, 0.07, 0.02, 0.02, 0.03])
# illustrative violation codes (GA 408.1 style) with points and fines (yuan)
VIOLATION_TYPES = [
    ("1625", "驾驶机动车违反道路交通信号灯通行", 6, 200, 0.18),
    ("1352", "驾驶中型以上载客载货汽车、危险物品运输车辆以外的其他机动车行驶超过规定时速未达20%的", 1, 200, 0.17),
    ("1208", "不按导向车道行驶", 2, 100, 0.14),
    ("1357", "驾驶机动车行经人行横道不按规定减速、停车、避让行人", 3, 200, 0.10),
    ("1345", "机动车违反禁止标线指示", 3, 200, 0.12),
    ("1344", "机动车违反禁令标志指示", 3, 200, 0.09),
    ("1223", "驾驶机动车时拨打接听手持电话", 3, 200, 0.06),
    ("6011", "驾驶人未按规定使用安全带", 1, 50, 0.05),
    ("1039", "机动车违反规定停放、临时停车，驾驶人不在现场", 0, 200, 0.07),
    ("1301", "机动车逆向行驶", 3, 200, 0.02),
]
ROADS_NS = ["梅龙大道", "民治大道", "龙华大道", "东环二路", "观澜大道", "五和大道", "布龙路", "大浪南路", "新区大道",
            "环观南路", "福龙路", "华荣路", "腾龙路", "观光路"]
ROADS_EW = ["人民路", "和平路", "工业东路", "建设东路", "民塘路", "留仙大道", "清湖路", "致远中路", "中梅路", "华旺路",
            "浪荣路", "平安路", "环城北路", "布龙公路"]
MODELS = [  # (name, domain, what it finds, listed nationally)
    ("抽必中", "行政检察", "双随机抽查中“必中”企业的选择性执法线索", True),
    ("护企", "刑事检察", "涉企刑事案件中违法查封、扣押、冻结企业财产线索", True),
    ("失驾", "刑事执行检察", "社区矫正对象在矫正期内驾驶证无效仍驾驶机动车线索", False),
    ("社区矫正脱管漏管", "刑事执行检察", "社区矫正对象未按期报到、脱离监管线索", False),
    ("恶意欠薪", "刑事检察", "拒不支付劳动报酬涉嫌犯罪线索", False),
    ("虚假诉讼", "民事检察", "同一原告批量起诉、调解结案的虚假诉讼线索", False),
    ("职业放贷", "民事检察", "民间借贷案件中职业放贷人线索", False),
    ("医保骗保", "公益诉讼检察", "医疗机构虚构诊疗骗取医保基金线索", False),
    ("刑事裁判涉财产执行", "刑事执行检察", "财产刑未执行或执行不到位线索", False),
    ("行政非诉执行", "行政检察", "行政处罚决定未申请强制执行线索", False),
    ("残疾人补贴冒领", "公益诉讼检察", "已死亡人员仍领取残疾人补贴线索", False),
    ("未成年人强制报告", "未成年人检察", "涉未成年人案件未履行强制报告义务线索", False),
]

correction_subject_table = sa.Table(
    "correction_subject", METADATA,
    sa.Column("subject_id", sa.String(12), primary_key=True),
    sa.Column("id_number", sa.String(18), nullable=False, comment="敏感个人信息：公民身份号码"),
    sa.Column("name", sa.String(32), nullable=False, comment="敏感个人信息：姓名"),
    sa.Column("phone", sa.String(20), comment="敏感个人信息：手机号码"),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("execution_type", sa.String(16), nullable=False),
    sa.Column("crime", sa.String(32)),
    sa.Column("sentence_months", sa.Integer),
    sa.Column("correction_start", sa.Date, nullable=False),
    sa.Column("correction_end", sa.Date, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="社区矫正对象名册（区司法局推送）— restricted: personal data",
)
licence_table = sa.Table(
    "driving_licence_status", METADATA,
    sa.Column("record_id", sa.String(16), primary_key=True),
    sa.Column("id_number", sa.String(18), comment="敏感个人信息：驾驶证号（公民身份号码）"),
    sa.Column("name", sa.String(32), comment="敏感个人信息：姓名"),
    sa.Column("licence_class", sa.String(4)),
    sa.Column("status", sa.String(4), comment="正常/暂扣/吊销/注销/超分/逾期"),
    sa.Column("valid_from", sa.Date, nullable=False, comment="inclusive"),
    sa.Column("valid_to", sa.Date, comment="exclusive; null = current"),
    sa.Column("reason", sa.String(64)),
    sa.Column("issuing_authority", sa.String(32)),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="驾驶证状态历史（交警推送）— restricted: personal data",
)
violation_table = sa.Table(
    "traffic_violation", METADATA,
    sa.Column("violation_id", sa.String(24), primary_key=True),
    sa.Column("driver_id_number", sa.String(18), comment="敏感个人信息：驾驶人身份证号"),
    sa.Column("driver_name", sa.String(32), comment="敏感个人信息：驾驶人姓名"),
    sa.Column("plate_no", sa.String(12)),
    sa.Column("violation_at", sa.DateTime, nullable=False),
    sa.Column("device_id", sa.String(20), comment="GB/T 28181 设备编码"),
    sa.Column("place", sa.String(64)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("violation_code", sa.String(8)),
    sa.Column("violation_desc", sa.String(96)),
    sa.Column("points", sa.Integer),
    sa.Column("fine_yuan", sa.Integer),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("processed_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="交通违法记录（电子警察抓拍，驾驶人已确认）— restricted: personal data",
)
model_table = sa.Table(
    "supervision_model", METADATA,
    sa.Column("model_id", sa.String(8), primary_key=True),
    sa.Column("model_name", sa.String(32), nullable=False),
    sa.Column("domain", sa.String(16), nullable=False),
    sa.Column("description", sa.String(128)),
    sa.Column("built_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("national_listed", sa.Boolean, nullable=False),
    sa.Column("listed_on", sa.Date),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    comment="大数据法律监督模型登记表",
)


@dataclass
class Drivers:
    """Everyone who may appear in the licence and violation data: correction subjects first, then ordinary drivers."""

    id_number: np.ndarray
    name: np.ndarray
    plate: np.ndarray
    licence_class: np.ndarray
    subject_row: np.ndarray  # index into the roster, -1 for ordinary drivers
    holder: np.ndarray  # holds a licence in the background data
    n_subjects: int = field(default=0)


def _plates(rng: np.random.Generator, n: int) -> np.ndarray:
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))  # no I or O on Chinese plates
    digits = rng.integers(0, 100_000, n)
    style = rng.choice(4, n, p=[0.45, 0.25, 0.22, 0.08])
    lead = letters[rng.integers(0, len(letters), n)]
    lead2 = letters[rng.integers(0, len(letters), n)]
    city = rng.choice(["粤B", "粤S", "粤L", "湘A", "赣B"], n, p=[0.9, 0.04, 0.02, 0.02, 0.02])
    out = []
    for c, s, d, a, b in zip(city, style, digits, lead, lead2, strict=True):
        tail = [f"{a}{d % 10000:04d}", f"{d:05d}", f"{a}{b}{d % 1000:03d}", f"{'DF'[d % 2]}{d:05d}"][s]
        out.append(f"{c}·{tail}")
    return np.array(out, dtype=object)


def _drivers(ctx: SimContext, roster: pl.DataFrame) -> Drivers:
    rng = ctx.rng("zhengfa.drivers")
    n_sub = roster.height
    n_ord = ctx.scaled(ORDINARY_DRIVERS_2024, minimum=200)
    ids = np.array(citizen_ids(rng, n_ord, 1958, 2005), dtype=object)
    # an ordinary driver must not share a citizen ID with a subject (or another driver): different people
    seen = set(roster["id_number"].to_list())
    keep = np.zeros(n_ord, dtype=bool)
    for i, v in enumerate(ids):
        if v not in seen:
            seen.add(v)
            keep[i] = True
    ids = ids[keep]
    n_ord = len(ids)
    crime = roster["crime"].to_numpy()
    holder_sub = np.isin(crime, DRIVING_CRIMES) | (rng.random(n_sub) < SUBJECT_LICENCE_SHARE)
    n = n_sub + n_ord
    return Drivers(
        id_number=np.concatenate([roster["id_number"].to_numpy().astype(object), ids]),
        name=np.concatenate([roster["name"].to_numpy().astype(object), np.array(names(rng, n_ord), dtype=object)]),
        plate=_plates(rng, n),
        licence_class=rng.choice(LICENCE_CLASSES[0], n, p=LICENCE_CLASSES[1]).astype(object),
        subject_row=np.concatenate([np.arange(n_sub), np.full(n_ord, -1)]),
        holder=np.concatenate([holder_sub, np.ones(n_ord, dtype=bool)]),
        n_subjects=n_sub,
    )


def _history(rng: np.random.Generator, who: np.ndarray, issued: np.ndarray, status: np.ndarray,
             start: np.ndarray, end: np.ndarray) -> pl.DataFrame:
    """Licence histories: 正常 from issue; where status is set, status over [start, end) (end -1 = open), then 正常.

    Days are relative to 2024-01-01. Rows: who (driver index), status, from_day, to_day (-99999 = open), reason.
    """
    open_ = np.int64(-99999)
    has = status != None  # noqa: E711 (object array)
    back = has & (end != open_)
    parts = [
        (who, np.full(len(who), "正常", dtype=object), issued, np.where(has, start, open_)),
        (who[has], status[has], start[has], end[has]),
        (who[back], np.full(back.sum(), "正常", dtype=object), end[back], np.full(back.sum(), open_)),
    ]
    frames = []
    for w, s, f, t in parts:
        reason = np.array([None] * len(w), dtype=object)
        for st, texts in REASONS.items():
            m = s == st
            reason[m] = np.array(texts, dtype=object)[rng.integers(0, len(texts), m.sum())]
        frames.append(pl.DataFrame({"who": w, "status": obj(s), "from_day": f, "to_day": t, "reason": obj(reason)},
                                   schema={"who": pl.Int64, "status": pl.String, "from_day": pl.Int64,
                                           "to_day": pl.Int64, "reason": pl.String}))
    return pl.concat(frames)


def _background_history(rng: np.random.Generator, d: Drivers, roster: pl.DataFrame, skip: np.ndarray) -> pl.DataFrame:
    who = np.flatnonzero(d.holder & ~skip)
    n = len(who)
    issued = rng.integers(days_since_epoch(date(1995, 1, 1)), days_since_epoch(date(2023, 6, 1)), n)
    event = rng.random(n) < 0.12
    status = np.where(event, rng.choice(list(EVENT_P), n, p=list(EVENT_P.values())), None).astype(object)
    start = rng.integers(-365, 366, n)
    dur = np.select([status == "暂扣", status == "超分", status == "逾期"],
                    [rng.integers(30, 181, n), rng.integers(20, 91, n), rng.integers(30, 301, n)], -1)
    permanent = np.isin(status, ["吊销", "注销"]) | ((status == "逾期") & (rng.random(n) < 0.3))
    end = np.where(permanent | (dur < 0), -99999, start + dur)
    # drink-driving and traffic-accident convicts lose their licence around the judgment, for years
    sub = d.subject_row[who]
    is_sub = sub >= 0
    crime = np.where(is_sub, roster["crime"].to_numpy()[np.maximum(sub, 0)], None)
    cs = np.array([days_since_epoch(x) for x in roster["correction_start"].to_list()], dtype=np.int64)
    driving = is_sub & np.isin(crime.astype(str), DRIVING_CRIMES)
    status = np.where(driving, "吊销", status).astype(object)
    start = np.where(driving, cs[np.maximum(sub, 0)] - rng.integers(20, 150, n), start)
    end = np.where(driving, -99999, end)
    issued = np.minimum(issued, start - 30)
    return _history(rng, who, issued, status, start, end)


@dataclass
class Plant:
    kind: str  # true | before_start | after_end | outside_invalid | valid_licence | ordinary_invalid
    who: int  # driver index
    day: int  # violation day (relative to 2024-01-01)


def _plan(rng: np.random.Generator, ctx: SimContext, d: Drivers, roster: pl.DataFrame) -> list[Plant]:
    """Choose who gets a planted true case or near-miss, and the violation day, ≥ 2 days from every boundary.

    The plan spans the whole year whatever the cut, so an earlier as_of shows a subset of the same planted cases.
    """
    lo, hi = 0, 364
    cs = np.array([days_since_epoch(x) for x in roster["correction_start"].to_list()], dtype=np.int64)
    ce = np.array([days_since_epoch(x) for x in roster["correction_end"].to_list()], dtype=np.int64)
    in_lo, in_hi = np.maximum(cs, lo), np.minimum(ce, hi)
    free = np.ones(roster.height, dtype=bool)
    plan: list[Plant] = []

    def take(kind: str, ok: np.ndarray, n: int, day: object) -> None:
        cand = rng.permutation(np.flatnonzero(ok & free))[:n]
        for i in cand:
            free[i] = False
            plan.append(Plant(kind, int(i), int(day(int(i)))))  # type: ignore[operator]

    n_true = max(3, round(SHIJIA_TRUE_2024 * ctx.scale))
    n_near = max(1, round(NEAR_MISSES_PER_KIND_2024 * ctx.scale))
    take("true", in_hi - in_lo >= 10, n_true, lambda i: rng.integers(in_lo[i] + 3, in_hi[i] - 2))
    take("before_start", (cs - 8 >= lo) & (cs <= hi), n_near, lambda i: cs[i] - rng.integers(2, 6))
    take("after_end", (ce >= lo) & (ce + 8 <= hi), n_near, lambda i: ce[i] + rng.integers(2, 6))
    take("outside_invalid", in_hi - in_lo >= 60, n_near, lambda i: rng.integers(in_lo[i] + 45, in_hi[i] - 2))
    take("valid_licence", in_hi - in_lo >= 10, n_near, lambda i: rng.integers(in_lo[i] + 3, in_hi[i] - 2))
    ordinary = rng.permutation(np.arange(d.n_subjects, len(d.id_number)))[:n_near]
    plan += [Plant("ordinary_invalid", int(i), int(rng.integers(lo + 3, hi - 2))) for i in ordinary]
    if sum(p.kind == "true" for p in plan) < 3:
        raise RuntimeError("too few correction subjects overlap the simulated period to plant 3 失驾 cases")
    return plan


def _planted_history(rng: np.random.Generator, plan: list[Plant], cs: np.ndarray) -> pl.DataFrame:
    """Licence histories for the planted people: invalid around the violation where the kind needs it."""
    who, issued, status, start, end = [], [], [], [], []
    for p in plan:
        who.append(p.who)
        issued.append(int(rng.integers(days_since_epoch(date(2000, 1, 1)), days_since_epoch(date(2020, 1, 1)))))
        if p.kind == "valid_licence":
            status.append(None), start.append(0), end.append(-99999)
        elif p.kind == "outside_invalid":  # 暂扣 that ended days before the violation
            status.append("暂扣"), start.append(p.day - int(rng.integers(40, 90))),
            end.append(p.day - int(rng.integers(3, 10)))
        elif p.kind in ("before_start", "after_end"):  # revoked long before, still revoked
            status.append("吊销"), start.append(min(p.day, int(cs[p.who])) - int(rng.integers(30, 200)))
            end.append(-99999)
        else:  # true case or ordinary driver: invalid over the violation day
            s = str(rng.choice(list(EVENT_P), p=list(EVENT_P.values())))
            status.append(s), start.append(p.day - int(rng.integers(10, 200)))
            end.append(p.day + int(rng.integers(5, 90)) if s in TEMPORARY else -99999)
    issued_a = np.minimum(np.array(issued), np.array(start) - 30)
    return _history(rng, np.array(who, dtype=np.int64), issued_a, np.array(status, dtype=object),
                    np.array(start, dtype=np.int64), np.array(end, dtype=np.int64))


def _devices(rng: np.random.Generator) -> pl.DataFrame:
    pairs = [(a, b) for a in ROADS_NS for b in ROADS_EW]
    pick = rng.permutation(len(pairs))[:160]
    streets = ["440309001", "440309002", "440309003", "440309004", "440309005", "440309006"]
    return pl.DataFrame({
        # GB/T 28181: 440309 + 00, industry 05 (traffic), type 132 (IP camera), network 5 (police net), serial
        "device_id": [f"44030900051325{i:06d}" for i in range(1, len(pick) + 1)],
        "place": [f"{pairs[i][0]}与{pairs[i][1]}交叉口" for i in pick],
        "street_code": [streets[int(s)] for s in rng.integers(0, 6, len(pick))],
    })


VIOL_HOURS = [2, 1, 1, 1, 1, 2, 5, 10, 12, 9, 7, 7, 7, 7, 7, 8, 9, 11, 12, 9, 7, 6, 4, 3]


def _violations(rng: np.random.Generator, who: np.ndarray, day: np.ndarray, devices: pl.DataFrame) -> pl.DataFrame:
    n = len(who)
    t = day * 86400 + hours_of_day(rng, n, VIOL_HOURS) * 3600 + rng.integers(0, 3600, n)
    vt = rng.choice(len(VIOLATION_TYPES), n, p=[v[4] for v in VIOLATION_TYPES])
    dev = rng.integers(0, devices.height, n)
    processed = rng.random(n) < 0.85
    return pl.DataFrame({
        "who": who, "t": t, "device": dev, "vt": vt,
        "processed_s": np.where(processed, t + rng.integers(3, 60, n) * 86400 + rng.integers(0, 86400, n), -1),
    })


def _assemble(d: Drivers, v: pl.DataFrame, devices: pl.DataFrame) -> pl.DataFrame:
    vt = v["vt"].to_numpy()
    who = v["who"].to_numpy()
    dev = v["device"].to_numpy()
    processed_s = v["processed_s"].to_numpy()
    return pl.DataFrame({
        "driver_id_number": obj(d.id_number[who]), "driver_name": obj(d.name[who]), "plate_no": obj(d.plate[who]),
        "violation_at": to_datetime(v["t"].to_numpy()),
        "device_id": devices["device_id"].to_numpy()[dev].tolist(), "place": devices["place"].to_numpy()[dev].tolist(),
        "street_code": devices["street_code"].to_numpy()[dev].tolist(),
        "violation_code": [VIOLATION_TYPES[i][0] for i in vt], "violation_desc": [VIOLATION_TYPES[i][1] for i in vt],
        "points": [VIOLATION_TYPES[i][2] for i in vt], "fine_yuan": [VIOLATION_TYPES[i][3] for i in vt],
        "processed_s": processed_s, "t": v["t"].to_numpy(),
        KIND: v[KIND] if KIND in v.columns else pl.Series(KIND, [None] * v.height, pl.String),
        "_plant": v["_plant"] if "_plant" in v.columns else pl.Series("_plant", [None] * v.height, pl.Int64),
    }, schema_overrides={"driver_id_number": pl.String, "plate_no": pl.String, KIND: pl.String, "_plant": pl.Int64})


def _project_violations(df: pl.DataFrame, cut: int) -> pl.DataFrame:
    processed = (pl.col("processed_s") >= 0) & (pl.col("processed_s") <= cut)
    return df.with_columns(
        pl.when(processed).then(pl.lit("已处理")).otherwise(pl.lit("未处理")).alias("status"),
        pl.when(processed).then(pl.col("processed_s")).alias("processed_s"),
    ).with_columns(
        pl.from_epoch(pl.col("processed_s") + int(YEAR_START.timestamp()), "s").alias("processed_at"),
        # the capture is uploaded minutes later; processing updates the row
        pl.from_epoch(pl.max_horizontal(pl.col("t") + 600, pl.col("processed_s").fill_null(0))
                      + int(YEAR_START.timestamp()), "s").alias("updated_at"),
    )


def shijia_matches(roster: pl.DataFrame, licences: pl.DataFrame, violations: pl.DataFrame) -> pl.DataFrame:
    """The 失驾 rule over the written tables (used to clean the background and to check the planted truth)."""
    v = violations.select("violation_id", "driver_id_number", pl.col("violation_at").dt.date().alias("vday"))
    r = roster.select("subject_id", "id_number", "correction_start", "correction_end")
    lic = licences.filter(pl.col("status").is_not_null() & (pl.col("status") != "正常")).select(
        "id_number", "valid_from", "valid_to", "status")
    return (
        v.join(r, left_on="driver_id_number", right_on="id_number")
        .filter((pl.col("vday") >= pl.col("correction_start")) & (pl.col("vday") <= pl.col("correction_end")))
        .join(lic, left_on="driver_id_number", right_on="id_number")
        .filter((pl.col("vday") >= pl.col("valid_from"))
                & (pl.col("valid_to").is_null() | (pl.col("vday") < pl.col("valid_to"))))
        .select("subject_id", pl.col("driver_id_number").alias("id_number"), "violation_id", "status")
        .unique().sort("violation_id")
    )


def _licence_rows(ctx: SimContext, d: Drivers, hist: pl.DataFrame) -> pl.DataFrame:
    """Plant mess on ordinary drivers' rows and number the records over the whole history, then project on as_of.

    Mess and numbering come before the cut, so an earlier as_of shows the same records (with open intervals).
    """
    rng = ctx.rng("zhengfa.licence_mess")
    who = hist["who"].to_numpy()
    m = ctx.mess
    ordinary = d.subject_row[who] < 0
    cum = np.cumsum([m.invalid_id, m.missing_required, m.late_correction])
    kind = np.where(ordinary, np.searchsorted(cum, rng.random(len(who)), side="right"), 3)
    kinds = np.array(["invalid_id", "missing_required", "late_correction", None], dtype=object)[kind]
    ids = d.id_number[who].copy()
    bad = kind == 0
    ids[bad] = [corrupt_id(x) for x in ids[bad]]
    # a row changes when its interval opens and when it closes; a late correction touches it weeks later
    late = np.where(kind == 2, rng.integers(5, 40, len(who)) * 86400, 0)
    df = hist.with_columns(
        pl.Series("id_number", obj(ids), pl.String), pl.Series("name", obj(d.name[who]), pl.String),
        pl.Series("licence_class", obj(d.licence_class[who]), pl.String),
        pl.Series(KIND, obj(kinds), pl.String),
        pl.Series("_offset", rng.integers(9 * 3600, 17 * 3600, len(who))), pl.Series("_late", late),
    ).with_columns(
        pl.when(pl.col(KIND) == "missing_required").then(None).otherwise(pl.col("status")).alias("status"))
    dup = duplicates(rng, df.filter(pl.col("who") >= d.n_subjects), m.duplicate)
    df = pl.concat([df, dup]).sort("from_day", "who", "to_day", KIND, nulls_last=False)
    df = df.with_columns(pl.Series("record_id", [f"JZ{i:010d}" for i in range(1, df.height + 1)]))

    cut_day = (ctx.as_of.date() - YEAR_START.date()).days
    cut = int((ctx.as_of - YEAR_START).total_seconds())
    df = df.filter(pl.col("from_day") <= cut_day).with_columns(
        pl.when((pl.col("to_day") == -99999) | (pl.col("to_day") > cut_day)).then(None)
        .otherwise(pl.col("to_day")).alias("to_day"))
    base = pl.coalesce("to_day", "from_day") * 86400 + pl.col("_offset")
    changed = pl.when(base + pl.col("_late") <= cut).then(base + pl.col("_late")).otherwise(base)
    return df.with_columns(
        (pl.lit(date(2024, 1, 1)) + pl.duration(days=pl.col("from_day"))).alias("valid_from"),
        (pl.lit(date(2024, 1, 1)) + pl.duration(days=pl.col("to_day"))).alias("valid_to"),
        pl.lit("深圳市公安局交通警察局").alias("issuing_authority"),
        (pl.lit(YEAR_START) + pl.duration(seconds=pl.min_horizontal(changed, pl.lit(cut))))
        .dt.cast_time_unit("us").alias("updated_at"),
    ).drop("from_day", "to_day", "_offset", "_late")


def generate_supervision(ctx: SimContext) -> dict[str, pl.DataFrame]:
    """The four S10 tables as they stand at ctx.as_of, with the 失驾 truth recorded in ctx.truth.planted."""
    roster = correction_subjects(ctx)
    rng = ctx.rng("zhengfa.supervision")
    d = _drivers(ctx, roster)
    cs = np.array([days_since_epoch(x) for x in roster["correction_start"].to_list()], dtype=np.int64)
    plan = _plan(ctx.rng("zhengfa.shijia_plan"), ctx, d, roster)
    planted_who = np.zeros(len(d.id_number), dtype=bool)
    planted_who[[p.who for p in plan]] = True

    hist = pl.concat([_background_history(rng, d, roster, planted_who),
                      _planted_history(ctx.rng("zhengfa.shijia_licence"), plan, cs)])
    licences = _licence_rows(ctx, d, hist)

    # background violations: holders only, skewed (a few drivers collect many), by weekday and hour
    vrng = ctx.rng("zhengfa.violations")
    holders = np.flatnonzero(d.holder & ~planted_who)
    weight = vrng.pareto(2.0, len(holders)) + 0.2
    m = ctx.mess
    kinds = anomaly_kinds(vrng, ctx.scaled(VIOLATIONS_2024), {"invalid_id": m.invalid_id,
                                                               "missing_required": m.missing_required,
                                                               "future_timestamp": m.future_timestamp})
    n = len(kinds)
    who = holders[vrng.choice(len(holders), n, p=weight / weight.sum())]
    day = vrng.choice(366, n, p=weekday_weights(366, 0.8))
    devices = _devices(ctx.rng("zhengfa.devices"))
    cut = int((ctx.as_of - YEAR_START).total_seconds())
    # the whole year is drawn, messed up and duplicated whatever the cut: a later as_of sees the same captures
    bg = _violations(vrng, who, day, devices).with_columns(pl.Series(KIND, obj(kinds), pl.String))
    viol = _assemble(d, bg, devices)
    bad_id = viol[KIND].eq("invalid_id").fill_null(False).to_numpy()
    ids = viol["driver_id_number"].to_numpy().copy()
    ids[bad_id] = [corrupt_id(x) for x in ids[bad_id]]
    viol = viol.with_columns(
        pl.Series("driver_id_number", obj(ids), pl.String),
        pl.when(pl.col(KIND) == "missing_required").then(None).otherwise(pl.col("plate_no")).alias("plate_no"),
    )
    viol = pl.concat([viol, duplicates(vrng, viol, m.duplicate)]).filter(pl.col("t") <= cut)
    future = pl.col(KIND) == "future_timestamp"  # a device clock set a year ahead
    viol = viol.with_columns(
        pl.when(future).then(pl.col("violation_at") + pl.duration(days=366)).otherwise(pl.col("violation_at"))
        .alias("violation_at"),
        pl.when(future).then(-1).otherwise(pl.col("processed_s")).alias("processed_s"))

    # the planted violations (clean), then all rows in time order with their IDs
    prng = ctx.rng("zhengfa.shijia_violations")
    pv = _violations(prng, np.array([p.who for p in plan], dtype=np.int64), np.array([p.day for p in plan]), devices)
    pv = pv.with_columns(pl.Series("_plant", list(range(len(plan))), pl.Int64))
    planted = _assemble(d, pv, devices).filter(pl.col("t") <= cut)
    viol = _project_violations(pl.concat([viol, planted]), cut).sort(
        "t", "driver_id_number", "device_id", "violation_code", "_plant", KIND, nulls_last=True, maintain_order=True)
    day_str = pl.col("violation_at").dt.strftime("%Y%m%d")
    viol = viol.with_columns(
        ("4403" + day_str + pl.int_range(pl.len()).over(day_str).add(1).cast(pl.String).str.zfill(7))
        .alias("violation_id"))

    roster_rows = roster.filter(pl.col("correction_start") <= ctx.as_of.date()).with_columns(
        pl.col("correction_start").cast(pl.Datetime("us")).dt.offset_by("9h").alias("updated_at"))
    # the background must not hold a 失驾 case by accident: drop those captures
    accidental = shijia_matches(roster_rows, licences, viol.filter(pl.col("_plant").is_null()))
    viol = viol.filter(~pl.col("violation_id").is_in(accidental["violation_id"].implode()))
    _record_truth(ctx, plan, roster, d, viol)
    found = shijia_matches(roster_rows, licences, viol)
    assert found["violation_id"].to_list() == sorted(c["violation_id"] for c in ctx.truth.planted["shijia_cases"])

    models = pl.DataFrame({
        "model_id": [f"JDMX{i:02d}" for i in range(1, len(MODELS) + 1)],
        "model_name": [x[0] for x in MODELS], "domain": [x[1] for x in MODELS], "description": [x[2] for x in MODELS],
        "built_on": [date(2023, 3, 1) + timedelta(days=45 * i) for i in range(len(MODELS))],
        "status": "在用", "national_listed": [x[3] for x in MODELS],
        "listed_on": [date(2024, 5, 20) if x[3] else None for x in MODELS],
        "updated_at": [datetime(2024, 6, 1) + timedelta(days=7 * i) for i in range(len(MODELS))],
    })
    ctx.truth.expected["supervision.models"] = models.height
    ctx.truth.expected["supervision.shijia_clues"] = len(ctx.truth.planted["shijia_cases"])
    ctx.truth.planted["supervision_models_listed_nationally"] = [x[0] for x in MODELS if x[3]]
    ctx.truth.planted["licence_status_semantics"] = "valid_from inclusive, valid_to exclusive (null = current)"
    ctx.truth.planted["correction_period_semantics"] = "correction_start and correction_end inclusive"
    return {
        "correction_subject": roster_rows,
        "driving_licence_status": licences.drop("who"),
        "traffic_violation": viol.drop("who", "t", "device", "vt", "processed_s", "_plant", strict=False),
        "supervision_model": models,
    }


def _record_truth(ctx: SimContext, plan: list[Plant], roster: pl.DataFrame, d: Drivers, viol: pl.DataFrame) -> None:
    vid = dict(viol.filter(pl.col("_plant").is_not_null()).select("_plant", "violation_id").iter_rows())
    cases, near = [], []
    for i, p in enumerate(plan):
        if i not in vid:  # after the cut: not in the data yet
            continue
        sub = int(d.subject_row[p.who])
        row = {"subject_id": roster["subject_id"][sub] if sub >= 0 else None, "id_number": str(d.id_number[p.who]),
               "violation_id": vid[i]}
        if p.kind == "true":
            cases.append(row)
        else:
            near.append({**row, "kind": p.kind})
    ctx.truth.planted["shijia_cases"] = sorted(cases, key=lambda r: r["violation_id"])
    ctx.truth.planted["shijia_near_misses"] = sorted(near, key=lambda r: (r["kind"], r["violation_id"]))
