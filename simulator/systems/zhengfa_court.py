"""S9 — 智慧诉服: the district court's monthly indicator reports, as the CSV files the court sends.

The court (深圳市龙华区人民法院, 粤0309) exports a monthly statistics report per tribunal at the close of each month
(the last day, 22:00), as `court/monthly_YYYY-MM.csv` — UTF-8 with a BOM and CRLF line endings, as Excel writes it,
Chinese headers. The rows are raw counts; the published rates follow from them:

- 飞鸽 electronic service: 电子送达率 = 电子送达次数 ÷ 送达总次数 (2024: 97.92%);
- first successful service: mean days = 首次成功送达总天数 ÷ 首次成功送达案件数; 2023 mean − 2024 mean = 11 days saved;
- 灵犀 AI transcripts (from its launch, civil tribunals only): 笔录规整准确篇数 ÷ AI笔录规整篇数 = 98% of 3,200;
- AI-assisted trial (launched in `AI_TRIAL_LAUNCH_MONTH`): 结案数 in that month vs the same month of 2023 = +41.1%;
- 回旋镖 cyclic re-check of enforced parties' assets: people re-checked and asset clues found (执行局 only).

2023 months are included so the year-on-year figures are computable. A report found wrong is re-sent days later as
`monthly_YYYY-MM_r2.csv` (报送版本 2, the whole month again with the corrected rows): the latest version wins.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import numpy as np

from simulator.context import SimContext
from simulator.systems.zhengfa_common import SYSTEM

AI_TRIAL_LAUNCH_MONTH = "2024-07"  # our decision: the AI-assisted trial system's first full month in Longhua
LINGXI_LAUNCH_MONTH = "2024-03"  # 灵犀 AI transcripts from this month (illustrative)
COURT_CODE = "粤0309"
TRIBUNALS = [  # (name, share of cases, civil — uses 灵犀, enforcement — uses 回旋镖)
    ("立案庭（速裁）", 0.16, True, False), ("刑事审判庭", 0.08, False, False), ("民事审判第一庭", 0.17, True, False),
    ("民事审判第二庭", 0.12, True, False), ("商事审判庭", 0.13, True, False), ("执行局", 0.16, False, True),
    ("观澜人民法庭", 0.07, True, False), ("民治人民法庭", 0.06, True, False), ("大浪人民法庭", 0.05, True, False),
]
CLOSED_2023 = 52_000  # cases closed in 2023 (illustrative); 2024 grows 8% besides the launch month
SERVED_2024 = 210_000  # service attempts that reached the party, 2024 (illustrative)
SERVED_2023 = 196_000
E_SERVICE_RATE_2024 = 0.9792
E_SERVICE_RATE_2023 = 0.9105
FIRST_SERVICE_CASES_2024 = 41_000
FIRST_SERVICE_CASES_2023 = 38_500
FIRST_SERVICE_DAYS_2023 = 26.3  # mean days to the first successful service
FIRST_SERVICE_DAYS_2024 = 15.3  # 11 days sooner
TRANSCRIPTS_2024 = 3_200
TRANSCRIPT_ACCURACY = 0.98
CLOSED_YOY_LAUNCH = 0.411
HEADER = ["统计月份", "法院代码", "部门", "新收案件数", "结案数", "送达总次数", "电子送达次数", "首次成功送达案件数",
          "首次成功送达总天数", "AI笔录规整篇数", "笔录规整准确篇数", "回旋镖复查被执行人数", "回旋镖发现财产线索数",
          "报送版本", "报送时间"]
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]


def _split(rng: np.random.Generator, total: int, weights: np.ndarray) -> np.ndarray:
    """An exact integer split of TOTAL over cells (multinomial: noisy, sums exactly)."""
    w = np.asarray(weights, dtype=float).ravel()
    return rng.multinomial(total, w / w.sum()).reshape(np.shape(weights))


def _share(rng: np.random.Generator, part: int, whole: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Cells of `part` with 0 ≤ cell ≤ whole, roughly whole × rate per cell, summing exactly to PART."""
    cell = np.minimum(np.floor(whole * rate).astype(np.int64), whole)
    diff = part - int(cell.sum())
    order = rng.permutation(cell.size)
    flat, cap = cell.ravel(), whole.ravel()
    while diff != 0:
        step = 1 if diff > 0 else -1
        for i in order:
            if diff == 0:
                break
            if (step > 0 and flat[i] < cap[i]) or (step < 0 and flat[i] > 0):
                flat[i] += step
                diff -= step
    return flat.reshape(whole.shape)


