"""How the seed document's printed figures are read (docs/calibration.md), and the catalogue writing it down."""

from __future__ import annotations

import csv

import pytest

from simulator.calibration import calibration, seed_reading
from simulator.catalogue import SEEDS_DIR
from simulator.context import GroundTruth


@pytest.mark.parametrize(("text", "reading"), [
    ("3100余", ("more_than", 3100, 3200)),
    ("600余", ("more_than", 600, 700)),
    ("6.1万余", ("more_than", 61_000, 62_000)),
    ("超2060余万", ("more_than", 20_600_000, 20_700_000)),
    ("近90%", ("nearly", 87.3, 90)),
    ("105.75万", ("plain", 1_057_450, 1_057_550)),
    ("1.4万", ("plain", 13_500, 14_500)),
    ("699万", ("plain", 6_985_000, 6_995_000)),
    ("37", ("plain", 36.5, 37.5)),
    ("97.92%", ("plain", 97.915, 97.925)),
])
def test_printed_figures_read_as_a_person_reads_them(text: str, reading: tuple[str, float, float]) -> None:
    kind, low, high = seed_reading(text)
    assert kind == reading[0]
    assert (low, high) == pytest.approx(reading[1:])


def test_an_unreadable_figure_is_an_error() -> None:
    with pytest.raises(ValueError, match="unreadable"):
        seed_reading("about 3,100")


def _catalogue() -> list[dict[str, str]]:
    with open(SEEDS_DIR / "ref_indicators.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_catalogue_writes_down_the_reading_of_its_text() -> None:
    for row in _catalogue():
        if not row["seed_text"]:
            assert not row["seed_value_2024"] and not row["seed_low"], row["indicator_code"]
            continue
        kind, low, high = seed_reading(row["seed_text"])
        assert row["seed_reading"] == kind, row["indicator_code"]
        assert (float(row["seed_low"]), float(row["seed_high"])) == pytest.approx((low, high)), row["indicator_code"]
        assert low <= float(row["seed_value_2024"]) <= high, row["indicator_code"]


def _truth(scale: float, **values: float) -> GroundTruth:
    return GroundTruth(scale=scale, seed=1, as_of="2024-12-31 23:59:59", expected=values)


def test_scale_one_is_judged_by_the_reading() -> None:
    rows = {r["code"]: r for r in calibration(_truth(1.0, **{
        "demand.warnings": 3025, "video.cameras": 61_999, "community.online_ratio": 0.9113,
        "volunteer.activities": 8713, "patrol.hazards": 17_458}))}
    assert not rows["demand.warnings"]["ok"]  # 3,025 is not 3100余
    assert rows["video.cameras"]["ok"]  # 61,999 is 6.1万余
    assert not rows["community.online_ratio"]["ok"]  # 91.13% is not 近90%
    assert rows["volunteer.activities"]["ok"] and not rows["patrol.hazards"]["ok"]  # plain integers are exact
    assert rows["demand.warnings"]["reading"] == "3100余件次 (more_than)"


def test_smaller_runs_are_judged_around_the_readings_middle() -> None:
    rows = {r["code"]: r for r in calibration(_truth(0.01, **{"demand.warnings": 31, "video.cameras": 400}))}
    assert rows["demand.warnings"]["ok"] and rows["demand.warnings"]["want"] == pytest.approx(31.5)
    assert not rows["video.cameras"]["ok"]  # 615 expected
