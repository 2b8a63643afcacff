"""Simulated 数治助手 / 社区工作台 (community digital workbench): the data behind its REST API.

The community is a low-code platform on which community workers build their own apps (forms, ledgers, patrol
check-ins). Its open API — served by simulator/upstream_http.py with token auth, pagination and `updated_since` —
exposes what the district may pull; the simulator writes each resource as a Parquet file under `<out>/community/`:

| resource (file) | key | what |
|---|---|---|
| scenarios | scenario_id | the 104 application scenarios (应用场景) apps are built for |
| apps | app_id | community-built apps: community, category, scenario, creator, created/updated, status |
| app_record_counts | stat_id | records added per app per day (counts, not records); late syncs revise a count |
| tasks | task_id | the 80 key tasks (重点任务) with their lead unit, due date, status and progress |
| task_progress | progress_id | monthly progress reports per key task |
| indicators | indicator_code | the 9 core digital-governance indicators (definitions) |
| indicator_values | value_id | monthly value per community and indicator, published on the 3rd of the next month |
| work_stats | stat_id | daily work items per community and how many were handled online (日常工作线上化率) |

Every row has `updated_at`. The year is generated whole, then projected onto `ctx.as_of`. Defects: apps with a
missing community (missing_required), a category outside the code table (unknown_code), created after the
extraction time (future_timestamp), updated before created (inconsistent), sent twice (duplicate); record counts
sent twice (duplicate) or negative (inconsistent); late corrections of a day's count are recorded as
late_correction (not defects: the served count is the corrected one once the correction has happened).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

from simulator.areas import communities
from simulator.context import SimContext
from simulator.people import GIVEN, SURNAMES

SYSTEM = "community"
YEAR_START = datetime(2024, 1, 1)
DAYS = 366
APPS_2024 = 2_950  # apps built by the end of 2024: the middle of the seed's 2900余 (docs/calibration.md)
RECORDS_2024 = 20_650_000  # records entered in 2024: the middle of 超2060余万 (community.records)
ONLINE_RATIO = 0.886  # share of daily community work handled online: within the seed's 近90% (community.online_ratio)
KEY_TASKS = 80  # fixed by policy: do not scale
SCENARIOS = 104
STATS_TIME = timedelta(hours=23, minutes=30)  # the nightly statistics run

CATEGORIES = ["党建引领", "平安建设", "民生服务", "城市治理", "安全生产", "人口管理", "矛盾调解", "应急管理",
              "疫情防控", "综合事务"]
APP_TOPICS = ["出租屋巡查", "独居老人关爱", "重点人员走访", "消防隐患排查", "三小场所检查", "矛盾纠纷登记",
              "志愿服务签到", "党员报到", "退役军人服务", "困难群众帮扶", "楼栋长上报", "垃圾分类督导",
              "电动车充电排查", "燃气安全检查", "工地巡查", "防汛物资", "台风转移", "核酸采样点", "流动人口登记",
              "学位申请咨询", "居民议事", "民生微实事", "网格事件", "安全生产检查", "食品安全巡查", "宠物登记",
              "停车管理", "社区活动报名", "来访接待", "法律咨询"]
APP_SUFFIXES = ["台账", "登记表", "管理", "统计", "上报", "打卡", "排查表"]
SCENARIO_OBJECTS = ["出租屋", "三小场所", "独居老人", "重点人员", "消防通道", "电动自行车", "燃气瓶", "建筑工地",
                    "城中村", "学校周边", "矛盾纠纷", "志愿者", "困难群众"]
SCENARIO_ACTIONS = ["智能巡查", "风险预警", "闭环处置", "一键上报", "动态管理", "关爱服务", "联动核查", "数据统计"]
TASK_VERBS = ["推进", "完善", "建设", "开展", "深化", "落实", "优化", "提升"]
TASK_OBJECTS = ["社区网格化管理", "平安建设工作台应用", "视频资源一本账", "民意速办闭环", "重点人员动态管控",
                "出租屋分级分类", "消防安全专项整治", "矛盾纠纷多元化解", "基层数据标准", "社区工作台推广",
                "居民信息采集", "智慧安防小区", "应急物资台账", "志愿服务积分", "一图统览", "一屏感知"]
LEAD_UNITS = ["区委政法委", "区政数局", "区公安分局", "区应急管理局", "区民政局", "区城管局", "区住建局", "区司法局"]
INDICATORS = [
    ("I01", "日常工作线上化率", "%", "work_stats 中线上办理事项 ÷ 全部事项"),
    ("I02", "事件按时办结率", "%", "按时办结事件 ÷ 应办结事件"),
    ("I03", "网格巡查覆盖率", "%", "当月巡查到的网格 ÷ 全部网格"),
    ("I04", "居民信息完整率", "%", "必填项齐全的居民信息 ÷ 全部居民信息"),
    ("I05", "重点人员走访率", "%", "按期走访的重点人员 ÷ 应走访重点人员"),
    ("I06", "矛盾纠纷化解率", "%", "化解的矛盾纠纷 ÷ 受理的矛盾纠纷"),
    ("I07", "隐患整改完成率", "%", "完成整改的隐患 ÷ 发现的隐患"),
    ("I08", "应用活跃率", "%", "当月有数据录入的应用 ÷ 已建应用"),
    ("I09", "数据更新及时率", "%", "按时更新的数据项 ÷ 应更新的数据项"),
]
APP_ANOMALIES = ("missing_required", "unknown_code", "future_timestamp", "inconsistent", "duplicate")


def _ts(seconds: np.ndarray | pl.Expr) -> pl.Expr:
    e = seconds if isinstance(seconds, pl.Expr) else pl.lit(pl.Series(seconds))
    return (pl.lit(YEAR_START) + pl.duration(seconds=e)).dt.cast_time_unit("us")


def _cut(ctx: SimContext) -> int:
    return int((ctx.as_of - YEAR_START).total_seconds())


def _last_stats_day(ctx: SimContext) -> int:
    return min(DAYS - 1, int((ctx.as_of - YEAR_START - STATS_TIME).total_seconds() // 86400))


def _scenarios(rng: np.random.Generator) -> pl.DataFrame:
    combos = [(o, a) for o in SCENARIO_OBJECTS for a in SCENARIO_ACTIONS]
    pick = rng.choice(len(combos), SCENARIOS, replace=False)
    launched = -rng.integers(30, 900, SCENARIOS) * 86400
    return pl.DataFrame({
        "scenario_id": [f"SC{i:03d}" for i in range(1, SCENARIOS + 1)],
        "scenario_name": [combos[k][0] + combos[k][1] for k in pick.tolist()],
        "domain": [CATEGORIES[k % len(CATEGORIES)] for k in pick.tolist()],
        "launched_s": launched,
    }).with_columns(_ts(pl.col("launched_s")).alias("launched_at"), _ts(pl.col("launched_s")).alias("updated_at"))


def _apps(ctx: SimContext, rng: np.random.Generator) -> pl.DataFrame:
    """Every app built up to the end of 2024; `created_s` is the true creation (seconds from 2024-01-01)."""
    # the clean count is calibrated to the seed; defective rows (other than a duplicate's extra copy) come on top
    n = round(ctx.scaled(APPS_2024) / (1 - sum(getattr(ctx.mess, k) for k in APP_ANOMALIES if k != "duplicate")))
    comm = communities()
    ci = rng.integers(0, len(comm), n)
    # the platform launched in 2022; adoption accelerates, ~45% of the apps were built in 2024
    age_days = np.where(rng.random(n) < 0.45, rng.integers(0, DAYS, n), -rng.integers(1, 700, n))
    created = age_days * 86400 + rng.integers(8 * 3600, 20 * 3600, n)
    edits = created[:, None] + (rng.random((n, 4)) * (DAYS * 86400 - created[:, None])).astype(np.int64)
    edits = np.where(rng.random((n, 4)) < 0.6, edits, -(10**9))
    topic = np.array(APP_TOPICS, dtype=object)[rng.integers(0, len(APP_TOPICS), n)]
    cname = np.array([comm[i]["community_name"] for i in ci.tolist()], dtype=object)
    kind_idx = np.searchsorted(np.cumsum([getattr(ctx.mess, k) for k in APP_ANOMALIES]), rng.random(n), "right")
    kind = np.array([*APP_ANOMALIES, None], dtype=object)[np.minimum(kind_idx, len(APP_ANOMALIES))]
    return pl.DataFrame({
        "app_id": [f"APP{i:06d}" for i in range(100001, 100001 + n)],
        "app_name": (cname + "社区" + topic + np.array(APP_SUFFIXES, dtype=object)[rng.integers(0, 7, n)]).tolist(),
        "community_code": [comm[i]["community_code"] for i in ci.tolist()],
        "street_code": [comm[i]["street_code"] for i in ci.tolist()],
        "category": np.array(CATEGORIES, dtype=object)[rng.integers(0, len(CATEGORIES), n)].tolist(),
        "scenario_id": [f"SC{k:03d}" for k in rng.integers(1, SCENARIOS + 1, n).tolist()],
        "creator": (np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
                    + np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n)]).tolist(),
        "form_fields": rng.integers(4, 60, n),
        "disabled_s": np.where(rng.random(n) < 0.06, created + rng.integers(30, 400, n) * 86400, 10**12),
        "created_s": created, "edits": edits.tolist(), "activity": rng.lognormal(0, 1.2, n),
        "anomaly": kind.tolist(),
    }, schema_overrides={"anomaly": pl.String})


def _project_apps(ctx: SimContext, apps: pl.DataFrame) -> pl.DataFrame:
    cut = _cut(ctx)
    a = apps.filter(pl.col("created_s") <= cut).with_columns(
        pl.max_horizontal(pl.col("created_s"), pl.col("edits").list.eval(pl.element().filter(pl.element() <= cut))
                          .list.max().fill_null(pl.col("created_s")),
                          pl.when(pl.col("disabled_s") <= cut).then(pl.col("disabled_s")).otherwise(pl.col("created_s"))
                          ).alias("updated_s"),
    )
    kind = pl.col("anomaly")
    a = a.with_columns(
        pl.when(kind == "missing_required").then(None).otherwise(pl.col("community_code")).alias("community_code"),
        pl.when(kind == "unknown_code").then(pl.lit("其他类")).otherwise(pl.col("category")).alias("category"),
        pl.when(kind == "future_timestamp").then(pl.lit(cut + 86400 * 40)).otherwise(pl.col("created_s"))
        .alias("shown_created_s"),
        pl.when(kind == "inconsistent").then(pl.col("created_s") - 86400 * 3).otherwise(pl.col("updated_s"))
        .alias("updated_s"),
        pl.when(pl.col("disabled_s") <= cut).then(pl.lit("停用")).otherwise(pl.lit("启用")).alias("status"),
    )
    out = a.select("app_id", "app_name", "community_code", "street_code", "category", "scenario_id", "creator",
                   "form_fields", "status", _ts(pl.col("shown_created_s")).alias("created_at"),
                   _ts(pl.col("updated_s")).alias("updated_at"), "anomaly")
    return pl.concat([out, out.filter(kind == "duplicate")]).sort("updated_at", "app_id")


def _record_counts(ctx: SimContext, rng: np.random.Generator, apps: pl.DataFrame) -> pl.DataFrame:
    """Records added per app and day, summing exactly to the scaled seed total over the year."""
    n = apps.height
    day = np.arange(DAYS)
    weekday = (day + YEAR_START.weekday()) % 7
    season = np.where(weekday >= 5, 0.35, 1.0) * np.linspace(0.85, 1.15, DAYS)
    created_day = np.floor_divide(apps["created_s"].to_numpy(), 86400)
    disabled_day = np.floor_divide(apps["disabled_s"].to_numpy(), 86400)
    live = (day[None, :] >= created_day[:, None]) & (day[None, :] < disabled_day[:, None])
    act = apps["activity"].to_numpy()
    active = live & (rng.random((n, DAYS)) < np.clip(0.25 + 0.2 * act, 0, 0.95)[:, None])
    w = np.where(active, act[:, None] * season[None, :] * rng.gamma(2.0, 0.5, (n, DAYS)), 0.0).ravel()
    target = ctx.scaled(RECORDS_2024)
    share = w / w.sum() * target
    counts = np.floor(share).astype(np.int64)
    rest = target - int(counts.sum())
    counts[np.argsort(-(share - counts), kind="stable")[:rest]] += 1
    keep = np.flatnonzero(counts > 0)
    return pl.DataFrame({"app_idx": keep // DAYS, "day": keep % DAYS, "records_added": counts[keep]})


def _project_counts(ctx: SimContext, rng: np.random.Generator, apps: pl.DataFrame, counts: pl.DataFrame
                    ) -> pl.DataFrame:
    m = ctx.mess
    n = counts.height
    u = rng.random(n)
    kind = np.where(u < m.duplicate, "duplicate", np.where(u < m.duplicate + m.inconsistent, "inconsistent", None))
    # a share of the days is first synced incomplete and corrected 1–20 days later
    late = rng.random(n) < m.late_correction
    prelim = np.floor(counts["records_added"].to_numpy() * rng.uniform(0.5, 0.95, n)).astype(np.int64)
    fix_s = (counts["day"].to_numpy() + rng.integers(1, 21, n)) * 86400 + rng.integers(9 * 3600, 18 * 3600, n)
    cut = _cut(ctx)
    c = counts.with_columns(
        pl.Series("anomaly", kind.tolist(), dtype=pl.String), pl.Series("late", late),
        pl.Series("prelim", prelim), pl.Series("fix_s", fix_s),
        apps["app_id"].gather(counts["app_idx"]).alias("app_id"),
    ).filter(pl.col("day") <= _last_stats_day(ctx))
    corrected = pl.col("late") & (pl.col("fix_s") <= cut)
    c = c.with_columns(
        pl.when(pl.col("late") & ~corrected).then(pl.col("prelim")).otherwise(pl.col("records_added"))
        .alias("records_added"),
        pl.when(corrected).then(pl.col("fix_s")).otherwise(pl.col("day") * 86400 + int(STATS_TIME.total_seconds()))
        .alias("updated_s"),
    ).with_columns(
        pl.when(pl.col("anomaly") == "inconsistent").then(-pl.col("records_added")).otherwise(pl.col("records_added"))
        .alias("records_added"),
    )
    out = c.select(
        pl.concat_str("app_id", pl.lit("-"), (pl.lit(YEAR_START.date()) + pl.duration(days=pl.col("day")))
                      .dt.strftime("%Y%m%d")).alias("stat_id"),
        "app_id", (pl.lit(YEAR_START.date()) + pl.duration(days=pl.col("day"))).alias("stat_date"),
        "records_added", _ts(pl.col("updated_s")).alias("updated_at"), "anomaly",
        corrected.alias("corrected"),
    )
    return pl.concat([out, out.filter(pl.col("anomaly") == "duplicate")]).sort("updated_at", "stat_id")


def _work_stats(ctx: SimContext, rng: np.random.Generator) -> pl.DataFrame:
    comm = communities()
    nc = len(comm)
    trend = np.linspace(0.0, 0.06, DAYS)  # the community is rolled out further through the year
    spread = rng.normal(0, 0.035, nc)
    # communities differ, but their mean is the district's ratio: drawn as a total, not left to the spread's sum
    base = np.clip(ONLINE_RATIO - trend.mean() + spread - spread.mean(), 0.75, 0.98)
    day = np.arange(DAYS)
    weekday = (day + YEAR_START.weekday()) % 7
    lam = max(5.0, 60 * ctx.scale) * np.where(weekday >= 5, 0.4, 1.0)
    total = rng.poisson(np.broadcast_to(lam, (nc, DAYS))) + 1
    p = np.clip(base[:, None] + trend[None, :] + rng.normal(0, 0.02, (nc, DAYS)), 0, 1)
    online = rng.binomial(total, p)
    ci = np.repeat(np.arange(nc), DAYS)
    d = np.tile(day, nc)
    return pl.DataFrame({"community_code": [comm[i]["community_code"] for i in ci.tolist()], "day": d,
                         "items_total": total.ravel(), "items_online": online.ravel()})


def _tasks(rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = KEY_TASKS
    combos = [(v, o) for o in TASK_OBJECTS for v in TASK_VERBS]
    pick = rng.choice(len(combos), n, replace=False)
    start = rng.integers(0, 120, n)
    due = np.minimum(start + rng.integers(90, 330, n), DAYS - 1)
    speed = rng.uniform(0.6, 1.25, n)  # some tasks fall behind their plan
    tasks = pl.DataFrame({
        "task_id": [f"KT{i:02d}" for i in range(1, n + 1)],
        "task_name": [combos[k][0] + combos[k][1] for k in pick.tolist()],
        "category": np.array(CATEGORIES, dtype=object)[rng.integers(0, len(CATEGORIES), n)].tolist(),
        "lead_unit": np.array(LEAD_UNITS, dtype=object)[rng.integers(0, len(LEAD_UNITS), n)].tolist(),
        "start_day": start, "due_day": due, "speed": speed,
    })
    rows = []
    for month in range(1, 13):
        report_day = (datetime(2024, month, 1) - YEAR_START).days + 24  # monthly report on the 25th
        elapsed = np.clip((report_day - start) / np.maximum(due - start, 1), 0, None)
        pct = np.clip(np.round(elapsed * speed * 100 + rng.normal(0, 3, n), 1), 0, 100)
        rows.append(pl.DataFrame({"task_id": tasks["task_id"], "month": month, "report_day": report_day,
                                  "progress_pct": pct, "planned_pct": np.clip(np.round(elapsed * 100, 1), 0, 100)}))
    progress = pl.concat(rows).with_columns(pl.col("progress_pct").cum_max().over("task_id"))
    return tasks, progress


def _indicator_values(rng: np.random.Generator, work: pl.DataFrame, counts: pl.DataFrame,
                      apps: pl.DataFrame) -> pl.DataFrame:
    comm = [c["community_code"] for c in communities()]
    online = work.with_columns((pl.lit(YEAR_START.date()) + pl.duration(days=pl.col("day"))).dt.month()
                               .alias("month")).group_by("community_code", "month").agg(
        (pl.col("items_online").sum() / pl.col("items_total").sum() * 100).round(2).alias("value"))
    active = counts.with_columns(pl.col("stat_date").dt.month().alias("month"))
    built = apps.select("app_id", "community_code")
    per_app = active.join(built, on="app_id").group_by("community_code", "month").agg(pl.col("app_id").n_unique()
                                                                                       .alias("active"))
    n_apps = built.group_by("community_code").len("apps")
    activity = per_app.join(n_apps, on="community_code").select(
        "community_code", "month", (pl.col("active") / pl.col("apps") * 100).clip(0, 100).round(2).alias("value"))
    frames = [online.with_columns(pl.lit("I01").alias("indicator_code")),
              activity.with_columns(pl.lit("I08").alias("indicator_code"))]
    for code, *_ in INDICATORS:
        if code in ("I01", "I08"):
            continue
        base = rng.uniform(82, 97, len(comm))
        vals = np.clip(base[:, None] + np.linspace(0, 3, 12)[None, :] + rng.normal(0, 1.5, (len(comm), 12)), 0, 100)
        frames.append(pl.DataFrame({"community_code": np.repeat(comm, 12),
                                    "month": np.tile(np.arange(1, 13), len(comm)),
                                    "value": np.round(vals.ravel(), 2), "indicator_code": code}))
    return pl.concat([f.select("community_code", pl.col("month").cast(pl.Int64), pl.col("value").cast(pl.Float64),
                               "indicator_code") for f in frames])


def _write(ctx: SimContext, name: str, df: pl.DataFrame) -> None:
    df.write_parquet(ctx.path(SYSTEM, f"{name}.parquet"), compression="zstd", statistics=True)


def generate(ctx: SimContext) -> None:
    """Write the community's resources as they stand at `ctx.as_of`, and record the ground truth."""
    cut = _cut(ctx)
    last_day = _last_stats_day(ctx)
    scenarios = _scenarios(ctx.rng("community.scenarios")).filter(pl.col("launched_s") <= cut)
    apps_year = _apps(ctx, ctx.rng("community.apps"))
    apps = _project_apps(ctx, apps_year)
    counts = _project_counts(ctx, ctx.rng("community.record_counts"), apps_year,
                             _record_counts(ctx, ctx.rng("community.record_counts.alloc"), apps_year))
    work = _work_stats(ctx, ctx.rng("community.work_stats")).filter(pl.col("day") <= last_day)
    tasks, progress = _tasks(ctx.rng("community.tasks"))
    progress = progress.filter(pl.col("report_day") * 86400 + 17 * 3600 <= cut)
    # a month's indicator values are published on the 3rd of the next month
    values = _indicator_values(ctx.rng("community.indicators"), work, counts.filter(pl.col("anomaly").is_null()),
                               apps.filter(pl.col("anomaly").is_null()))
    values = values.with_columns(
        (pl.datetime(2024, pl.col("month"), 1) + pl.duration(days=33)).dt.truncate("1mo").alias("_m1"),
    ).with_columns((pl.col("_m1") + pl.duration(days=2, hours=10)).dt.cast_time_unit("us").alias("updated_at")
                   ).filter(pl.col("updated_at") <= ctx.as_of).sort("indicator_code", "community_code", "month")

    _write(ctx, "scenarios", scenarios.select("scenario_id", "scenario_name", "domain", "launched_at", "updated_at"))
    _write(ctx, "apps", apps.drop("anomaly"))
    _write(ctx, "app_record_counts", counts.drop("anomaly", "corrected"))
    _write(ctx, "tasks", _task_rows(tasks, progress))
    _write(ctx, "task_progress", progress.select(
        pl.concat_str("task_id", pl.lit("-2024"), pl.col("month").cast(pl.String).str.zfill(2)).alias("progress_id"),
        "task_id", pl.concat_str(pl.lit("2024-"), pl.col("month").cast(pl.String).str.zfill(2)).alias("month"),
        "progress_pct", "planned_pct", _ts(pl.col("report_day") * 86400 + 17 * 3600).alias("updated_at"),
    ).sort("updated_at", "progress_id"))
    _write(ctx, "indicators", pl.DataFrame(
        {"indicator_code": [i[0] for i in INDICATORS], "indicator_name": [i[1] for i in INDICATORS],
         "unit": [i[2] for i in INDICATORS], "definition": [i[3] for i in INDICATORS],
         "updated_at": [YEAR_START] * len(INDICATORS)}).with_columns(pl.col("updated_at").dt.cast_time_unit("us")))
    _write(ctx, "indicator_values", values.select(
        pl.concat_str("indicator_code", pl.lit("-"), "community_code", pl.lit("-2024"),
                      pl.col("month").cast(pl.String).str.zfill(2)).alias("value_id"),
        "indicator_code", "community_code",
        pl.concat_str(pl.lit("2024-"), pl.col("month").cast(pl.String).str.zfill(2)).alias("month"),
        "value", "updated_at"))
    work_rows = work.select(
        pl.concat_str("community_code", pl.lit("-"), (pl.lit(YEAR_START.date()) + pl.duration(days=pl.col("day")))
                      .dt.strftime("%Y%m%d")).alias("stat_id"),
        "community_code", (pl.lit(YEAR_START.date()) + pl.duration(days=pl.col("day"))).alias("stat_date"),
        "items_total", "items_online", _ts(pl.col("day") * 86400 + int(STATS_TIME.total_seconds())).alias("updated_at"),
    ).sort("updated_at", "stat_id")
    _write(ctx, "work_stats", work_rows)
    _record_truth(ctx, scenarios, apps, counts, tasks, progress, values, work_rows)