def _counts(ctx: SimContext) -> dict[str, np.ndarray]:
    """Every column as a (24 months × tribunals) array of true values."""
    rng = ctx.rng("zhengfa.court")
    share = np.array([t[1] for t in TRIBUNALS])
    civil = np.array([t[2] for t in TRIBUNALS])
    enforce = np.array([t[3] for t in TRIBUNALS])
    season = np.array([0.75, 0.6, 0.95, 1.0, 1.0, 1.05, 1.1, 1.0, 1.05, 0.95, 1.1, 1.45])  # year-end push to close
    cells = np.outer(season, share)
    launch = MONTHS.index(AI_TRIAL_LAUNCH_MONTH)
    c23 = _split(rng, ctx.scaled(CLOSED_2023), cells)
    base = launch - 12
    c24_launch = round(int(c23[base].sum()) * (1 + CLOSED_YOY_LAUNCH))
    c24_other = ctx.scaled(CLOSED_2023 * 1.08) - c24_launch
    w24 = cells.copy()
    w24[base] = 0
    c24 = _split(rng, max(0, c24_other), w24)
    c24[base] = _split(rng, c24_launch, share)
    closed = np.vstack([c23, c24])
    filed = np.maximum(0, np.round(closed * rng.normal(1.03, 0.06, closed.shape))).astype(np.int64)

    cells24 = np.vstack([cells, cells])
    served = np.vstack([_split(rng, ctx.scaled(SERVED_2023), cells), _split(rng, ctx.scaled(SERVED_2024), cells)])
    trend = np.concatenate([np.linspace(0.89, 0.93, 12), np.linspace(0.965, 0.99, 12)])[:, None] + rng.normal(
        0, 0.004, served.shape)
    e23 = _share(rng, round(int(served[:12].sum()) * E_SERVICE_RATE_2023), served[:12], np.clip(trend[:12], 0, 1))
    e24 = _share(rng, round(int(served[12:].sum()) * E_SERVICE_RATE_2024), served[12:], np.clip(trend[12:], 0, 1))
    first = np.vstack([_split(rng, ctx.scaled(FIRST_SERVICE_CASES_2023), cells),
                       _split(rng, ctx.scaled(FIRST_SERVICE_CASES_2024), cells)])
    # total days per cell: the year's mean × cases, spread with ±20% noise per cell
    noise = rng.uniform(0.8, 1.2, first.shape)
    d23 = _split(rng, round(int(first[:12].sum()) * FIRST_SERVICE_DAYS_2023), first[:12] * noise[:12])
    d24 = _split(rng, round(int(first[12:].sum()) * FIRST_SERVICE_DAYS_2024), first[12:] * noise[12:])
    w = np.zeros(cells24.shape)
    start = MONTHS.index(LINGXI_LAUNCH_MONTH)
    w[start:, :] = cells24[start:, :] * civil * np.linspace(0.5, 1.5, 24 - start)[:, None]
    lingxi = _split(rng, ctx.scaled(TRANSCRIPTS_2024), w)
    accurate = _share(rng, round(int(lingxi.sum()) * TRANSCRIPT_ACCURACY), lingxi, np.full(lingxi.shape, 0.98))
    recheck = np.where(enforce, np.round(closed * rng.uniform(2.5, 3.5, closed.shape)), 0).astype(np.int64)
    clues = np.round(recheck * rng.uniform(0.03, 0.06, closed.shape)).astype(np.int64)
    return {"新收案件数": filed, "结案数": closed, "送达总次数": served, "电子送达次数": np.vstack([e23, e24]),
            "首次成功送达案件数": first, "首次成功送达总天数": np.vstack([d23, d24]), "AI笔录规整篇数": lingxi,
            "笔录规整准确篇数": accurate, "回旋镖复查被执行人数": recheck, "回旋镖发现财产线索数": clues}


def _month_end(month: str) -> datetime:
    y, m = int(month[:4]), int(month[5:])
    nxt = datetime(y + (m == 12), m % 12 + 1, 1)
    return nxt - timedelta(hours=2)  # the last day, 22:00


