"""The supervision and analysis work of the 民意速办 command centre, derived from the year's tickets.

- 提醒函 / 督办函 (reminder and supervision letters): to the departments with the most overdue-risk warnings in a month;
  a letter lists the warned tickets it is about (table `letter_ticket`) and gets the department's reply days later.
- 实地督查复核 (field re-inspections): inspectors visit the site of a closed ticket, preferring warned and reopened
  ones, and record whether the problem was really fixed.
- 专报 (special reports) on the month's most concentrated citizen demands by street and L2 class, and 民生诉求分析报表
  (daily, weekly and monthly analysis reports, district-wide and per street) whose figures come from the tickets.
All times are seconds since 2024-01-01 (see minyi_flow).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from simulator.systems.minyi_flow import DAY, H

LETTERS_2024 = 37
REINSPECTIONS_2024 = 380
SPECIAL_REPORTS_2024 = 42
ANALYSIS_REPORTS_2024 = 370
YEAR_DAYS = 366
MONTH_START_DAY = [(date(2024, m, 1) - date(2024, 1, 1)).days for m in range(1, 13)] + [YEAR_DAYS]


def _month_of(seconds: pl.Expr) -> pl.Expr:
    day = seconds // DAY
    return pl.sum_horizontal([(day >= start).cast(pl.Int64) for start in MONTH_START_DAY[1:12]]) + 1


def letters(rng: np.random.Generator, n_letters: int, warnings: pl.DataFrame, tickets: pl.DataFrame) -> \
        tuple[pl.DataFrame, pl.DataFrame]:
    """Letters to (department, month) pairs with the most overdue-risk warnings, January–November."""
    w = (warnings.filter(pl.col("rule_code") == "OVERDUE_RISK_12H")
         .join(tickets.select("idx", "ticket_id", "department"), on="idx")
         .with_columns(_month_of(pl.col("raised_s")).alias("month"))
         .filter(pl.col("month") <= 11))
    groups = (w.group_by("department", "month").agg(pl.col("ticket_id").n_unique().alias("tickets"))
              .sort(["tickets", "month", "department"], descending=[True, False, False]).head(n_letters))
    k = groups.height
    month = groups["month"].to_numpy()
    issued = np.array([MONTH_START_DAY[m] for m in month]) * DAY + (rng.integers(1, 7, k) * DAY + 10 * H)
    kind = np.where(np.arange(k) < max(1, k // 3), "督办函", "提醒函")
    letters_df = groups.with_columns(
        pl.Series("letter_type", kind), pl.Series("issued_s", issued.astype(np.int64)),
        pl.Series("replied_s", (issued + rng.integers(3, 11, k) * DAY + 5 * H).astype(np.int64)),  # 15:00
    ).sort("issued_s", "department").with_row_index("n", offset=1).with_columns(
        pl.format("LT2024{}", pl.col("n").cast(pl.String).str.zfill(3)).alias("letter_id"),
        pl.format("龙民速{}〔2024〕{}号", pl.when(pl.col("letter_type") == "督办函").then(pl.lit("督"))
                  .otherwise(pl.lit("提")), pl.int_range(1, pl.len() + 1).over("letter_type")).alias("letter_no"),
        pl.format("关于{}2024年{}月临期工单较多的{}", pl.col("department"), pl.col("month"), pl.col("letter_type"))
        .alias("subject"),
        pl.format("经系统监测，贵单位2024年{}月共有{}件工单触发临期预警，请高度重视，逐件核查办理情况，"
                  "于5个工作日内书面反馈整改措施。", pl.col("month"), pl.col("tickets")).alias("content"),
    )
    links = w.join(letters_df.select("letter_id", "department", "month", "issued_s"), on=["department", "month"])
    # a reopened ticket can be warned in both of its rounds: it is linked to the letter once
    links = links.select("letter_id", "ticket_id", "issued_s").unique(["letter_id", "ticket_id"])
    return letters_df, links.sort("letter_id", "ticket_id")


def reinspections(rng: np.random.Generator, n: int, tickets: pl.DataFrame, focus: np.ndarray) -> pl.DataFrame:
    """Field re-inspections of closed tickets; FOCUS (warned or reopened) tickets are 20 times more likely."""
    closed = tickets["final_closed_s"].to_numpy()
    eligible = (closed >= 0) & (closed < (YEAR_DAYS - 16) * DAY) & tickets["clean"].to_numpy()
    weight = np.where(eligible, np.where(focus, 20.0, 1.0), 0.0)
    pick = np.sort(rng.choice(tickets.height, size=min(n, int(eligible.sum())), replace=False, p=weight / weight.sum()))
    m = pick.size
    at = closed[pick] // DAY * DAY + rng.integers(1, 15, m) * DAY + rng.integers(9 * H, 17 * H, m)
    result = rng.choice(3, m, p=[0.86, 0.10, 0.04])
    findings = np.array([["现场核查问题已整改到位，群众认可", "现场已恢复正常，整改到位"],
                         ["现场问题部分整改，仍有遗留，责令限期完成", "整改不彻底，已要求承办单位补充处置"],
                         ["现场问题未整改，与办结回复不符，转督办", "现场核查发现问题依旧存在，属形式办结"]],
                        dtype=object)
    street = tickets["street_name"].to_numpy()[pick]
    unit = np.where(rng.random(m) < 0.5, "区民意速办中心督查组", street + "街道督查组")
    return pl.DataFrame({
        "idx": tickets["idx"].to_numpy()[pick], "inspected_s": at.astype(np.int64),
        "inspector_unit": unit, "result": np.array(["整改到位", "部分整改", "未整改"], dtype=object)[result],
        "finding": findings[result, rng.integers(0, 2, m)], "photo_count": rng.integers(1, 7, m),
    }, strict=False).sort("inspected_s", "idx").with_row_index("n", offset=1).with_columns(
        pl.format("FC2024{}", pl.col("n").cast(pl.String).str.zfill(5)).alias("reinspection_id")).drop("n")


def _day_label(d: int) -> str:
    day = date(2024, 1, 1) + timedelta(days=int(d))
    return f"{day.year}年{day.month}月{day.day}日"


def reports(n_special: int, n_analysis: int, citizen: pl.DataFrame, streets: dict[str, str]) -> pl.DataFrame:
    """Special reports on the month's top (street, L2) citizen demands; daily/weekly/monthly analysis reports.

    CITIZEN has one row per clean citizen ticket: created_s, street_code, l2_name.
    """
    c = citizen.with_columns((pl.col("created_s") // DAY).alias("day"), _month_of(pl.col("created_s")).alias("month"))
    rows: list[dict[str, object]] = []
    per_month = -(-n_special // 12)
    top = (c.group_by("month", "street_code", "l2_name").agg(pl.len().alias("tickets"))
           .sort(["month", "tickets", "street_code", "l2_name"], descending=[False, True, False, False])
           .with_columns(pl.int_range(pl.len()).over("month").alias("rank"))
           .filter(pl.col("rank") < per_month).sort("rank", "month").head(n_special))
    for month, street, l2, tickets, _rank in top.iter_rows():
        end = MONTH_START_DAY[month] - 1
        rows.append({"report_type": "专报", "period_type": "专题", "start": MONTH_START_DAY[month - 1], "end": end,
                     "street_code": street, "ticket_count": tickets, "issued_s": end * DAY + 16 * H,
                     "title": f"关于{streets[street]}街道{l2}类诉求集中反映情况的专报（2024年{month}月）"})
    daily = np.bincount(c["day"].to_numpy(), minlength=YEAR_DAYS)
    street_codes = list(streets)
    by_street = {s: np.bincount(c.filter(pl.col("street_code") == s)["day"].to_numpy(), minlength=YEAR_DAYS)
                 for s in street_codes}
    n_week = round(n_analysis * 52 / ANALYSIS_REPORTS_2024)
    n_month = round(n_analysis * 84 / ANALYSIS_REPORTS_2024)
    n_day = n_analysis - n_week - n_month
    for d in np.linspace(0, YEAR_DAYS - 1, n_day, dtype=int) if n_day > 0 else []:
        rows.append({"report_type": "民生诉求分析报表", "period_type": "日", "start": int(d), "end": int(d),
                     "street_code": None,
                     "ticket_count": int(daily[d]), "issued_s": d * DAY + 20 * H,
                     "title": f"龙华区民生诉求分析日报（{_day_label(d)}）"})
    for w in np.linspace(0, 51, n_week, dtype=int) if n_week > 0 else []:
        start, end = w * 7, w * 7 + 6  # ISO weeks of 2024 start on Monday 1 January
        rows.append({"report_type": "民生诉求分析报表", "period_type": "周", "start": start, "end": end,
                     "street_code": None, "ticket_count": int(daily[start:end + 1].sum()),
                     "issued_s": end * DAY + 17 * H, "title": f"龙华区民生诉求分析周报（2024年第{w + 1}周）"})
    combos = [(m, s) for m in range(1, 13) for s in [None, *street_codes]]
    for i in np.linspace(0, len(combos) - 1, n_month, dtype=int) if n_month > 0 else []:
        m, s = combos[i]
        start, end = MONTH_START_DAY[m - 1], MONTH_START_DAY[m] - 1
        counts = daily if s is None else by_street[s]
        area = "龙华区" if s is None else f"{streets[s]}街道"
        rows.append({"report_type": "民生诉求分析报表", "period_type": "月", "start": start, "end": end,
                     "street_code": s,
                     "ticket_count": int(counts[start:end + 1].sum()), "issued_s": end * DAY + 17 * H + 30 * 60,
                     "title": f"{area}民生诉求分析月报（2024年{m}月）"})
    df = pl.DataFrame(rows, schema={"report_type": pl.String, "period_type": pl.String, "start": pl.Int64,
                                    "end": pl.Int64, "street_code": pl.String, "ticket_count": pl.Int64,
                                    "issued_s": pl.Int64, "title": pl.String})
    return df.sort("issued_s", "report_type", "title").with_row_index("n", offset=1).with_columns(
        pl.format("BG2024{}", pl.col("n").cast(pl.String).str.zfill(4)).alias("report_id"),
        (pl.lit(date(2024, 1, 1)) + pl.duration(days=pl.col("start"))).alias("period_start"),
        (pl.lit(date(2024, 1, 1)) + pl.duration(days=pl.col("end"))).alias("period_end"),
    ).drop("n", "start", "end")