def _task_rows(tasks: pl.DataFrame, progress: pl.DataFrame) -> pl.DataFrame:
    latest = progress.sort("month").group_by("task_id").last()
    t = tasks.join(latest.select("task_id", "progress_pct", "planned_pct", "report_day"), on="task_id", how="left")
    status = (pl.when(pl.col("progress_pct").is_null()).then(pl.lit("未启动"))
              .when(pl.col("progress_pct") >= 100).then(pl.lit("已完成"))
              .when(pl.col("progress_pct") < pl.col("planned_pct") - 10).then(pl.lit("滞后"))
              .otherwise(pl.lit("推进中")))
    day = pl.lit(YEAR_START.date())
    return t.select(
        "task_id", "task_name", "category", "lead_unit",
        (day + pl.duration(days=pl.col("start_day"))).alias("start_date"),
        (day + pl.duration(days=pl.col("due_day"))).alias("due_date"), pl.col("progress_pct").fill_null(0.0),
        status.alias("status"),
        _ts(pl.col("report_day").fill_null(0) * 86400 + 17 * 3600).alias("updated_at"),
    ).sort("task_id")


def _record_truth(ctx: SimContext, scenarios: pl.DataFrame, apps: pl.DataFrame, counts: pl.DataFrame,
                  tasks: pl.DataFrame, progress: pl.DataFrame, values: pl.DataFrame, work: pl.DataFrame) -> None:
    t = ctx.truth
    for entity, df in (("scenarios", scenarios), ("apps", apps), ("app_record_counts", counts), ("tasks", tasks),
                       ("task_progress", progress), ("indicators", pl.DataFrame({"x": INDICATORS})),
                       ("indicator_values", values), ("work_stats", work)):
        t.count(SYSTEM, entity, df.height)
    # a duplicate's extra copy is the anomaly; the first copy is a clean row
    for entity, df, key in (("apps", apps, "app_id"), ("app_record_counts", counts, "stat_id")):
        seen: set[str] = set()
        for k, kind in df.filter(pl.col("anomaly").is_not_null()).select(key, "anomaly").iter_rows():
            if kind == "duplicate" and k not in seen:
                seen.add(k)
                continue
            t.anomaly(SYSTEM, entity, k, kind)
    for k in counts.filter(pl.col("corrected") & pl.col("anomaly").is_null())["stat_id"].to_list():
        t.anomaly(SYSTEM, "app_record_counts", k, "late_correction")
    clean_apps = apps.filter(pl.col("anomaly").is_null() | (pl.col("anomaly") == "duplicate")).unique("app_id")
    clean_counts = counts.filter(pl.col("anomaly").is_null() | (pl.col("anomaly") == "duplicate")).unique("stat_id")
    t.expected["community.apps"] = clean_apps.height
    t.expected["community.records"] = int(clean_counts["records_added"].sum())
    total = int(work["items_total"].sum())
    t.expected["community.online_ratio"] = round(int(work["items_online"].sum()) / total, 4) if total else 0.0
    t.planted["community.key_tasks_behind"] = tasks.join(progress.sort("month").group_by("task_id").last(),
                                                         on="task_id").filter(
        pl.col("progress_pct") < pl.col("planned_pct") - 10)["task_id"].sort().to_list()