def _write(path_rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(path_rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def generate_court(ctx: SimContext) -> dict[str, float]:
    """Write the monthly CSV files visible at ctx.as_of; return the expected indicators from the latest versions."""
    counts = _counts(ctx)
    rng = ctx.rng("zhengfa.court_mess")
    cols = list(counts)
    out_dir = ctx.out / SYSTEM / "court"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(out_dir.glob("monthly_*.csv")):
        old.unlink()
    final = {c: np.zeros_like(v) for c, v in counts.items()}
    files = 0
    rows_total = 0
    for mi, month in enumerate(MONTHS):
        sent = _month_end(month)
        if sent > ctx.as_of:
            continue
        rows = [[month, COURT_CODE, t[0], *[int(counts[c][mi, ti]) for c in cols], 1, f"{sent:%Y-%m-%d %H:%M:%S}"]
                for ti, t in enumerate(TRIBUNALS)]
        corrected_at = sent + timedelta(days=int(rng.integers(5, 15)))
        wrong = np.flatnonzero(rng.random(len(rows)) < ctx.mess.late_correction) if corrected_at <= ctx.as_of \
            else np.array([], dtype=int)
        first_version = [list(r) for r in rows]
        for ti in wrong:  # the first report carried a typo in 结案数 or 送达总次数
            col = 4 + int(rng.integers(0, 2))
            first_version[ti][col] = int(first_version[ti][col]) + int(rng.integers(1, 50)) * 10
        dup = [i for i in range(len(rows)) if rng.random() < ctx.mess.duplicate]
        name = f"monthly_{month}.csv"
        body = []
        for i, r in enumerate(first_version):
            body.append(r)
            if i in dup:
                body.append(list(r))
                ctx.truth.anomaly(SYSTEM, "court_monthly", f"{name}:{len(body)}", "duplicate")
        (out_dir / name).write_bytes(_write(body))
        files += 1
        rows_total += len(body)
        if len(wrong):
            for ti in wrong:
                ctx.truth.anomaly(SYSTEM, "court_monthly", f"{name}:{TRIBUNALS[ti][0]}", "late_correction")
            r2 = [[*r[:-2], 2, f"{corrected_at:%Y-%m-%d %H:%M:%S}"] for r in rows]
            (out_dir / f"monthly_{month}_r2.csv").write_bytes(_write(r2))
            files += 1
            rows_total += len(r2)
        for c in cols:
            final[c][mi] = counts[c][mi]
    ctx.truth.count(SYSTEM, "court_monthly_files", files)
    ctx.truth.count(SYSTEM, "court_monthly", rows_total)
    ctx.truth.planted["court_ai_trial_launch_month"] = AI_TRIAL_LAUNCH_MONTH
    ctx.truth.planted["court_lingxi_launch_month"] = LINGXI_LAUNCH_MONTH
    ctx.truth.planted["court_rates_unit"] = "ratios (0.9792 = 97.92%); days saved in days"
    return court_expected(final, visible=[_month_end(m) <= ctx.as_of for m in MONTHS])


def court_expected(c: dict[str, np.ndarray], visible: list[bool]) -> dict[str, float]:
    """The court.* indicators from the counts of the visible months (2024 against 2023)."""
    vis = np.array(visible)
    y24 = vis & (np.arange(24) >= 12)
    y23 = vis & (np.arange(24) < 12)

    def tot(col: str, rows: np.ndarray) -> int:
        return int(c[col][rows].sum())

    out: dict[str, float] = {}
    if tot("送达总次数", y24):
        out["court.e_service_rate"] = tot("电子送达次数", y24) / tot("送达总次数", y24)
    if tot("首次成功送达案件数", y24) and tot("首次成功送达案件数", y23):
        # the difference of the two means as it is, not rounded: rounding is the reader's (the seed prints "11"); the
        # whole-day totals make the means inexact at a small scale (0.002: 2,025 ÷ 77 − 1,255 ÷ 82 = 10.9938… days)
        out["court.first_service_days_saved"] = (
            tot("首次成功送达总天数", y23) / tot("首次成功送达案件数", y23)
            - tot("首次成功送达总天数", y24) / tot("首次成功送达案件数", y24))
    out["court.transcripts"] = tot("AI笔录规整篇数", y24)
    if out["court.transcripts"]:
        out["court.transcript_accuracy"] = tot("笔录规整准确篇数", y24) / out["court.transcripts"]
    launch = MONTHS.index(AI_TRIAL_LAUNCH_MONTH)
    if vis[launch] and c["结案数"][launch - 12].sum():
        out["court.closed_yoy_launch_month"] = int(c["结案数"][launch].sum()) / int(c["结案数"][launch - 12].sum()) - 1
    return out
