"""Helpers shared by the 深平安 system (S2) and the safety baseline (S3) generators.

Times are held as integer seconds from 2024-01-01 00:00 (`*_s` columns, negative before the year, null when the
event never happens) until the rows are projected onto `ctx.as_of` and turned into timestamps.
Planted defects use exact counts (round(clean × rate) per kind) rather than coin flips, so the clean rows — the ones the
indicators are computed from — hit their calibration targets exactly whatever the mess rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

import numpy as np
import polars as pl

from simulator.areas import communities, grid_arrays, streets
from simulator.context import MessConfig

SYSTEM = "pingan"
YEAR_START = datetime(2024, 1, 1)
YEAR_END = datetime(2025, 1, 1)
DAY = 86_400
YEAR_S = int((YEAR_END - YEAR_START).total_seconds())

# real roads of Longhua (for addresses and ticket text)
ROADS = ["人民路", "和平路", "东环一路", "东环二路", "梅龙大道", "民治大道", "龙华大道", "布龙路", "观澜大道",
         "龙观大道", "华荣路", "华盛路", "工业东路", "清湖路", "大浪南路", "浪花路", "新区大道", "环观南路",
         "五和大道", "福龙路", "腾龙路", "民康路", "白石龙路", "观平路", "环城路", "油松路", "狮头岭路", "建设路"]
# office-hour shape of 深平安 activity (hour 0..23)
OFFICE_HOURS = np.array([1, 1, 1, 1, 1, 1, 2, 4, 10, 14, 14, 12, 6, 8, 13, 14, 12, 9, 5, 4, 3, 2, 2, 1], float)


def office_times(rng: np.random.Generator, n: int, first_day: int = 0, last_day: int = 366,
                 weekend: float = 0.45) -> np.ndarray:
    """Seconds from the year start: working days and office hours dominate (weekend weight relative to 1)."""
    days = np.arange(first_day, last_day)
    weekday = (days + YEAR_START.weekday()) % 7
    w = np.where(weekday >= 5, weekend, 1.0)
    day = rng.choice(days, n, p=w / w.sum())
    hour = rng.choice(24, n, p=OFFICE_HOURS / OFFICE_HOURS.sum())
    return (day * DAY + hour * 3600 + rng.integers(0, 3600, n)).astype("int64")


def hours(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return (rng.uniform(low, high, n) * 3600).astype("int64")


def duplicate_rows(rng: np.random.Generator, df: pl.DataFrame, clean_mask: np.ndarray, rate: float) -> pl.DataFrame:
    """Copies of round(clean × rate) clean rows (the caller gives them new keys and marks them `duplicate`)."""
    pool = np.flatnonzero(clean_mask)
    k = min(round(pool.size * rate), pool.size)
    pick = np.sort(rng.choice(pool, k, replace=False)) if k else np.array([], dtype="int64")
    return df[pick.tolist()]


def ts(col: str) -> pl.Expr:
    """Seconds from the year start → a timestamp (microseconds, as every sink expects)."""
    return (pl.lit(YEAR_START) + pl.duration(seconds=pl.col(col))).dt.cast_time_unit("us").alias(
        col.removesuffix("_s") + "_at")


def cut_of(as_of: datetime) -> int:
    return int((as_of - YEAR_START).total_seconds())


def seen(col: str, cut: int) -> pl.Expr:
    """The column where its event happened by the cut, else null (the source cannot know the future)."""
    return pl.when(pl.col(col) <= cut).then(pl.col(col)).otherwise(None).alias(col)


@lru_cache
def community_names() -> dict[str, str]:
    return {c["community_code"]: c["community_name"] for c in communities()}


def area_columns(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Grid, community, street and a point near the grid centre for N rows (uniform over grids)."""
    a = grid_arrays()
    g = rng.integers(0, len(a["grid_code"]), n)
    return {
        "grid_code": a["grid_code"][g], "community_code": a["community_code"][g], "street_code": a["street_code"][g],
        "longitude": np.round(a["longitude"][g] + rng.normal(0, 0.0015, n), 6),
        "latitude": np.round(a["latitude"][g] + rng.normal(0, 0.0012, n), 6),
    }


def addresses(rng: np.random.Generator, street_codes: np.ndarray, community_codes: np.ndarray) -> list[str]:
    """深圳市龙华区{街道}街道{社区}社区{路}{号}: real road names, random numbers."""
    s_names, c_names = streets(), community_names()
    road = np.array(ROADS, dtype=object)[rng.integers(0, len(ROADS), street_codes.size)]
    num = rng.integers(1, 400, street_codes.size)
    return [f"深圳市龙华区{s_names[s]}街道{c_names[c]}社区{r}{k}号"
            for s, c, r, k in zip(street_codes, community_codes, road, num, strict=True)]


def pick(rng: np.random.Generator, values: Sequence[str], n: int, p: Sequence[float] | None = None) -> np.ndarray:
    probs = None if p is None else np.asarray(p, float) / np.sum(p)
    return np.asarray(values, dtype=object)[rng.choice(len(values), n, p=probs)]


def frame(columns: dict[str, object], strings: Sequence[str] = ()) -> pl.DataFrame:
    """A DataFrame from numpy/list columns; object arrays become lists, STRINGS are typed even when all null."""
    data = {k: (v.tolist() if isinstance(v, np.ndarray) and v.dtype == object else v) for k, v in columns.items()}
    return pl.DataFrame(data, schema_overrides={s: pl.String for s in strings})


def outside_district(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points clearly outside Longhua: Dapeng Bay, Shekou, Dongguan (typed-in or swapped coordinates)."""
    spots = np.array([(114.52, 22.60), (113.91, 22.48), (113.75, 23.02), (22.66, 114.03)])
    s = spots[rng.integers(0, len(spots), n)]
    return np.round(s[:, 0] + rng.normal(0, 0.01, n), 6), np.round(s[:, 1] + rng.normal(0, 0.01, n), 6)


def assign_anomalies(rng: np.random.Generator, eligible: np.ndarray, kinds: Sequence[str],
                     mess: MessConfig) -> np.ndarray:
    """A kind (or None) per existing row: exactly round(eligible × rate) of the ELIGIBLE rows get each kind."""
    out = np.full(eligible.size, None, dtype=object)
    pool = rng.permutation(np.flatnonzero(eligible))
    pos = 0
    for kind in kinds:
        k = min(round(pool.size * float(getattr(mess, kind))), pool.size - pos)
        out[pool[pos:pos + k]] = kind
        pos += k
    return out


NEVER = -(10**12)  # "this event does not happen" while times are numpy int64 (real times may be negative: pre-2024)


def nulls_for_never(*cols: str) -> list[pl.Expr]:
    return [pl.when(pl.col(c) != NEVER).then(pl.col(c)).alias(c) for c in cols]


def ts_max(*cols: str) -> pl.Expr:
    """The latest of several second columns (nulls ignored) as a timestamp: the row's `updated_at`."""
    return (pl.lit(YEAR_START) + pl.duration(seconds=pl.max_horizontal(*cols))).dt.cast_time_unit("us")
