"""Simulated 视频资源一本账 (video registry): the street offices' camera ledgers and the platform's daily status feed.

What the district receives, as files under `<out>/video/`:

- `ledgers/2024-MM/<street_code>_<街道>视频资源台账.(xlsx|csv)` — each street office's monthly ledger
  snapshot (as of the month's last day), kept by the integrator of that street's platform and exported with the
  vendor's own headers and codes (video_ledger.py): 海康威视 and 华为 as XLSX, 大华 as GBK CSV, 宇视 as UTF-8
  CSV with a BOM (the one ledger not in GBK). From `mess.schema_drift_month` 大华's export changes its columns
  (renamed, merged lon/lat, one dropped, two added). Every camera carries a GB/T 28181 ID and catalog fields
  (video_registry.py).
- `status/YYYY-MM-DD.jsonl.gz` — the video platform's nightly status export, one line per camera (video_status.py), also
  served page by page by the upstream HTTP server (simulator/upstream_http.py).

Ledger defects (camera-level, so they persist from month to month, keyed by the ID as the ledger shows it):
invalid_id (malformed GB/T 28181 ID), outside_district (swapped or shifted coordinates), missing_required (name,
coordinates or street empty), wrong_encoding (in a CSV the row's bytes are in the other encoding — UTF-8 inside a
GBK file or GBK inside the UTF-8 one; in an XLSX the name is GBK bytes read as Latin-1), unknown_code (camera type 9),
duplicate (listed twice in its ledger, or also in the next street's ledger). wrong_encoding is recoverable (the row
decodes in its own encoding, the name converts back to GBK), so it is a field-level defect: video.cameras counts the
distinct cameras of the latest ledgers that are clean, duplicated or mis-encoded; video.online_rate = online
camera-days ÷ camera-days of the clean feed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from simulator.areas import streets
from simulator.context import SimContext
from simulator.systems.video_files import write_csv, write_xlsx
from simulator.systems.video_ledger import DAHUA, DAHUA_V2, DELIVERIES, DRIFT_VENDOR, StreetDelivery, render, schema_for
from simulator.systems.video_registry import YEAR_START, date_of, day_of, generate_cameras
from simulator.systems.video_status import FeedResult, generate_feed, last_feed_day

SYSTEM = "video"
FIELD_LEVEL = ("wrong_encoding",)  # ledger defects that leave the camera readable (recovered on ingestion)
_CANONICAL_SOURCE = {"device_id": "shown_id", "street": "shown_street", "community": "community_name",
                     "grid": "grid_code", "longitude": "shown_longitude", "latitude": "shown_latitude"}


@dataclass
class LedgerStats:
    rows: int = 0
    latest_rows: int = 0
    files: int = 0


def _month_ends(last_day: int) -> list[tuple[int, int]]:
    """(month, day index) of every month end up to LAST_DAY."""
    return [(date_of(d).month, d) for d in range(366) if date_of(d + 1).day == 1 and d <= last_day]


def _ledger_rows(cams: pl.DataFrame, street: str, day: int) -> pl.DataFrame:
    active = (pl.col("install_day") <= day) & (pl.col("removed_day") > day)
    own = cams.filter(active & (pl.col("street_code") == street))
    # a boundary camera claimed by both streets: the neighbour lists it under its own street name
    claimed = cams.filter(active & (pl.col("dup_street") == street)).with_columns(
        pl.lit(streets()[street]).alias("shown_street"))
    twice = own.filter((pl.col("anomaly") == "duplicate") & pl.col("dup_street").is_null())
    return pl.concat([pl.concat([own, claimed]).sort("community_code", "device_id"), twice])


def _canonical(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(**{field: pl.col(src) for field, src in _CANONICAL_SOURCE.items()})


def _mojibake(text: str | None) -> str | None:
    # GBK bytes read as Latin-1: what a UTF-8 tool makes of a GBK text field
    return None if text is None else text.encode("gbk").decode("latin-1")


def _write_ledger(ctx: SimContext, delivery: StreetDelivery, month: int, day: int, rows: pl.DataFrame) -> None:
    schema = schema_for(delivery, month, ctx.mess.schema_drift_month)
    table = render(_canonical(rows), schema)
    bad = np.flatnonzero((rows["anomaly"] == "wrong_encoding").fill_null(False).to_numpy())
    name = f"{delivery.street_code}_{streets()[delivery.street_code]}街道视频资源台账"
    folder = f"2024-{month:02d}"
    if delivery.fmt == "xlsx":
        if len(bad):
            col = schema.columns["name"]
            names = table[col].to_list()
            for i in bad.tolist():
                names[i] = _mojibake(names[i])
            table = table.with_columns(pl.Series(col, names, dtype=pl.String))
        write_xlsx(ctx.path("video", "ledgers", folder, f"{name}.xlsx"), table, "视频资源台账", date_of(day),
                   f"{schema.vendor}视频平台")
    else:
        other = "utf-8" if delivery.encoding == "gbk" else "gbk"
        write_csv(ctx.path("video", "ledgers", folder, f"{name}.csv"), table, delivery.encoding,
                  set(bad.tolist()), other)


def _drift_truth(month: int) -> dict[str, object]:
    old, new = DAHUA.columns, DAHUA_V2.columns
    renamed = {old[f]: new[f] for f in old if f in new and old[f] != new[f] and f not in ("longitude",)}
    return {
        "vendor": DRIFT_VENDOR, "from_month": month,
        "streets": [d.street_code for d in DELIVERIES if d.schema.vendor == DRIFT_VENDOR],
        "renamed": renamed, "merged": {new["longitude"]: [old["longitude"], old["latitude"]]},
        "dropped": [old[f] for f in old if f not in new and f != "latitude"],
        "added": [new[f] for f in new if f not in old],
        "status_values": {"before": list(DAHUA.status_values), "after": list(DAHUA_V2.status_values)},
    }


def generate(ctx: SimContext) -> None:
    """Write the ledgers delivered and the feed exported by `ctx.as_of`, and record the ground truth."""
    cams = generate_cameras(ctx)
    last_day = last_feed_day(ctx.as_of.date(), ctx.as_of.strftime("%H:%M"))
    feed = generate_feed(ctx, cams, ctx.out / SYSTEM / "status", last_day)
    # a month's ledger is due on its last day
    months = _month_ends(day_of(ctx.as_of.date()))
    stats = LedgerStats()
    listed = np.zeros(cams.height, dtype=bool)
    latest = cams.head(0)
    for month, day in months:
        monthly = cams.with_columns(pl.Series("in_repair", feed.month_end_fault[month]),
                                    pl.int_range(pl.len()).alias("_i"))
        latest_parts = []
        for delivery in DELIVERIES:
            rows = _ledger_rows(monthly, delivery.street_code, day)
            _write_ledger(ctx, delivery, month, day, rows.drop("_i"))
            listed[rows["_i"].to_numpy()] = True
            stats.rows += rows.height
            stats.files += 1
            latest_parts.append(rows)
        latest = pl.concat(latest_parts).drop("_i", "in_repair")
    stats.latest_rows = latest.height
    _record_truth(ctx, cams, listed, latest, stats, feed, months)


def _record_truth(ctx: SimContext, cams: pl.DataFrame, listed: np.ndarray, latest: pl.DataFrame, stats: LedgerStats,
                  feed: FeedResult, months: list[tuple[int, int]]) -> None:
    truth = ctx.truth
    truth.count(SYSTEM, "camera_ledger_row", stats.rows)
    truth.count(SYSTEM, "camera", stats.latest_rows)
    truth.count(SYSTEM, "camera_status", feed.lines)
    for shown, kind in cams.filter(pl.Series(listed) & pl.col("anomaly").is_not_null()).select(
            "shown_id", "anomaly").iter_rows():
        truth.anomaly(SYSTEM, "camera", shown, kind, level="field" if kind in FIELD_LEVEL else "row")
    for key, kind in feed.anomalies:
        truth.anomaly(SYSTEM, "camera_status", key, kind)
    # what a person counts: every camera whose row can be read, once (a duplicate listing is still one camera)
    clean = latest.filter(pl.col("anomaly").is_null() | pl.col("anomaly").is_in(["duplicate", *FIELD_LEVEL]))
    truth.expected["video.cameras"] = clean["device_id"].n_unique()
    truth.expected["video.online_rate"] = round(feed.online_clean / feed.camera_days_clean, 4) \
        if feed.camera_days_clean else 0.0
    drift = ctx.mess.schema_drift_month
    truth.planted["video.schema_drift"] = _drift_truth(drift) if drift <= max((m for m, _ in months), default=0) \
        else None
    truth.planted["video.ledger_formats"] = {
        d.street_code: {"vendor": d.schema.vendor, "format": d.fmt, "encoding": d.encoding or "xlsx"}
        for d in DELIVERIES}
    truth.planted["video.offline_clusters"] = feed.clusters
    truth.planted["video.ledger_months"] = [f"{YEAR_START.year}-{m:02d}" for m, _ in months]
