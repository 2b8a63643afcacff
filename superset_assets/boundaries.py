"""Illustrative district, street and community boundaries for the one map (一图统览), made from the area seed.

No official boundary data is public (or reachable from here), so the map draws the platform's own: each grid's
Voronoi cell around its centroid (dbt_project/seeds/ref_grids.csv), clipped to a district outline — the grid
centroids' convex hull grown by OUTLINE_BUFFER_DEG — and merged per community and per street. They place every row
on the right street and community and look like a district; they are not survey boundaries, and the seed says so
(`code_source = illustrative`).

    python -m superset_assets.boundaries      # rewrite dbt_project/seeds/ref_area_boundaries.csv

A test regenerates the file and requires it unchanged, so it cannot drift from the grids.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, mapping
from shapely.geometry.base import BaseGeometry

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"
OUT = SEEDS / "ref_area_boundaries.csv"
DISTRICT_CODE = "440309"
DISTRICT_NAME = "龙华区"
OUTLINE_BUFFER_DEG = 0.008  # ~0.8 km beyond the outermost grid centroids
SIMPLIFY_DEG = 0.0003  # ~30 m: fewer vertices, no visible change at district zoom
DECIMALS = 5  # ~1 m
COLUMNS = ("area_code", "area_level", "area_name", "parent_code", "center_longitude", "center_latitude",
           "geometry_geojson", "code_source")


def _read(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _geojson(geometry: BaseGeometry) -> str:
    rounded = shapely.set_precision(geometry.simplify(SIMPLIFY_DEG), 10 ** -DECIMALS)
    return json.dumps(mapping(rounded), separators=(",", ":"))


def boundaries() -> list[dict[str, str]]:
    """One row per area (the district, each street, each community): its polygon as GeoJSON and its centre."""
    grids = _read("ref_grids.csv")
    streets = {r["street_code"]: r["street_name"] for r in _read("ref_streets.csv")}
    communities = {r["community_code"]: (r["community_name"], r["street_code"]) for r in _read("ref_communities.csv")}
    points = [Point(float(g["longitude"]), float(g["latitude"])) for g in grids]
    outline = MultiPoint(points).convex_hull.buffer(OUTLINE_BUFFER_DEG)
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=outline).geoms
    by_point = {}
    for cell in cells:  # voronoi_polygons does not keep the input order: match each cell to its point
        by_point[next(i for i, p in enumerate(points) if cell.contains(p))] = cell.intersection(outline)
    community_cells: dict[str, list[BaseGeometry]] = defaultdict(list)
    for i, grid in enumerate(grids):
        community_cells[grid["community_code"]].append(by_point[i])
    community_shapes = {code: shapely.union_all(parts) for code, parts in community_cells.items()}
    street_shapes: dict[str, list[BaseGeometry]] = defaultdict(list)
    for code, shape in community_shapes.items():
        street_shapes[communities[code][1]].append(shape)

    def row(code: str, level: str, name: str, parent: str, shape: BaseGeometry) -> dict[str, str]:
        centre = shape.representative_point()  # inside the polygon, unlike a concave shape's centroid
        return {"area_code": code, "area_level": level, "area_name": name, "parent_code": parent,
                "center_longitude": f"{centre.x:.{DECIMALS}f}", "center_latitude": f"{centre.y:.{DECIMALS}f}",
                "geometry_geojson": _geojson(shape), "code_source": "illustrative"}

    rows = [row(DISTRICT_CODE, "district", DISTRICT_NAME, "", outline)]
    rows += [row(code, "street", streets[code], DISTRICT_CODE, shapely.union_all(parts))
             for code, parts in sorted(street_shapes.items())]
    rows += [row(code, "community", communities[code][0], communities[code][1], shape)
             for code, shape in sorted(community_shapes.items())]
    return rows


def render(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


if __name__ == "__main__":
    OUT.write_text(render(boundaries()), encoding="utf-8")
    print(OUT)
