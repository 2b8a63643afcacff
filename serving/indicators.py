"""The indicator table (kpi mart) for one period and area: the one query and its validation that the API,
`govlake kpi` and the bench share; and the indicators it cannot carry yet, with the reason (a source not ingested)."""

from __future__ import annotations

import re
from typing import Any

from serving.reader import Session

KPI_TABLE = "fct_indicator_values"
AVAILABILITY_TABLE = "fct_indicator_availability"  # why an indicator of the catalogue has no value (a missing source)
PERIOD = r"^\d{4}(-(0[1-9]|1[0-2]))?$"  # a year (2024) or a month (2024-03)
AREA = r"^\d{6}(\d{3}(\d{3})?)?$"  # district (6 digits), street (9) or community (12)
DISTRICT_CODE = "440309"


class KpiError(ValueError):
    """A request the kpi mart cannot answer; `status` is the HTTP status the API answers it with."""

    status = 422


class UnknownArea(KpiError):
    status = 404


class NoIndicatorTable(KpiError):
    status = 503


def validate(period: str, area: str) -> None:
    if not re.match(PERIOD, period):
        raise KpiError(f"period must be a year (2024) or a month (2024-03), got {period!r}")
    if not re.match(AREA, area):
        raise KpiError(f"no indicator values for area {area!r}: an area is a district (6 digits), street (9) or "
                       "community (12) code")


def indicator_values(session: Session, period: str, area: str = DISTRICT_CODE,
                     with_missing: bool = True) -> list[dict[str, Any]]:
    """Every indicator of the catalogue for PERIOD and AREA, in catalogue order; WITH_MISSING keeps catalogue rows
    without a value (value None), else only the indicators the mart has for them."""
    validate(period, area)
    tables = session.tables()
    if KPI_TABLE not in tables:
        raise NoIndicatorTable(f"the published snapshot has no {KPI_TABLE}: transform and publish the lake first")
    if not session.rows(f"select 1 from {KPI_TABLE} where area_code = ? limit 1", [area]):
        raise UnknownArea(f"no indicator values for area {area!r} (a district, street or community code)")
    # a snapshot published before the availability table existed: every indicator counts as available
    availability = (f"left join {AVAILABILITY_TABLE} as availability "
                    "on availability.indicator_code = catalogue.indicator_code"
                    if AVAILABILITY_TABLE in tables else
                    "left join (select null::varchar as indicator_code, 'available' as status, "
                    "null::varchar as reason) as availability on false")
    rows = session.rows(
        f"""
        select
            catalogue.indicator_code, catalogue.indicator_name, ? as period, ? as area_code, kpi.area_name,
            kpi.value, kpi.numerator, kpi.denominator, catalogue.unit, catalogue.target, kpi.target_met,
            coalesce(availability.status, 'available') as status, availability.reason as unavailable_reason,
            kpi.indicator_code is not null as present
        from dim_indicators as catalogue
        left join {KPI_TABLE} as kpi
            on kpi.indicator_code = catalogue.indicator_code and kpi.period = ? and kpi.area_code = ?
        {availability}
        order by catalogue.catalogue_order
        """,
        [period, area, period, area],
    )
    return [{k: v for k, v in r.items() if k != "present"} for r in rows if with_missing or r["present"]]


def unavailable_indicators(session: Session) -> list[dict[str, Any]]:
    """The catalogue's indicators the published indicator table does not carry, each with the reason (the source
    systems that have delivered nothing yet), in catalogue order; [] when every indicator is available."""
    if AVAILABILITY_TABLE not in session.tables():
        return []
    return session.rows(
        f"""
        select indicator_code, indicator_name, reason, missing_sources
        from {AVAILABILITY_TABLE}
        where status = 'unavailable'
        order by catalogue_order
        """
    )
