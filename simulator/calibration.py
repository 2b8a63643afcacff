"""How close a simulated run comes to the seed document's figures (docs/domain.md §5, seed `ref_indicators.csv`).

At scale 1.0 counts must be within 1% of the seed and rates must show the seed's value at its precision. Smaller runs
are judged with room for sampling noise: a count may be off by a few standard deviations, a rate computed from a few
dozen rows by a point or two.
"""

from __future__ import annotations

import csv
import math
from typing import Any

from simulator.catalogue import SEEDS_DIR
from simulator.context import GroundTruth


def _catalogue() -> list[dict[str, str]]:
    with open(SEEDS_DIR / "ref_indicators.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def calibration(truth: GroundTruth) -> list[dict[str, Any]]:
    """One row per indicator of the catalogue: seed value, what this run should show, what it shows, verdict."""
    full = truth.scale >= 1.0
    rows = []
    for ind in _catalogue():
        code, unit = ind["indicator_code"], ind["unit"]
        got = truth.expected.get(code)
        row: dict[str, Any] = {"code": code, "name": ind["indicator_name"], "unit": unit, "seed": None,
                               "want": None, "got": got, "ok": got is not None}
        if got is None or not ind["seed_value_2024"]:
            rows.append(row)  # missing (a failure) or the data's own value (nothing to compare)
            continue
        seed = float(ind["seed_value_2024"])
        row["seed"] = seed
        if ind["scales_with_data"] == "true":
            want = seed * truth.scale
            slack = 0.01 * want if full else max(0.01 * want, 3 * math.sqrt(want), 1.0)
            row.update(want=want, ok=abs(float(got) - want) <= slack)
        else:
            shown = float(got) * 100 if unit == "%" else float(got)  # the ground truth keeps rates as fractions
            precision = int(ind["seed_precision"] or 0)
            row.update(want=seed, got=shown,
                       ok=round(shown, precision) == seed if full else abs(shown - seed) <= 1.5)
        rows.append(row)
    return rows
