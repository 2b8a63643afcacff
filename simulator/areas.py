"""The district's area hierarchy as the simulator uses it: street → community → grid, from the dbt seeds.

Grid codes are strings (real ones contain letters, e.g. 440309001007A0): community code + a letter + a digit.
The grid seed (`ref_grids.csv`) is generated once by `python -m simulator.areas` and committed as a code table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simulator.catalogue import SEEDS_DIR

# approximate street centres (WGS-84); communities and grids are scattered around them
STREET_CENTRES = {"440309001": (114.044, 22.707), "440309002": (114.037, 22.622), "440309003": (114.028, 22.656),
                  "440309004": (113.996, 22.667), "440309005": (114.082, 22.701), "440309006": (114.062, 22.729)}


@dataclass(frozen=True)
class Grid:
    grid_code: str
    community_code: str
    street_code: str
    longitude: float
    latitude: float


def _read(seed: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / f"{seed}.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache
def streets() -> dict[str, str]:
    return {r["street_code"]: r["street_name"] for r in _read("ref_streets")}


@lru_cache
def communities() -> list[dict[str, str]]:
    return _read("ref_communities")


@lru_cache
def grids() -> list[Grid]:
    return [Grid(r["grid_code"], r["community_code"], r["street_code"], float(r["longitude"]), float(r["latitude"]))
            for r in _read("ref_grids")]


def grid_arrays() -> dict[str, np.ndarray]:
    """Column arrays of the grids, for vectorised sampling: rng.integers(0, len(a['grid_code']), n)."""
    g = grids()
    return {
        "grid_code": np.array([x.grid_code for x in g], dtype=object),
        "community_code": np.array([x.community_code for x in g], dtype=object),
        "street_code": np.array([x.street_code for x in g], dtype=object),
        "longitude": np.array([x.longitude for x in g]),
        "latitude": np.array([x.latitude for x in g]),
    }


def _write_grid_seed() -> None:
    rng = np.random.default_rng(440309)
    rows = []
    for c in communities():
        lon0, lat0 = STREET_CENTRES[c["street_code"]]
        c_lon, c_lat = lon0 + rng.normal(0, 0.012), lat0 + rng.normal(0, 0.009)
        for i in range(int(rng.integers(6, 16))):
            code = f"{c['community_code']}{'ABCDEFGH'[i // 4]}{i % 4}"
            rows.append([code, c["community_code"], c["street_code"], f"{c_lon + rng.normal(0, 0.004):.6f}",
                         f"{c_lat + rng.normal(0, 0.003):.6f}", "illustrative"])
    with open(SEEDS_DIR / "ref_grids.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["grid_code", "community_code", "street_code", "longitude", "latitude", "code_source"])
        writer.writerows(rows)


if __name__ == "__main__":
    _write_grid_seed()
