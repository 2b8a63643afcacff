"""/v1 endpoints over the demand marts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from services.api.schemas import IndicatorList, Page, StreetList
from services.api.snapshot import open_snapshot
from serving.indicators import AREA, DISTRICT_CODE, PERIOD, KpiError, indicator_values
from serving.reader import Session

router = APIRouter(prefix="/v1", tags=["marts"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
SnapshotDep = Annotated[Session, Depends(open_snapshot)]


def _month(value: str | None) -> date | None:
    return date.fromisoformat(f"{value}-01") if value else None


@router.get("/streets", response_model=StreetList, summary="街道列表")
def streets(snap: SnapshotDep) -> StreetList:
    rows = snap.rows("select street_code, street_name from ref_streets order by street_code", [])
    return StreetList(snapshot=str(snap.snapshot), items=rows)  # type: ignore[arg-type]


@router.get("/marts/tickets-monthly-by-street", response_model=Page, summary="民意速办按街道月度统计")
def tickets_monthly_by_street(
    snap: SnapshotDep,
    street_code: Annotated[str | None, Query(pattern=r"^\d{9}$", description="9-digit street code")] = None,
    month: Annotated[str | None, Query(pattern=MONTH, description="one month, YYYY-MM")] = None,
    month_from: Annotated[str | None, Query(pattern=MONTH, description="first month, YYYY-MM")] = None,
    month_to: Annotated[str | None, Query(pattern=MONTH, description="last month, YYYY-MM")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    if month and (month_from or month_to):
        raise HTTPException(422, detail="use either month or month_from/month_to, not both")
    lo, hi = _month(month or month_from), _month(month or month_to)
    if lo and hi and lo > hi:
        raise HTTPException(422, detail=f"month_from {month_from} is after month_to {month_to}")
    if street_code and not snap.rows("select 1 from ref_streets where street_code = ?", [street_code]):
        raise HTTPException(404, detail=f"unknown street_code {street_code}")

    where, params = ["true"], []
    if street_code:
        where.append("street_code = ?")
        params.append(street_code)
    if lo:
        where.append("month >= ?")
        params.append(lo)
    if hi:
        where.append("month <= ?")
        params.append(hi)
    condition = " and ".join(where)
    total = snap.rows(f"select count(*) as n from agg_tickets_monthly_by_street where {condition}", params)[0]["n"]
    items = snap.rows(
        f"select * from agg_tickets_monthly_by_street where {condition} order by month, street_code "
        "limit ? offset ?",
        [*params, limit, offset],
    )
    return Page(snapshot=str(snap.snapshot), total=int(total), limit=limit, offset=offset, items=items)  # type: ignore[arg-type]


@router.get("/kpi", response_model=IndicatorList, summary="指标表（按周期、区域）")
def indicators(
    snap: SnapshotDep,
    period: Annotated[str, Query(pattern=PERIOD, description="a year YYYY or a month YYYY-MM")],
    area_code: Annotated[str, Query(pattern=AREA, description="district (6 digits), street (9) or community (12) "
                                                              "code")] = DISTRICT_CODE,
) -> IndicatorList:
    try:
        items = indicator_values(snap, period, area_code, with_missing=False)
    except KpiError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from exc
    return IndicatorList(snapshot=str(snap.snapshot), items=items)  # type: ignore[arg-type]
