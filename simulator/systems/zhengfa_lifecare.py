"""S7 — 生命关爱信息系统 (life-care / suicide-prevention system), tables in the zhengfa database.

HIGHLY SENSITIVE. The system holds personal data of people in a suicide crisis (PIPL "sensitive personal information":
health, identity, whereabouts) besides the contact data of its liaisons and counsellors. Every personal column carries
a `敏感` comment; the ingestion must keep these tables in the restricted zone and pseudonymise before staging.

What the district's 3.0 system carries (seed figures at scale 1.0): liaisons from every unit (166), counselling rooms
(84), social-psychological service staff (402), library entries (42: 案例库 / 培训库 / 法规文件库), and the 24-hour
crisis-dispatch records: a hotline call or a referral, the dispatch to a liaison, arrival, intervention, and
follow-up visits (`lifecare_crisis_event`, one row per step). Crisis cases keep changing for weeks (follow-ups), so
`updated_at` moves after creation.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import sqlalchemy as sa

from simulator.context import SimContext, plan_anomalies
from simulator.people import citizen_ids, corrupt_id, mobiles, names
from simulator.systems.zhengfa_common import (
    KIND,
    METADATA,
    Areas,
    anomaly_kinds,
    as_of_seconds,
    duplicates,
    hours_of_day,
    obj,
    sequence_ids,
    to_datetime,
)

LIAISONS_2024 = 166
ROOMS_2024 = 84
COUNSELLORS_2024 = 402
LIBRARY_2024 = {"案例库": 16, "培训库": 14, "法规文件库": 12}  # 42 entries (split illustrative)
CRISIS_CASES_2024 = 1_300  # illustrative: the seed gives no count
LAUNCH = datetime(2023, 9, 10)  # resources registered since the first version (illustrative)

UNIT_TYPES = (["街道办事处", "社区工作站", "派出所", "中小学校", "医院", "区卫生健康局", "区教育局", "企业"],
              [0.10, 0.38, 0.12, 0.18, 0.08, 0.04, 0.04, 0.06])
ROOM_HOSTS = (["社区党群服务中心", "学校", "医院", "企业", "街道综治中心"], [0.45, 0.25, 0.10, 0.12, 0.08])
QUALIFICATIONS = (["国家二级心理咨询师", "国家三级心理咨询师", "心理治疗师", "精神科医师", "社会工作师",
                   "心理健康教育教师"],
                  [0.22, 0.30, 0.08, 0.07, 0.20, 0.13])
SOURCES = (["24小时心理援助热线", "110警情转介", "学校报告", "医院报告", "社区网格发现", "家属求助"],
           [0.42, 0.18, 0.14, 0.08, 0.10, 0.08])
RISK = (["高危", "中危", "低危"], [0.22, 0.46, 0.32])
OUTCOMES = ["危机解除，纳入跟踪", "转介精神专科医院", "转介社区心理咨询室", "送医救治", "家属陪护，持续回访"]
LIBRARY_TITLES = {
    "案例库": ["青少年学业压力危机干预个案", "失业中年男性轻生风险干预个案", "产后抑郁危机干预个案",
             "独居老人心理关爱个案", "网络借贷引发心理危机个案", "家庭矛盾引发轻生倾向个案", "高校学生情感危机个案",
             "外来务工人员心理援助个案"],
    "培训库": ["心理危机识别与评估", "危机现场沟通技巧", "自杀风险评估量表应用", "心理急救（PFA）实务",
             "网格员心理关爱入门",
             "校园心理危机干预流程", "热线接听规范"],
    "法规文件库": ["中华人民共和国精神卫生法", "深圳经济特区心理健康促进条例", "健康中国行动——心理健康促进行动",
               "关于加强心理健康服务的指导意见", "全国社会心理服务体系建设试点工作方案", "龙华区生命关爱工作实施方案"],
}
CRISIS_STEPS = [("来电", 0), ("调度", 1), ("到场", 2), ("干预", 3), ("首次回访", 4), ("二次回访", 5)]

_personal = "敏感个人信息"
liaison_table = sa.Table(
    "lifecare_liaison", METADATA,
    sa.Column("liaison_id", sa.String(12), primary_key=True),
    sa.Column("name", sa.String(32), nullable=False, comment=f"{_personal}：姓名"),
    sa.Column("phone", sa.String(20), comment=f"{_personal}：手机号码"),
    sa.Column("unit_type", sa.String(16), nullable=False),
    sa.Column("unit_name", sa.String(64), nullable=False),
    sa.Column("street_code", sa.String(12)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("registered_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="生命关爱联络员 — restricted",
)
room_table = sa.Table(
    "lifecare_room", METADATA,
    sa.Column("room_id", sa.String(12), primary_key=True),
    sa.Column("room_name", sa.String(64), nullable=False),
    sa.Column("host_type", sa.String(16), nullable=False),
    sa.Column("address", sa.String(128)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("longitude", sa.Double),
    sa.Column("latitude", sa.Double),
    sa.Column("open_hours", sa.String(32)),
    sa.Column("registered_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="心理咨询室",
)
counsellor_table = sa.Table(
    "lifecare_counsellor", METADATA,
    sa.Column("counsellor_id", sa.String(12), primary_key=True),
    sa.Column("name", sa.String(32), nullable=False, comment=f"{_personal}：姓名"),
    sa.Column("id_number", sa.String(18), comment=f"{_personal}：公民身份号码"),
    sa.Column("phone", sa.String(20), comment=f"{_personal}：手机号码"),
    sa.Column("qualification", sa.String(16), nullable=False),
    sa.Column("room_id", sa.String(12)),
    sa.Column("organisation", sa.String(64)),
    sa.Column("registered_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="社会心理服务人员 — restricted",
)
library_table = sa.Table(
    "lifecare_library", METADATA,
    sa.Column("entry_id", sa.String(12), primary_key=True),
    sa.Column("library", sa.String(8), nullable=False, comment="案例库/培训库/法规文件库"),
    sa.Column("title", sa.String(128), nullable=False),
    sa.Column("summary", sa.Text, comment="案例已脱敏"),
    sa.Column("published_on", sa.Date, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="生命关爱知识库（3.0 版新增）",
)
crisis_table = sa.Table(
    "lifecare_crisis_case", METADATA,
    sa.Column("case_id", sa.String(16), primary_key=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("reported_at", sa.DateTime, nullable=False),
    sa.Column("caller_name", sa.String(32), comment=f"{_personal}：来电人姓名"),
    sa.Column("caller_phone", sa.String(20), comment=f"{_personal}：来电号码"),
    sa.Column("subject_name", sa.String(32), comment=f"{_personal}：当事人姓名（健康与行踪信息）"),
    sa.Column("subject_id_number", sa.String(18), comment=f"{_personal}：当事人身份证号"),
    sa.Column("subject_age", sa.Integer),
    sa.Column("subject_gender", sa.String(2)),
    sa.Column("risk_level", sa.String(4), comment=f"{_personal}：心理危机风险等级（健康信息）"),
    sa.Column("street_code", sa.String(12)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("liaison_id", sa.String(12)),
    sa.Column("counsellor_id", sa.String(12)),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("outcome", sa.String(32)),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="24小时轻生防控调度记录 — HIGHLY SENSITIVE (restricted zone only)",
)
crisis_event_table = sa.Table(
    "lifecare_crisis_event", METADATA,
    sa.Column("event_id", sa.String(24), primary_key=True),
    sa.Column("case_id", sa.String(16), nullable=False),
    sa.Column("step", sa.String(8), nullable=False),
    sa.Column("step_at", sa.DateTime, nullable=False),
    sa.Column("handler", sa.String(32), comment=f"{_personal}：处置人员"),
    sa.Column("note", sa.String(128), comment=f"{_personal}：处置记录（可能含健康信息）"),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="调度处置流程 — HIGHLY SENSITIVE",
)


def _registered(rng: np.random.Generator, n: int, as_of: datetime) -> np.ndarray:
    """Registration instants between the launch and as_of (people keep being added)."""
    span = max(1, int((min(as_of, datetime(2024, 12, 20)) - LAUNCH).total_seconds()))
    secs = np.sort(rng.integers(0, span, n))
    return (np.datetime64(LAUNCH, "s") + secs.astype("timedelta64[s]")).astype("datetime64[us]")


def _resources(ctx: SimContext, areas: Areas) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("zhengfa.lifecare_resources")
    n_l, n_r, n_c = ctx.scaled(LIAISONS_2024), ctx.scaled(ROOMS_2024), ctx.scaled(COUNSELLORS_2024)
    g = areas.sample(rng, n_l)
    unit = rng.choice(UNIT_TYPES[0], n_l, p=UNIT_TYPES[1])
    unit_name = [_unit_name(u, s, c, int(k)) for s, c, u, k in
                 zip(areas.street_name[g], areas.community_name[g], unit, rng.integers(0, 4, n_l), strict=True)]
    reg = _registered(rng, n_l, ctx.as_of)
    liaisons = pl.DataFrame({
        "liaison_id": sequence_ids("SMLL", n_l, 5), "name": names(rng, n_l), "phone": mobiles(rng, n_l),
        "unit_type": unit.tolist(), "unit_name": unit_name, "street_code": obj(areas.street_code[g]),
        "community_code": obj(areas.community_code[g]), "registered_at": reg, "updated_at": reg,
    })
    g = areas.sample(rng, n_r)
    host = rng.choice(ROOM_HOSTS[0], n_r, p=ROOM_HOSTS[1])
    reg = _registered(rng, n_r, ctx.as_of)
    rooms = pl.DataFrame({
        "room_id": sequence_ids("XLZX", n_r, 4),
        "room_name": [f"{c}社区心理咨询室" if h == "社区党群服务中心" else f"{s}{h}心理咨询室"
                      for s, c, h in zip(areas.street_name[g], areas.community_name[g], host, strict=True)],
        "host_type": host.tolist(),
        "address": [f"深圳市龙华区{s}街道{c}社区{n}号" for s, c, n in
                    zip(areas.street_name[g], areas.community_name[g], rng.integers(1, 300, n_r), strict=True)],
        "street_code": obj(areas.street_code[g]), "community_code": obj(areas.community_code[g]),
        "longitude": np.round(areas.longitude[g] + rng.normal(0, 0.002, n_r), 6),
        "latitude": np.round(areas.latitude[g] + rng.normal(0, 0.002, n_r), 6),
        "open_hours": rng.choice(["周一至周五 9:00-17:30", "周二至周六 9:00-18:00", "预约制"], n_r).tolist(),
        "registered_at": reg, "updated_at": reg,
    })
    kinds = plan_anomalies(rng, n_c, ["invalid_id"], ctx.mess)  # the seed's count is the clean one
    n_c = kinds.size
    room = np.where(rng.random(n_c) < 0.6, rng.integers(0, n_r, n_c), -1)
    reg = _registered(rng, n_c, ctx.as_of)
    ids = np.array(citizen_ids(rng, n_c, 1965, 1999), dtype=object)
    ids = np.array([corrupt_id(x) if k else x for x, k in zip(ids, kinds, strict=True)], dtype=object)
    counsellors = pl.DataFrame({
        "counsellor_id": sequence_ids("XLFW", n_c, 5), "name": names(rng, n_c), "id_number": obj(ids),
        "phone": mobiles(rng, n_c), "qualification": rng.choice(QUALIFICATIONS[0], n_c, p=QUALIFICATIONS[1]).tolist(),
        "room_id": [f"XLZX{r + 1:04d}" if r >= 0 else None for r in room],
        "organisation": rng.choice(["龙华区社会心理服务指导中心", "深圳市康宁医院", "龙华区人民医院", "社工服务机构",
                                    "学校心理辅导室", "街道综治中心"], n_c).tolist(),
        "registered_at": reg, "updated_at": reg, KIND: obj(kinds),
    }, schema_overrides={"room_id": pl.String, KIND: pl.String})
    entries = [(lib, i) for lib, k in LIBRARY_2024.items() for i in range(k)]
    n_e = ctx.scaled(sum(LIBRARY_2024.values()))
    pick = [entries[i] for i in np.sort(rng.choice(len(entries), min(n_e, len(entries)), replace=False))]
    pub = [date(2024, 3, 1) + timedelta(days=int(d)) for d in rng.integers(0, 240, len(pick))]
    library = pl.DataFrame({
        "entry_id": sequence_ids("ZSK", len(pick), 4),
        "library": [lib for lib, _ in pick],
        "title": [_title(lib, i) for lib, i in pick],
        "summary": [f"{_title(lib, i)}（{lib}，已脱敏，仅限授权人员查阅）" for lib, i in pick],
        "published_on": pub,
        "updated_at": [datetime(p.year, p.month, p.day, 10) for p in pub],
    }).filter(pl.col("published_on") <= ctx.as_of.date())
    return {"lifecare_liaison": liaisons.filter(pl.col("registered_at") <= ctx.as_of),
            "lifecare_room": rooms.filter(pl.col("registered_at") <= ctx.as_of),
            "lifecare_counsellor": counsellors.filter(pl.col("registered_at") <= ctx.as_of),
            "lifecare_library": library}


def _unit_name(unit: str, street: str, community: str, k: int) -> str:
    return {
        "街道办事处": f"深圳市龙华区人民政府{street}街道办事处",
        "社区工作站": f"{street}街道{community}社区工作站",
        "派出所": f"深圳市公安局龙华分局{street}派出所",
        "中小学校": f"深圳市龙华区{community}{['小学', '中学', '实验学校', '外国语学校'][k]}",
        "医院": ["深圳市龙华区人民医院", "深圳市龙华区中心医院", f"龙华区{street}社区健康服务中心",
               "深圳市康宁医院龙华院区"][k],
        "区卫生健康局": "深圳市龙华区卫生健康局",
        "区教育局": "深圳市龙华区教育局",
        "企业": ["富士康科技集团龙华园区", "美的集团深圳分部", "龙华区某物流企业", "龙华区某制造企业"][k],
    }[unit]


def _title(lib: str, i: int) -> str:
    titles = LIBRARY_TITLES[lib]
    base = titles[i % len(titles)]
    return base if i < len(titles) else f"{base}（{'续编' if lib != '法规文件库' else '解读'}{i // len(titles)}）"


def _crisis(ctx: SimContext, areas: Areas, liaisons: pl.DataFrame,
            counsellors: pl.DataFrame) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("zhengfa.lifecare_crisis")
    m = ctx.mess
    kinds = anomaly_kinds(rng, ctx.scaled(CRISIS_CASES_2024), {"invalid_id": m.invalid_id,
                                                                 "missing_required": m.missing_required,
                                                                 "late_correction": m.late_correction})
    n = len(kinds)
    # crises peak at night and in exam/holiday seasons; the hotline never closes
    day = rng.integers(0, 366, n)
    night = [6, 6, 5, 4, 3, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 5, 6, 7, 7, 7]
    t = day * 86400 + hours_of_day(rng, n, night) * 3600
    t = t + rng.integers(0, 3600, n)
    g = areas.sample(rng, n)
    ids = np.array(citizen_ids(rng, n, 1950, 2012), dtype=object)
    age = 2024 - np.array([int(x[6:10]) for x in ids])
    gender = np.where(np.array([int(x[16]) for x in ids]) % 2 == 1, "男", "女")
    risk = rng.choice(RISK[0], n, p=RISK[1])
    fast = np.where(risk == "高危", 1, 3)
    # step offsets in seconds: dispatch within minutes, arrival within the hour, follow-ups days and weeks later
    offsets = np.stack([
        np.zeros(n, dtype=np.int64), rng.integers(60, 600, n) * fast, rng.integers(900, 3600, n) * fast,
        rng.integers(3600, 4 * 3600, n), rng.integers(2, 8, n) * 86400, rng.integers(20, 40, n) * 86400,
    ], axis=1).cumsum(axis=1) + t[:, None]
    case_ids = np.array([f"SMGA2024{i:06d}" for i in range(1, n + 1)], dtype=object)  # renumbered by time below
    liaison = liaisons["liaison_id"].to_numpy()[rng.integers(0, max(1, liaisons.height), n)] \
        if liaisons.height else np.full(n, None, dtype=object)
    counsellor = counsellors["counsellor_id"].to_numpy()[rng.integers(0, max(1, counsellors.height), n)] \
        if counsellors.height else np.full(n, None, dtype=object)
    order = np.argsort(t, kind="stable")
    cases = pl.DataFrame({
        "case_id": obj(case_ids), "source": rng.choice(SOURCES[0], n, p=SOURCES[1]).tolist(), "t": t,
        "caller_name": names(rng, n), "caller_phone": mobiles(rng, n), "subject_name": names(rng, n),
        "subject_id_number": obj(np.array([corrupt_id(x) if k == "invalid_id" else x for x, k in
                                           zip(ids, kinds, strict=True)], dtype=object)),
        "subject_age": age, "subject_gender": gender.tolist(),
        "risk_level": np.where(kinds == "missing_required", None, risk).tolist(),
        "street_code": obj(areas.street_code[g]), "community_code": obj(areas.community_code[g]),
        "grid_code": obj(areas.grid_code[g]), "liaison_id": obj(liaison), "counsellor_id": obj(counsellor),
        "outcome": rng.choice(OUTCOMES, n).tolist(), KIND: obj(kinds),
    }, schema_overrides={"risk_level": pl.String, KIND: pl.String})[order]
    offsets = offsets[order]
    # case IDs follow the report time, as the hotline's numbering does
    cases = cases.with_columns(pl.Series("case_id", [f"SMGA2024{i:06d}" for i in range(1, n + 1)]))
    cut = as_of_seconds(ctx)
    steps = pl.concat([
        pl.DataFrame({"case_id": cases["case_id"], "step": name, "s": offsets[:, k],
                      "handler": cases["liaison_id"] if k in (1, 2) else cases["counsellor_id"] if k else "热线坐席"})
        for name, k in CRISIS_STEPS
    ]).filter(pl.col("s") <= cut)
    last = steps.group_by("case_id").agg(pl.col("s").max().alias("last_s"), pl.len().alias("n_steps"))
    cases = cases.filter(pl.col("t") <= cut).join(last, on="case_id", how="left")
    cases = cases.with_columns(
        pl.when(pl.col("n_steps") >= len(CRISIS_STEPS)).then(pl.lit("已结案"))
        .when(pl.col("n_steps") >= 4).then(pl.lit("跟踪回访")).otherwise(pl.lit("处置中")).alias("status"),
        pl.when(pl.col("n_steps") >= 4).then(pl.col("outcome")).alias("outcome"),
    )
    # a late correction rewrites the case (risk level re-assessed) ten days after its last step
    cases = cases.with_columns(
        pl.when((pl.col(KIND) == "late_correction") & (pl.col("last_s") + 10 * 86400 <= cut))
        .then(pl.col("last_s") + 10 * 86400).otherwise(pl.col("last_s")).alias("last_s"),
    ).with_columns(
        pl.Series("reported_at", to_datetime(cases["t"].to_numpy())),
        pl.Series("updated_at", to_datetime(cases["last_s"].to_numpy())),
    ).drop("t", "last_s", "n_steps")
    notes = {"来电": "接报求助，初步评估风险", "调度": "调度联络员赶赴现场", "到场": "联络员到场，稳定情绪",
             "干预": "心理咨询师开展危机干预", "首次回访": "电话回访，情绪平稳", "二次回访": "上门回访，纳入长期关爱"}
    events = steps.sort("case_id", "s").with_columns(
        (pl.col("case_id") + "-" + pl.int_range(pl.len()).over("case_id").add(1).cast(pl.String).str.zfill(2))
        .alias("event_id"),
        pl.col("step").replace_strict(notes).alias("note"),
    )
    events = events.with_columns(pl.Series("step_at", to_datetime(events["s"].to_numpy()))).with_columns(
        pl.col("step_at").alias("updated_at")).drop("s")
    dup = duplicates(rng, events.with_columns(pl.lit(None, pl.String).alias(KIND)), m.duplicate)
    dup = dup.with_columns(pl.col("event_id") + "R")  # the dispatch desk re-submitted the step
    events = pl.concat([events.with_columns(pl.lit(None, pl.String).alias(KIND)), dup]).sort("event_id")
    return {"lifecare_crisis_case": cases, "lifecare_crisis_event": events}


def generate_lifecare(ctx: SimContext) -> dict[str, pl.DataFrame]:
    areas = Areas()
    tables = _resources(ctx, areas)
    tables.update(_crisis(ctx, areas, tables["lifecare_liaison"], tables["lifecare_counsellor"]))
    return tables


def lifecare_expected(tables: dict[str, pl.DataFrame]) -> dict[str, float]:
    def clean_height(df: pl.DataFrame) -> int:
        return df.filter(pl.col(KIND).is_null()).height if KIND in df.columns else df.height

    return {"lifecare.liaisons": clean_height(tables["lifecare_liaison"]),
            "lifecare.rooms": clean_height(tables["lifecare_room"]),
            "lifecare.counsellors": clean_height(tables["lifecare_counsellor"]),
            "lifecare.library_entries": clean_height(tables["lifecare_library"])}

