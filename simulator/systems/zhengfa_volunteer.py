"""S8 — 群防群治 volunteers and 平安夜巡 night patrols, tables in the zhengfa database.

The district's volunteer platform (龙华平安志愿者) publishes activities by community and grid; volunteers sign up and
get points (积分) on check-out, 10 points an hour before the platform's rounding of team bonuses. Night patrols
(平安夜巡) are evening rounds led by the community police and grid staff with volunteers; every check-in is a
participation and every hazard found on the round is logged and followed until it is handled (处置).

Seed figures at scale 1.0 (2024): 8,713 activities, 6,990,000 points, 4,576 patrols, 108,698 participations and
17,462 hazards handled. Volumes per street follow the grid layout of simulator/areas.py; patrols are denser on
Friday and Saturday nights and in summer. Volunteer and participant rows carry personal data (names, IDs, phones).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
import sqlalchemy as sa

from simulator.context import SimContext
from simulator.people import citizen_ids, corrupt_id, mobiles, names
from simulator.systems.zhengfa_common import (
    KIND,
    METADATA,
    Areas,
    anomaly_kinds,
    duplicates,
    obj,
    sequence_ids,
    to_datetime,
    valid,
    weekday_weights,
)

ACTIVITIES_2024 = 8_713
POINTS_2024 = 6_990_000
PATROLS_2024 = 4_576
PARTICIPATIONS_2024 = 108_698
HAZARDS_HANDLED_2024 = 17_462
VOLUNTEERS = 36_000  # registered volunteers (illustrative)
SIGNUPS_PER_ACTIVITY = 20  # mean check-ins per activity (illustrative): ~174,000 point records
HAZARDS_UNRESOLVED_SHARE = 0.05  # hazards transferred to a department and not closed by the patrol (extra)
YEAR_SECONDS = 366 * 86400  # 2024 is a leap year

ACTIVITY_TYPES = ["治安巡逻", "反诈宣传", "矛盾纠纷调解", "交通文明劝导", "消防安全检查", "关爱帮扶", "禁毒宣传",
                  "校园护学", "出租屋排查", "平安创建宣传"]
TEAMS = ["平安志愿者服务队", "红袖章巡逻队", "楼栋长队伍", "党员先锋队", "青年志愿者服务队", "巾帼志愿者队",
         "护学岗志愿队"]
ROLES = (["平安志愿者", "网格员", "社区民警", "楼栋长", "保安员", "党员"], [0.48, 0.18, 0.08, 0.10, 0.10, 0.06])
HAZARDS = ["消防通道堵塞", "电动车违规充电", "飞线充电", "出租屋消防设施缺失", "占道经营", "井盖缺失", "路灯损坏",
           "高空坠物隐患", "燃气瓶违规存放", "三小场所违规住人", "围挡破损", "积水内涝点", "治安盲区无照明"]
MONTH_WEIGHT = np.array([0.8, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.2, 1.0, 0.9, 0.9])

volunteer_table = sa.Table(
    "volunteer", METADATA,
    sa.Column("volunteer_id", sa.String(12), primary_key=True),
    sa.Column("name", sa.String(32), nullable=False, comment="敏感个人信息：姓名"),
    sa.Column("id_number", sa.String(18), comment="敏感个人信息：公民身份号码"),
    sa.Column("phone", sa.String(20), comment="敏感个人信息：手机号码"),
    sa.Column("team", sa.String(16)),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("registered_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="平安志愿者名册 — restricted: personal data",
)
activity_table = sa.Table(
    "volunteer_activity", METADATA,
    sa.Column("activity_id", sa.String(16), primary_key=True),
    sa.Column("title", sa.String(96), nullable=False),
    sa.Column("activity_type", sa.String(16), nullable=False),
    sa.Column("organiser", sa.String(64)),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("start_at", sa.DateTime, nullable=False),
    sa.Column("end_at", sa.DateTime, nullable=False),
    sa.Column("quota", sa.Integer),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="志愿活动",
)
points_table = sa.Table(
    "volunteer_points", METADATA,
    sa.Column("record_id", sa.String(16), primary_key=True),
    sa.Column("activity_id", sa.String(16), nullable=False),
    sa.Column("volunteer_id", sa.String(12)),
    sa.Column("hours", sa.Double),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="活动积分发放记录",
)
patrol_table = sa.Table(
    "night_patrol", METADATA,
    sa.Column("patrol_id", sa.String(16), primary_key=True),
    sa.Column("patrol_name", sa.String(64), nullable=False),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("route", sa.String(128)),
    sa.Column("leader_name", sa.String(32), comment="敏感个人信息：带队人姓名"),
    sa.Column("start_at", sa.DateTime, nullable=False),
    sa.Column("end_at", sa.DateTime, nullable=False),
    sa.Column("participant_count", sa.Integer),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="平安夜巡",
)
participation_table = sa.Table(
    "patrol_participation", METADATA,
    sa.Column("participation_id", sa.String(24), primary_key=True),
    sa.Column("patrol_id", sa.String(16), nullable=False),
    sa.Column("volunteer_id", sa.String(12)),
    sa.Column("person_name", sa.String(32), comment="敏感个人信息：姓名"),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("checked_in_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="夜巡签到（参与人次）",
)
hazard_table = sa.Table(
    "patrol_hazard", METADATA,
    sa.Column("hazard_id", sa.String(24), primary_key=True),
    sa.Column("patrol_id", sa.String(16), nullable=False),
    sa.Column("hazard_type", sa.String(16), nullable=False),
    sa.Column("grid_code", sa.String(20)),
    sa.Column("longitude", sa.Double),
    sa.Column("latitude", sa.Double),
    sa.Column("found_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(8), nullable=False, comment="已处置/处置中/已移交"),
    sa.Column("handled_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    comment="夜巡发现隐患及处置",
)


def _days(rng: np.random.Generator, n: int, weekend: float) -> np.ndarray:
    days = np.datetime64("2024-01-01", "D") + np.arange(366)
    month = days.astype("datetime64[M]").astype(int) % 12
    w = weekday_weights(366, weekend) * MONTH_WEIGHT[month]
    return rng.choice(366, n, p=w / w.sum())


def _volunteers(ctx: SimContext, areas: Areas) -> pl.DataFrame:
    rng = ctx.rng("zhengfa.volunteers")
    m = ctx.mess
    kinds = anomaly_kinds(rng, ctx.scaled(VOLUNTEERS, minimum=50),
                          {"invalid_id": m.invalid_id, "missing_required": m.missing_required})
    n = len(kinds)
    g = areas.sample(rng, n)
    ids = np.array(citizen_ids(rng, n, 1950, 2006), dtype=object)
    ids = np.array([corrupt_id(x) if k == "invalid_id" else x for x, k in zip(ids, kinds, strict=True)], dtype=object)
    reg = np.sort(rng.integers(-4 * 365 * 86400, 360 * 86400, n))
    df = pl.DataFrame({
        "name": names(rng, n), "id_number": obj(ids),
        "phone": [None if k == "missing_required" else p for p, k in zip(mobiles(rng, n), kinds, strict=True)],
        "team": rng.choice(TEAMS, n).tolist(), "grid_code": obj(areas.grid_code[g]),
        "community_code": obj(areas.community_code[g]), "street_code": obj(areas.street_code[g]),
        "registered_at": to_datetime(reg), KIND: obj(kinds),
    }, schema_overrides={"phone": pl.String, KIND: pl.String})
    dup = duplicates(rng, df, m.duplicate)  # the same person registered twice, later
    dup = dup.with_columns(pl.col("registered_at") + pl.duration(days=30))
    df = pl.concat([df, dup]).sort("registered_at", "id_number")
    return df.with_columns(pl.Series("volunteer_id", sequence_ids("ZYZ", df.height, 7)),
                           pl.col("registered_at").alias("updated_at"))


def _activities(ctx: SimContext, areas: Areas, volunteers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = ctx.rng("zhengfa.volunteer_activities")
    m = ctx.mess
    kinds = anomaly_kinds(rng, ctx.scaled(ACTIVITIES_2024), {"missing_required": m.missing_required,
                                                               "future_timestamp": m.future_timestamp})
    n = len(kinds)
    g = areas.sample(rng, n)
    day = _days(rng, n, 1.6)  # volunteer activities favour weekends
    hours = rng.choice([2, 2.5, 3, 4], n, p=[0.35, 0.2, 0.3, 0.15])
    start = day * 86400 + rng.integers(8, 20 - 4, n) * 3600 + rng.choice([0, 1800], n)
    start = np.where(kinds == "future_timestamp", start + 366 * 86400, start)  # typed 2025 for 2024
    end = start + (hours * 3600).astype(np.int64)
    published = day * 86400 - rng.integers(1, 10, n) * 86400 + rng.integers(9 * 3600, 18 * 3600, n)
    typ = rng.choice(ACTIVITY_TYPES, n)
    acts = pl.DataFrame({
        "title": [f"{c}社区{t}志愿服务活动" for c, t in zip(areas.community_name[g], typ, strict=True)],
        "activity_type": typ.tolist(),
        "organiser": [f"{s}街道{c}社区工作站" for s, c in zip(areas.street_name[g], areas.community_name[g],
                                                            strict=True)],
        "grid_code": obj(areas.grid_code[g]),
        "community_code": [None if k == "missing_required" else c for c, k in
                           zip(areas.community_code[g], kinds, strict=True)],
        "street_code": obj(areas.street_code[g]),
        "p_s": published, "s_s": start, "e_s": end, "hours": hours,
        "quota": rng.choice([10, 15, 20, 30, 50], n).astype(np.int64), KIND: obj(kinds),
    }, schema_overrides={"community_code": pl.String, KIND: pl.String}).sort("s_s", "p_s")
    acts = acts.with_columns(pl.Series("activity_id", [f"HD2024{i:07d}" for i in range(1, n + 1)]))

    # check-ins and points: clean records share the seed's point total exactly, 10 points per hour on average
    size = rng.poisson(SIGNUPS_PER_ACTIVITY - 3, n) + 3
    act_idx = np.repeat(np.arange(n), size)
    clean_act = acts[KIND].is_null().to_numpy()[act_idx]
    rk = anomaly_kinds(rng, int(clean_act.sum()), {"missing_required": m.missing_required})
    rows = pl.DataFrame({"a": act_idx[clean_act]}).vstack(pl.DataFrame({"a": act_idx[~clean_act]}))
    kinds_r = np.concatenate([np.full(int(clean_act.sum()), None, dtype=object),
                              np.full(int((~clean_act).sum()), "on_anomalous_activity", dtype=object)])
    # missing_required records are extra: copy random clean records and blank their volunteer
    extra = rk[rk != None]  # noqa: E711
    a = np.concatenate([rows["a"].to_numpy(), rng.choice(act_idx, len(extra))])
    kinds_r = np.concatenate([kinds_r, extra])
    hrs = acts["hours"].to_numpy()[a]
    pts = (hrs * 10).astype(np.int64)
    clean_rows = kinds_r == None  # noqa: E711
    units = ctx.scaled(POINTS_2024) // 10
    w = hrs[clean_rows] / hrs[clean_rows].sum()
    pts[clean_rows] = rng.multinomial(units, w) * 10
    pts[clean_rows] += np.bincount([int(rng.integers(0, clean_rows.sum()))], minlength=int(clean_rows.sum())) * (
        ctx.scaled(POINTS_2024) - units * 10)
    vol = volunteers["volunteer_id"].to_numpy()[rng.integers(0, volunteers.height, len(a))]
    issued = _distinct_seconds(a, vol, acts["e_s"].to_numpy()[a] + rng.integers(60, 1200, len(a)))
    points = pl.DataFrame({
        "activity_id": acts["activity_id"].to_numpy()[a].tolist(),
        "volunteer_id": [None if k == "missing_required" else v for v, k in zip(vol, kinds_r, strict=True)],
        "hours": hrs, "points": pts, "i_s": issued,
        KIND: [k if k in ("missing_required",) else None for k in kinds_r],
        "_on_bad": kinds_r == "on_anomalous_activity",
    }, schema_overrides={"volunteer_id": pl.String, KIND: pl.String}).sort("i_s", "activity_id")
    points = pl.concat([points, duplicates(rng, points, m.duplicate)]).sort("i_s", "activity_id", KIND,
                                                                            nulls_last=False)
    points = points.with_columns(pl.Series("record_id", [f"JF{i:010d}" for i in range(1, points.height + 1)]))
    return acts, points


def _distinct_seconds(activity: np.ndarray, volunteer: np.ndarray, issued: np.ndarray) -> np.ndarray:
    """ISSUED, with each later one of a volunteer's records at one activity in one second moved on by a second: two
    such records read as one sent twice, and the quality rule keeps one (at scale 3 one pair drew it, and the
    published points fell 20 short of the truth). Draws nothing: where no pair collides, the data is as before."""
    while True:
        frame = pl.DataFrame({"a": activity, "v": volunteer, "i": issued})
        later = frame.select(pl.int_range(pl.len()).over("a", "v", "i")).to_series().to_numpy()
        if not later.any():
            return issued
        issued = issued + later


def _patrols(ctx: SimContext, areas: Areas, volunteers: pl.DataFrame) -> dict[str, pl.DataFrame]:
    rng = ctx.rng("zhengfa.night_patrols")
    m = ctx.mess
    kinds = anomaly_kinds(rng, ctx.scaled(PATROLS_2024), {"missing_required": m.missing_required,
                                                            "late_correction": m.late_correction})
    n = len(kinds)
    g = areas.sample(rng, n)
    day = _days(rng, n, 1.8)  # Friday and Saturday nights
    start = day * 86400 + rng.choice([20, 20, 21, 21, 22], n) * 3600 + rng.choice([0, 1800], n)
    end = start + rng.integers(2 * 3600, 3 * 3600 + 1, n)
    patrols = pl.DataFrame({
        "patrol_name": [f"{s}街道{c}社区平安夜巡" for s, c in zip(areas.street_name[g], areas.community_name[g],
                                                                 strict=True)],
        "grid_code": [None if k == "missing_required" else x for x, k in zip(areas.grid_code[g], kinds, strict=True)],
        "community_code": obj(areas.community_code[g]), "street_code": obj(areas.street_code[g]),
        "route": [f"{c}社区党群服务中心—城中村主巷道—出租屋集中区—{c}公园" for c in areas.community_name[g]],
        "leader_name": names(rng, n), "s_s": start, "e_s": end, "g": g, KIND: obj(kinds),
    }, schema_overrides={"grid_code": pl.String, KIND: pl.String}).sort("s_s", "community_code")
    patrols = patrols.with_columns(pl.Series("patrol_id", [f"YX2024{i:06d}" for i in range(1, n + 1)]))

    # participations: every clean patrol has at least 8 people; the clean total is the seed's
    clean_p = patrols.select(valid())[:, 0].to_numpy()
    total = ctx.scaled(PARTICIPATIONS_2024)
    base = min(8, total // max(1, clean_p.sum()))
    per = np.zeros(n, dtype=np.int64)
    w = rng.gamma(4.0, 1.0, clean_p.sum())
    per[clean_p] = base + rng.multinomial(total - base * clean_p.sum(), w / w.sum())
    per[~clean_p] = rng.integers(8, 40, (~clean_p).sum())
    p_idx = np.repeat(np.arange(n), per)
    role = rng.choice(ROLES[0], len(p_idx), p=ROLES[1])
    is_vol = role == "平安志愿者"
    vol = np.where(is_vol, volunteers["volunteer_id"].to_numpy()[rng.integers(0, volunteers.height, len(p_idx))],
                   None)
    checkin = patrols["s_s"].to_numpy()[p_idx] - rng.integers(0, 1200, len(p_idx))
    parts = pl.DataFrame({
        "patrol_id": patrols["patrol_id"].to_numpy()[p_idx].tolist(), "volunteer_id": obj(vol),
        "person_name": names(rng, len(p_idx)), "role": role.tolist(), "c_s": checkin,
        KIND: pl.Series([None] * len(p_idx), dtype=pl.String),
        "_on_bad": ~clean_p[p_idx],
    }, schema_overrides={"volunteer_id": pl.String})
    parts = pl.concat([parts, duplicates(rng, parts, m.duplicate)]).sort("patrol_id", "c_s", KIND, nulls_last=False)
    parts = parts.with_columns(
        (pl.col("patrol_id") + "-" + pl.int_range(pl.len()).over("patrol_id").add(1).cast(pl.String).str.zfill(3))
        .alias("participation_id"))
    patrols = patrols.with_columns(pl.Series("participant_count", per))

    # hazards found on clean patrols: the handled ones sum to the seed; 5% more are transferred, not closed
    hk = anomaly_kinds(rng, ctx.scaled(HAZARDS_HANDLED_2024), {"future_timestamp": m.future_timestamp,
                                                                "late_correction": m.late_correction})
    n_unres = int(round(len(hk) * HAZARDS_UNRESOLVED_SHARE))
    nh = len(hk) + n_unres
    # on patrols that start 4 h before the year ends, so every handled hazard is found and handled within 2024
    weight = np.zeros(n)
    weight[clean_p] = w
    weight[patrols["s_s"].to_numpy() > YEAR_SECONDS - 4 * 3600] = 0.0
    on = np.flatnonzero(weight)
    h_idx = on[rng.choice(len(on), nh, p=weight[on] / weight[on].sum())]
    found = patrols["s_s"].to_numpy()[h_idx] + rng.integers(600, 2 * 3600, nh)
    late_in_year = found > (365 - 10) * 86400  # at year end hazards are handled on the spot so 2024 closes clean
    spot = (rng.random(nh) < 0.7) | late_in_year
    handled = found + np.where(spot, rng.integers(300, 3600, nh), rng.integers(1, 10, nh) * 86400)
    status = np.array(["已处置"] * len(hk) + ["已移交"] * n_unres, dtype=object)
    hkinds = np.concatenate([hk, np.full(n_unres, None, dtype=object)])
    handled = np.where(status == "已移交", -1, handled)
    handled = np.where(hkinds == "future_timestamp", handled + 366 * 86400, handled)
    gh = patrols["g"].to_numpy()[h_idx]
    hazards = pl.DataFrame({
        "patrol_id": patrols["patrol_id"].to_numpy()[h_idx].tolist(),
        "hazard_type": rng.choice(HAZARDS, nh).tolist(), "grid_code": obj(areas.grid_code[gh]),
        "longitude": np.round(areas.longitude[gh] + rng.normal(0, 0.002, nh), 6),
        "latitude": np.round(areas.latitude[gh] + rng.normal(0, 0.002, nh), 6),
        "f_s": found, "h_s": handled, "status": obj(status), KIND: obj(hkinds),
    }, schema_overrides={KIND: pl.String}).sort("patrol_id", "f_s")
    hazards = hazards.with_columns(
        (pl.col("patrol_id") + "-H" + pl.int_range(pl.len()).over("patrol_id").add(1).cast(pl.String).str.zfill(2))
        .alias("hazard_id"))
    hazards = pl.concat([hazards, duplicates(rng, hazards, m.duplicate).with_columns(pl.col("hazard_id") + "R")])
    return {"night_patrol": patrols, "patrol_participation": parts, "patrol_hazard": hazards}


def _ts(col: str) -> pl.Expr:
    return (pl.lit(datetime(2024, 1, 1)) + pl.duration(seconds=pl.col(col))).dt.cast_time_unit("us")


def project(tables: dict[str, pl.DataFrame], as_of: datetime) -> dict[str, pl.DataFrame]:
    """The platform's tables as they stand at as_of (rows exist once published / checked in / found)."""
    cut = int((as_of - datetime(2024, 1, 1)).total_seconds())
    acts = tables["volunteer_activity"].filter(pl.col("p_s") <= cut).with_columns(
        pl.when(pl.col("e_s") <= cut).then(pl.lit("已结束")).when(pl.col("s_s") <= cut).then(pl.lit("进行中"))
        .otherwise(pl.lit("招募中")).alias("status"),
        _ts("p_s").alias("published_at"), _ts("s_s").alias("start_at"), _ts("e_s").alias("end_at"),
        _ts("p_s").alias("updated_at"),
    ).with_columns(pl.when(pl.col("status") == "已结束").then(pl.col("end_at")).otherwise(pl.col("updated_at"))
                   .alias("updated_at"))
    points = tables["volunteer_points"].filter(pl.col("i_s") <= cut).with_columns(
        _ts("i_s").alias("issued_at"), _ts("i_s").alias("updated_at"))
    late = pl.col(KIND) == "late_correction"
    patrols = tables["night_patrol"].filter(pl.col("s_s") <= cut).with_columns(
        pl.when(pl.col("e_s") <= cut).then(pl.lit("已完成")).otherwise(pl.lit("巡逻中")).alias("status"),
        _ts("s_s").alias("start_at"), _ts("e_s").alias("end_at"),
        # a late correction re-enters the head count weeks later
        pl.when(late & (pl.col("e_s") + 20 * 86400 <= cut)).then(pl.col("e_s") + 20 * 86400)
        .otherwise(pl.min_horizontal("e_s", pl.lit(cut))).alias("u_s"),
    ).with_columns(_ts("u_s").alias("updated_at"))
    parts = tables["patrol_participation"].filter(pl.col("c_s") <= cut).with_columns(
        _ts("c_s").alias("checked_in_at"), _ts("c_s").alias("updated_at"))
    handled_now = (pl.col("h_s") >= 0) & ((pl.col("h_s") <= cut) | (pl.col(KIND) == "future_timestamp"))
    hazards = tables["patrol_hazard"].filter(pl.col("f_s") <= cut).with_columns(
        pl.when(pl.col("status") == "已移交").then(pl.col("status"))
        .when(handled_now).then(pl.lit("已处置")).otherwise(pl.lit("处置中")).alias("status"),
        pl.when(handled_now).then(_ts("h_s")).alias("handled_at"),
        pl.when(late & (pl.col("h_s") + 15 * 86400 <= cut)).then(pl.col("h_s") + 15 * 86400)
        .when(handled_now & (pl.col("h_s") <= cut)).then(pl.col("h_s")).otherwise(pl.col("f_s")).alias("u_s"),
        _ts("f_s").alias("found_at"),
    ).with_columns(_ts("u_s").alias("updated_at"))
    return {"volunteer": tables["volunteer"], "volunteer_activity": acts, "volunteer_points": points,
            "night_patrol": patrols, "patrol_participation": parts, "patrol_hazard": hazards}


def generate_volunteer(ctx: SimContext) -> dict[str, pl.DataFrame]:
    areas = Areas()
    volunteers = _volunteers(ctx, areas)
    acts, points = _activities(ctx, areas, volunteers)
    tables = {"volunteer": volunteers.filter(pl.col("registered_at") <= ctx.as_of),
              "volunteer_activity": acts, "volunteer_points": points}
    tables.update(_patrols(ctx, areas, volunteers))
    return project(tables, ctx.as_of)


def volunteer_expected(t: dict[str, pl.DataFrame]) -> dict[str, float]:
    """Indicators from the clean rows (rows under an anomalous parent do not count either)."""
    ok = valid()
    points = t["volunteer_points"].filter(ok & ~pl.col("_on_bad"))
    parts = t["patrol_participation"].filter(ok & ~pl.col("_on_bad"))
    return {
        "volunteer.activities": t["volunteer_activity"].filter(ok).height,
        "volunteer.points": int(points["points"].sum()),
        "patrol.patrols": t["night_patrol"].filter(ok).height,
        "patrol.participations": parts.height,
        "patrol.hazards": t["patrol_hazard"].filter(ok & (pl.col("status") == "已处置")).height,
    }
