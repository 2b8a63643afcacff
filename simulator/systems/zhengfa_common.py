"""What the S6–S10 political-legal (政法) generators share: the year, timestamps, areas and the planted mess.

Mess is planted the same way everywhere: anomalous rows come *in addition* to the clean ones (a clean count can then
hit the seed figure exactly), each carries its kind in a private `_kind` column until the ground truth is recorded, and
duplicates are copies of clean rows that the source sent twice (a new primary key where the table has one).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
import polars as pl
import sqlalchemy as sa

from simulator.areas import communities, grid_arrays, streets
from simulator.context import SimContext

SYSTEM = "zhengfa"
YEAR_START = datetime(2024, 1, 1)
YEAR_END = datetime(2025, 1, 1)
METADATA = sa.MetaData()  # every table of the zhengfa database
KIND = "_kind"  # private column: the planted anomaly kind of a row (null = clean)
EPOCH = np.datetime64("2024-01-01T00:00:00", "s")


def to_datetime(seconds: np.ndarray) -> np.ndarray:
    """Seconds since 2024-01-01 00:00 → datetime64[s] (vectorised)."""
    return (EPOCH + np.asarray(seconds, dtype="int64").astype("timedelta64[s]")).astype("datetime64[us]")


def to_date(days: np.ndarray) -> np.ndarray:
    return np.datetime64("2024-01-01", "D") + np.asarray(days, dtype="int64").astype("timedelta64[D]")


def as_of_seconds(ctx: SimContext) -> int:
    return int((ctx.as_of - YEAR_START).total_seconds())


def days_since_epoch(d: date) -> int:
    return (d - YEAR_START.date()).days


def weekday_weights(n_days: int, weekend: float) -> np.ndarray:
    weekday = (np.arange(n_days) + YEAR_START.weekday()) % 7
    w = np.where(weekday >= 5, weekend, 1.0)
    return w / w.sum()


def hours_of_day(rng: np.random.Generator, n: int, profile: Sequence[float]) -> np.ndarray:
    p = np.asarray(profile, dtype=float)
    return rng.choice(24, n, p=p / p.sum())


IN_PLACE = ("late_correction",)  # kinds that mark an existing valid row (it still counts) instead of adding one


def anomaly_kinds(rng: np.random.Generator, n_clean: int, rates: dict[str, float]) -> np.ndarray:
    """Kinds for n_clean valid rows plus binomially many anomalous extra rows, shuffled (None = clean).

    In-place kinds (late_correction) mark some of the n_clean rows instead: a corrected row is still a valid row.
    """
    parts: list[np.ndarray] = [np.full(n_clean, None, dtype=object)]
    for kind, rate in rates.items():
        if kind not in IN_PLACE:
            parts.append(np.full(int(rng.binomial(n_clean, rate)) if rate > 0 else 0, kind, dtype=object))
    kinds = np.concatenate(parts)
    for kind, rate in rates.items():
        if kind in IN_PLACE and rate > 0:
            kinds[:n_clean][rng.random(n_clean) < rate] = kind
    return kinds[rng.permutation(len(kinds))]


def valid() -> pl.Expr:
    """Rows that count in the indicators: clean, or corrected in place."""
    return pl.col(KIND).is_null() | pl.col(KIND).is_in(list(IN_PLACE))


def duplicates(rng: np.random.Generator, df: pl.DataFrame, rate: float) -> pl.DataFrame:
    """Copies of some clean rows (the same record sent twice), marked `duplicate`; the original stays clean."""
    clean = df.filter(pl.col(KIND).is_null())
    if rate <= 0 or clean.height == 0:
        return df.clear()
    pick = np.flatnonzero(rng.random(clean.height) < rate)
    return clean[pick].with_columns(pl.lit("duplicate").alias(KIND))


def record(ctx: SimContext, entity: str, df: pl.DataFrame, key: str) -> pl.DataFrame:
    """Count the rows, record every planted anomaly by primary key, and drop the private column."""
    ctx.truth.count(SYSTEM, entity, df.height)
    if KIND in df.columns:
        for k, kind in df.filter(pl.col(KIND).is_not_null()).select(key, KIND).iter_rows():
            ctx.truth.anomaly(SYSTEM, entity, str(k), kind)
        df = df.drop(KIND)
    return df


def clean(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(valid()) if KIND in df.columns else df


def sequence_ids(prefix: str, n: int, width: int = 6, start: int = 1) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(start, start + n)]


class Areas:
    """Grids with their community/street codes and names, as arrays for vectorised sampling."""

    def __init__(self) -> None:
        a = grid_arrays()
        self.grid_code = a["grid_code"]
        self.community_code = a["community_code"]
        self.street_code = a["street_code"]
        self.longitude = a["longitude"]
        self.latitude = a["latitude"]
        names = {c["community_code"]: c["community_name"] for c in communities()}
        street_names = streets()
        self.community_name = np.array([names[c] for c in self.community_code], dtype=object)
        self.street_name = np.array([street_names[s] for s in self.street_code], dtype=object)
        self.n = len(self.grid_code)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.integers(0, self.n, n)


def obj(values: np.ndarray | list[object]) -> list[object]:
    """numpy object arrays → Python lists (polars infers str/None columns from lists reliably)."""
    return values.tolist() if isinstance(values, np.ndarray) else values
