"""The one map's illustrative boundaries: generated from the grid seed, each area containing its own grids."""

from __future__ import annotations

import csv
import json

from shapely.geometry import Point, shape

from superset_assets import boundaries


def test_the_committed_seed_is_what_the_grids_generate() -> None:
    assert boundaries.OUT.read_text(encoding="utf-8") == boundaries.render(boundaries.boundaries()), \
        "regenerate with `python -m superset_assets.boundaries`"


def test_every_grid_lies_in_its_community_and_street_and_the_streets_tile_the_district() -> None:
    rows = boundaries.boundaries()
    shapes = {r["area_code"]: shape(json.loads(r["geometry_geojson"])) for r in rows}
    with (boundaries.SEEDS / "ref_grids.csv").open(encoding="utf-8") as fh:
        grids = list(csv.DictReader(fh))
    for grid in grids:
        centre = Point(float(grid["longitude"]), float(grid["latitude"]))
        assert shapes[grid["community_code"]].contains(centre), grid["grid_code"]
        assert shapes[grid["street_code"]].buffer(1e-5).contains(centre), grid["grid_code"]
    streets = [shapes[r["area_code"]] for r in rows if r["area_level"] == "street"]
    district = shapes[boundaries.DISTRICT_CODE]
    assert abs(sum(s.area for s in streets) - district.area) / district.area < 0.01  # no gaps, no overlaps
    assert {r["code_source"] for r in rows} == {"illustrative"}
