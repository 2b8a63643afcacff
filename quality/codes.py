"""Code tables the quality rules check against: the dbt seeds are their single source."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"

# Longhua District's bounding box (WGS-84), generous by ~1 km: a coordinate outside it is not in the district.
DISTRICT_BBOX = {"lon_min": 113.95, "lon_max": 114.16, "lat_min": 22.58, "lat_max": 22.80}


@lru_cache
def seed_rows(seed: str) -> tuple[dict[str, str], ...]:
    """A seed's rows as read from its CSV (read once per process)."""
    with open(SEEDS_DIR / f"{seed}.csv", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


@lru_cache
def seed_column(seed: str, column: str) -> frozenset[str]:
    return frozenset(row[column] for row in seed_rows(seed))


@lru_cache
def parent_map(seed: str, child: str, parent: str) -> dict[str, str]:
    """CHILD code -> PARENT code of a hierarchy seed, e.g. ("ref_communities", "community_code", "street_code")."""
    return {row[child]: row[parent] for row in seed_rows(seed)}
