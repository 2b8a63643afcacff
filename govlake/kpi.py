"""`govlake kpi`: the indicator table (kpi mart) for one period, read from the published snapshot."""

from __future__ import annotations

import re
from typing import Any

import duckdb

from common.settings import Settings

KPI_TABLE = "fct_indicator_values"
PERIOD_PATTERN = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")  # a year (2024) or a month (2024-03)
DISTRICT_CODE = "440309"


class KpiError(ValueError):
    """A request the kpi mart cannot answer (bad period, unknown area, nothing published)."""


def indicator_values(settings: Settings, period: str, area: str = DISTRICT_CODE) -> list[dict[str, Any]]:
    """Every indicator of the catalogue for PERIOD and AREA, in catalogue order; a missing value is None."""
    if not PERIOD_PATTERN.match(period):
        raise KpiError(f"period must be a year (2024) or a month (2024-03), got {period!r}")
    if not settings.serving_path.exists():
        raise KpiError("nothing published yet: run `govlake demo` or `govlake publish`")
    con = duckdb.connect(str(settings.serving_path.resolve()), read_only=True)
    try:
        tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
        if KPI_TABLE not in tables:
            raise KpiError(f"the published snapshot has no {KPI_TABLE}: every source must be ingested and transformed")
        known = con.execute(f"select count(*) from {KPI_TABLE} where area_code = ?", [area]).fetchone()
        if not known or not known[0]:
            raise KpiError(f"no indicator values for area {area!r} (a district, street or community code)")
        cursor = con.execute(
            f"""
            select
                catalogue.indicator_code, catalogue.indicator_name, catalogue.unit,
                kpi.value, kpi.numerator, kpi.denominator, catalogue.target, kpi.area_name
            from dim_indicators as catalogue
            left join {KPI_TABLE} as kpi
                on kpi.indicator_code = catalogue.indicator_code and kpi.period = ? and kpi.area_code = ?
            order by catalogue.catalogue_order
            """,
            [period, area],
        )
        columns = [c[0] for c in cursor.description]
        return [{"period": period, "area_code": area, **dict(zip(columns, row, strict=True))}
                for row in cursor.fetchall()]
    finally:
        con.close()


def reconcile(settings: Settings, period: str = "2024") -> list[dict[str, Any]]:
    """The kpi mart's district values for PERIOD against the simulator's ground truth and the seed document.

    Judged like the simulator's own calibration (simulator/calibration.py): at scale 1.0 counts within 1% of the seed
    and rates at the seed's precision; the ground truth is matched exactly (rates to 4 decimals of a fraction).
    """
    from dataclasses import replace

    from simulator.calibration import calibration
    from simulator.context import GroundTruth
    from simulator.run import TRUTH_FILE

    truth = GroundTruth.read(settings.sources_dir / TRUTH_FILE)
    rows = indicator_values(settings, period)
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
