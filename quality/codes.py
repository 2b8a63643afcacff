"""Code tables the quality rules check against: the dbt seeds are their single source."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"

# Longhua District's bounding box (WGS-84), generous by ~1 km: a coordinate outside it is not in the district.
DISTRICT_BBOX = {"lon_min": 113.95, "lon_max": 114.16, "lat_min": 22.58, "lat_max": 22.80}


@lru_cache
def seed_column(seed: str, column: str) -> frozenset[str]:
    with open(SEEDS_DIR / f"{seed}.csv", encoding="utf-8") as fh:
        return frozenset(row[column] for row in csv.DictReader(fh))
