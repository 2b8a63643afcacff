"""How close a simulated run comes to the seed document's figures (docs/domain.md §5, seed `ref_indicators.csv`).

The catalogue keeps each figure as the document prints it (`seed_text`) and the reading a person gives it
(`seed_reading`, `seed_low` ≤ value < `seed_high`; docs/calibration.md):

- plain ("105.75万", "37", "97.92%"): the values that round to the printed figure at its last printed digit;
- more than ("3100余", "超2060余万"): at least the figure and under the next unit of its last non-zero digit;
- nearly ("近90%"): just under the figure, by at most 3% of it.

At scale 1.0 a figure must lie in its reading. Smaller runs are judged around the reading's middle, scaled, with
room for sampling noise: a count may be off by a few standard deviations, a rate by a point or two.
"""

from __future__ import annotations

import csv
import math
import re
from decimal import Decimal
from typing import Any

from simulator.catalogue import SEEDS_DIR
from simulator.context import GroundTruth

NEARLY_SHARE = Decimal("0.03")  # 近 X: within 3% below X
_FIGURE = re.compile(r"^(?P<pre>[超近]?)(?P<num>\d+(?:\.\d+)?)(?P<rest>[余万]*)(?P<pct>%?)$")


def seed_reading(text: str) -> tuple[str, float, float]:
    """The reading of a figure as printed: (plain | more_than | nearly, low, high), low ≤ value < high.

    "3100余" -> more_than [3100, 3200); "6.1万余" -> [61000, 62000); "超2060余万" -> [20600000, 20700000);
    "1.4万" -> plain [13500, 14500); "37" -> [36.5, 37.5); "近90%" -> nearly [87.3, 90)."""
    m = _FIGURE.match(text.strip())
    if not m:
        raise ValueError(f"unreadable seed figure {text!r}")
    digits, rest = m["num"], m["rest"]
    factor = Decimal(10_000) if "万" in rest else Decimal(1)
    value = Decimal(digits) * factor
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    last_digit = Decimal(1).scaleb(-decimals) * factor  # the place value of the last printed digit
    if m["pre"] == "近":
        return "nearly", float(value * (1 - NEARLY_SHARE)), float(value)
    if m["pre"] == "超" or "余" in rest:
        significant = digits.replace(".", "").rstrip("0")
        unit = last_digit * Decimal(10) ** (len(digits.replace(".", "")) - len(significant))
        return "more_than", float(value), float(value + unit)
    return "plain", float(value - last_digit / 2), float(value + last_digit / 2)


def _catalogue() -> list[dict[str, str]]:
    with open(SEEDS_DIR / "ref_indicators.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def calibration(truth: GroundTruth) -> list[dict[str, Any]]:
    """One row per indicator of the catalogue: seed figure and its reading, what this run should show, what it
    shows, verdict."""
    full = truth.scale >= 1.0
    rows = []
    for ind in _catalogue():
        code, unit = ind["indicator_code"], ind["unit"]
        got = truth.expected.get(code)
        row: dict[str, Any] = {"code": code, "name": ind["indicator_name"], "unit": unit, "seed": None,
                               "reading": ind["seed_text"] or None, "low": None, "high": None, "want": None,
                               "got": got, "ok": got is not None}
        if got is None or not ind["seed_text"]:
            rows.append(row)  # missing (a failure) or the data's own value (nothing to compare)
            continue
        low, high = float(ind["seed_low"]), float(ind["seed_high"])
        printed = ind["seed_text"] + ("" if unit == "%" else unit)
        row.update(seed=float(ind["seed_value_2024"]), reading=f"{printed} ({ind['seed_reading']})")
        scales = ind["scales_with_data"] == "true"
        factor = truth.scale if scales else 1.0
        shown = float(got) * 100 if unit == "%" else float(got)  # the ground truth keeps rates as fractions
        row.update(got=shown, low=low * factor, high=high * factor, want=(low + high) / 2 * factor)
        if full:
            ok = low <= shown < high
        elif scales:
            want = row["want"]
            ok = abs(shown - want) <= max(0.01 * want, 3 * math.sqrt(want), 1.0) + (high - low) / 2 * factor
        else:
            ok = low - 1.5 <= shown < high + 1.5
        row["ok"] = ok
        rows.append(row)
    return rows
