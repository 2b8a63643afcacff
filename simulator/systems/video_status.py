"""The video platform's daily status feed: one JSON line per registered camera per day, one gzipped file per day.

What the district's video-networking platform (视频联网平台) exports each night at 23:30 from its heartbeat log:
`{"device_id", "stat_date", "status": online|offline|fault, "offline_minutes", "offline_times"}`. It knows cameras
by their true GB/T 28181 IDs (a ledger typo does not reach the platform), lists a camera from its install day until
its removal, and is sorted by device_id.

Availability is realistic: each camera has its own flakiness (most are online ~98% of days), faults persist until a
repair crew comes (about a week), and on some days a whole neighbourhood drops together (a power cut, a fibre cut, a
failed aggregation switch) — the offline clusters that a warnings engine should find; they are recorded in the
ground truth. Feed defects: a line sent twice (duplicate) and a status outside the code table (unknown_code).
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from simulator.context import SimContext
from simulator.systems.video_registry import YEAR_START, date_of

DAYS = 366
FEED_TIME = "23:30"  # the nightly export: day D's file exists from D 23:30
CLUSTERS_PER_YEAR = 26  # neighbourhood-wide outages (an area event, not a volume: does not scale)
CLUSTER_RADIUS_DEG = 0.005  # ~500 m around the failed power feeder / switch
CAUSES = ["市电停电", "光缆中断", "汇聚交换机故障", "施工挖断线路", "台风天气"]
STATUS_LABELS = {0: "online", 1: "offline", 2: "fault", 3: "unknown"}
FAULT_START_P = 0.0012  # a camera breaks down on a given day
REPAIR_P = 1 / 6  # a broken camera is repaired on a given day (mean ~6 days)


@dataclass
class FeedResult:
    days_written: int = 0
    lines: int = 0
    camera_days_clean: int = 0
    online_clean: int = 0
    anomalies: list[tuple[str, str]] = field(default_factory=list)  # (key, kind)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    month_end_fault: dict[int, np.ndarray] = field(default_factory=dict)  # month -> fault flag per camera


def _plan_clusters(rng: np.random.Generator, cams: pl.DataFrame) -> list[tuple[int, int, int, str]]:
    """(first day, length, epicentre camera index, cause) of each planted outage."""
    days = np.sort(rng.choice(np.arange(5, DAYS - 1), CLUSTERS_PER_YEAR, replace=False))
    return [(int(d), int(rng.choice([1, 1, 1, 2])), int(rng.integers(0, cams.height)), str(rng.choice(CAUSES)))
            for d in days]


def _cluster_masks(cams: pl.DataFrame, plan: list[tuple[int, int, int, str]]) -> list[np.ndarray]:
    lon, lat = cams["longitude"].to_numpy(), cams["latitude"].to_numpy()
    community = cams["community_code"].to_numpy()
    masks = []
    for _, _, centre, _ in plan:
        near = np.hypot((lon - lon[centre]) * 0.92, lat - lat[centre]) <= CLUSTER_RADIUS_DEG
        masks.append(near & (community == community[centre]))
    return masks


def generate_feed(ctx: SimContext, cams: pl.DataFrame, out_dir: Any, last_day: int) -> FeedResult:
    """Simulate the whole year day by day (so the data never depends on `as_of`); write days 0..LAST_DAY."""
    rng = ctx.rng("video.status")
    n = cams.height
    flaky = rng.beta(0.7, 28, n)  # per-camera daily offline probability, mean ~2.4%
    plan = _plan_clusters(rng, cams)
    masks = _cluster_masks(cams, plan)
    install, removed = cams["install_day"].to_numpy(), cams["removed_day"].to_numpy()
    ids = cams["device_id"]
    fault = np.zeros(n, dtype=bool)
    res = FeedResult()
    dup_p, unknown_p = ctx.mess.duplicate, ctx.mess.unknown_code
    month_ends = {date_of(d).month: d for d in range(DAYS) if date_of(d + 1).day == 1}
    out_dir.mkdir(parents=True, exist_ok=True)
    for day in range(DAYS):
        fault = np.where(fault, rng.random(n) >= REPAIR_P, rng.random(n) < FAULT_START_P)
        offline = rng.random(n) < flaky
        in_cluster = np.zeros(n, dtype=bool)
        for (start, length, _, _), mask in zip(plan, masks, strict=True):
            if start <= day < start + length:
                in_cluster |= mask
        offline |= in_cluster
        u = rng.random((4, n))
        if day in month_ends.values():
            res.month_end_fault[date_of(day).month] = fault.copy()
        if day > last_day:
            continue
        active = np.flatnonzero((install <= day) & (removed > day))
        status = np.where(fault, 2, np.where(offline, 1, 0))[active]
        minutes = np.select(
            [status == 2, status == 1],
            [np.full(len(active), 1440), (60 + u[0][active] * 1380).astype(np.int64)],
            np.where(u[1][active] < 0.12, (1 + u[0][active] * 58).astype(np.int64), 0),
        )
        times = np.where(status == 2, 1, np.where(status == 1, 1 + (u[2][active] * 6).astype(np.int64),
                                                   (minutes > 0).astype(np.int64)))
        unknown = u[3][active] < unknown_p
        dup = (u[3][active] >= unknown_p) & (u[3][active] < unknown_p + dup_p)
        res.camera_days_clean += int((~unknown).sum())
        res.online_clean += int(((status == 0) & ~unknown).sum())
        order = np.sort(np.concatenate([np.arange(len(active)), np.flatnonzero(dup)]))  # a duplicate follows its line
        stat = np.where(unknown, 3, status)
        d = date_of(day).isoformat()
        frame = pl.DataFrame({
            "device_id": ids.gather(active[order]),
            "status": pl.Series(stat[order]).replace_strict(STATUS_LABELS, return_dtype=pl.String),
            "offline_minutes": minutes[order],
            "offline_times": times[order],
        }).select("device_id", pl.lit(d).alias("stat_date"), "status", "offline_minutes", "offline_times")
        buf = io.BytesIO()
        frame.write_ndjson(buf)
        # gzip without a timestamp: same data, same bytes (and 1/16 of the disk)
        (out_dir / f"{d}.jsonl.gz").write_bytes(gzip.compress(buf.getvalue(), compresslevel=1, mtime=0))
        res.days_written += 1
        res.lines += frame.height
        day_ids = ids.gather(active)
        res.anomalies += [(f"{i}/{d}", "unknown_code") for i in day_ids.filter(pl.Series(unknown)).to_list()]
        res.anomalies += [(f"{i}/{d}", "duplicate") for i in day_ids.filter(pl.Series(dup)).to_list()]
    res.clusters = _cluster_truth(cams, plan, masks, last_day)
    return res


def _cluster_truth(cams: pl.DataFrame, plan: list[tuple[int, int, int, str]], masks: list[np.ndarray],
                   last_day: int) -> list[dict[str, Any]]:
    install, removed = cams["install_day"].to_numpy(), cams["removed_day"].to_numpy()
    out = []
    for (start, length, centre, cause), mask in zip(plan, masks, strict=True):
        for day in range(start, min(start + length, last_day + 1)):
            hit = mask & (install <= day) & (removed > day)
            out.append({
                "date": date_of(day).isoformat(), "cause": cause, "cameras": int(hit.sum()),
                "street_code": cams["street_code"][centre], "community_code": cams["community_code"][centre],
                "centre": [float(cams["longitude"][centre]), float(cams["latitude"][centre])],
                "radius_deg": CLUSTER_RADIUS_DEG,
            })
    return out


def last_feed_day(as_of_date: date, as_of_time: str) -> int:
    """The last day whose nightly export exists at the extraction instant."""
    day = (as_of_date - YEAR_START).days
    return min(DAYS - 1, day if as_of_time >= FEED_TIME else day - 1)
