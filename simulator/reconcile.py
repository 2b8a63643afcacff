"""The published indicator table against the simulator's ground truth and the seed document (`govlake kpi
--reconcile`, the bench): the comparison belongs to the simulator, which wrote the truth; the rows come from the
read side."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from simulator.calibration import calibration
from simulator.context import GroundTruth


def reconcile_rows(truth_path: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Indicator rows (the district's, one period) against the simulator's ground truth and the seed document.

    Judged like the simulator's own calibration (simulator/calibration.py): at scale 1.0 every figure within the
    seed's reading (3100余, 近90%); the ground truth is matched exactly (rates to 4 decimals of a fraction).
    """
    truth = GroundTruth.read(truth_path)
    units = {r["indicator_code"]: r["unit"] for r in rows}
    # the mart keeps % values as percentages; the ground truth (and the calibration) as fractions
    mart = {r["indicator_code"]: (r["value"] / 100 if r["unit"] == "%" else r["value"])
            for r in rows if r["value"] is not None}
    judged = {row["code"]: row for row in calibration(replace(truth, expected=mart))}
    out = []
    for r in rows:
        code = r["indicator_code"]
        want = truth.expected.get(code)
        got = mart.get(code)
        matches = got is not None and want is not None and abs(got - want) <= (5e-5 if units[code] == "%" else 1e-9)
        out.append({"code": code, "name": r["indicator_name"], "unit": units[code], "value": r["value"],
                    "truth": want * 100 if want is not None and units[code] == "%" else want,
                    "seed": judged[code]["seed"], "matches_truth": matches,
                    "within_seed_tolerance": judged[code]["ok"]})
    return out


def mismatches(rows: list[dict[str, Any]]) -> list[str]:
    """Codes of reconcile_rows() rows that miss the ground truth or the seed's tolerance."""
    return [r["code"] for r in rows if not (r["matches_truth"] and r["within_seed_tolerance"])]
