"""`govlake kpi`: the indicator table of the published snapshot (serving.indicators), and its reconciliation with
the simulator's ground truth."""

from __future__ import annotations

from typing import Any

from common.settings import Settings
from serving.indicators import DISTRICT_CODE, KpiError, indicator_values
from serving.reader import ServingError, session

__all__ = ["DISTRICT_CODE", "KpiError", "indicators", "mismatches", "reconcile", "reconcile_rows"]


def indicators(settings: Settings, period: str, area: str = DISTRICT_CODE,
               as_of: str | None = None) -> list[dict[str, Any]]:
    """The indicator rows for PERIOD and AREA as served (AS_OF: as published then); KpiError when unanswerable."""
    try:
        with session(settings, as_of) as s:
            return indicator_values(s, period, area)
    except KpiError:
        raise
    except (ServingError, ValueError) as exc:  # nothing published, or a malformed --as-of
        raise KpiError(str(exc)) from exc


def reconcile(settings: Settings, period: str = "2024") -> list[dict[str, Any]]:
    """The served district values for PERIOD against the simulator's ground truth and the seed document."""
    return reconcile_rows(settings, indicators(settings, period))


def reconcile_rows(settings: Settings, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Indicator rows (the district's, one period) against the simulator's ground truth and the seed document.

    Judged like the simulator's own calibration (simulator/calibration.py): at scale 1.0 counts within 1% of the seed
    and rates at the seed's precision; the ground truth is matched exactly (rates to 4 decimals of a fraction).
    """
    from dataclasses import replace

    from simulator.calibration import calibration
    from simulator.context import GroundTruth
    from simulator.run import TRUTH_FILE

    truth = GroundTruth.read(settings.sources_dir / TRUTH_FILE)
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
    """Codes of reconcile() rows that miss the ground truth or the seed's tolerance."""
    return [r["code"] for r in rows if not (r["matches_truth"] and r["within_seed_tolerance"])]
