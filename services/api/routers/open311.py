"""Open311 GeoReport v2, read side, at /open311/v2/: the ticket categories as services and the 民意速办 tickets as
service requests, in JSON and XML, with the spec's field names, filters, default window and error format.

No personal data leaves here: no caller, no free text (a request's description is its category), the address is
the community (深圳市龙华区 + street + community) and the coordinates are the community's centre rounded to 0.01°
(about 1 km): never the place of the event. `page` / `page_size` are the common extension for paging.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel

from services.api.formats import BytesCache
from services.api.snapshot import ApiSession, open_snapshot
from serving.reader import Session

SPEC = "http://wiki.open311.org/GeoReport_v2"
JURISDICTION = "440309"  # Longhua District
DEFAULT_WINDOW = timedelta(days=90)  # the spec: without dates, the last 90 days
MAX_REQUESTS = 1000  # the spec: at most 1000 requests per answer
COORDINATE_DECIMALS = 2
UTC8 = timezone(timedelta(hours=8), "Asia/Shanghai")  # the source systems' times are Beijing time, zone-less
SnapshotDep = Annotated[Session, Depends(open_snapshot)]
FORMATS = {"json": "application/json", "xml": "text/xml; charset=utf-8"}
ANSWERS = BytesCache(max_bytes=32 * 1024 * 1024)  # whole answers by (snapshot, path, query)

class ErrorItem(BaseModel):
    code: int
    description: str


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": list[ErrorItem], "description": "GeoReport v2 errors ([{code, description}])"}
    for status in (400, 404, 422, 503)}
router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"], responses=ERRORS)


class Open311Error(HTTPException):
    pass


def error_body(status: int, description: str, fmt: str) -> Response:
    if fmt == "xml":
        root = ET.Element("errors")
        error = ET.SubElement(root, "error")
        ET.SubElement(error, "code").text = str(status)
        ET.SubElement(error, "description").text = description
        return Response(_xml(root), status_code=status, media_type=FORMATS["xml"])
    return Response(_json([{"code": status, "description": description}]), status_code=status,
                    media_type=FORMATS["json"])


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _xml(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, detail=f"unknown format .{fmt}: use .json or .xml")
    return fmt


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def render(items: list[dict[str, Any]], fmt: str, root: str, item: str, headers: dict[str, str]) -> Response:
    if fmt == "json":
        return Response(_json(items), media_type=FORMATS["json"], headers=headers)
    tree = ET.Element(root)
    for entry in items:
        node = ET.SubElement(tree, item)
        for name, value in entry.items():
            if isinstance(value, list):
                child = ET.SubElement(node, name)
                for v in value:
                    if isinstance(v, dict):
                        sub = ET.SubElement(child, name[:-1] if name.endswith("s") else name)
                        for k, w in v.items():
                            ET.SubElement(sub, k).text = _text(w)
                    else:
                        ET.SubElement(child, name[:-1] if name.endswith("s") else name).text = _text(v)
            else:
                ET.SubElement(node, name).text = _text(value)
    return Response(_xml(tree), media_type=FORMATS["xml"], headers=headers)


def _jurisdiction(jurisdiction_id: str | None) -> None:
    if jurisdiction_id is not None and jurisdiction_id != JURISDICTION:
        raise Open311Error(404, detail=f"unknown jurisdiction_id {jurisdiction_id}; this endpoint serves "
                                       f"{JURISDICTION} (龙华区)")


Jurisdiction = Annotated[str | None, Query(description=f"optional; {JURISDICTION} (龙华区)", max_length=40)]


def _w3(value: datetime | None) -> str | None:
    if value is None:
        return None
    local = value if value.tzinfo else value.replace(tzinfo=UTC8)
    return local.isoformat(timespec="seconds")




def _parse_w3(parameter: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, detail=f"{parameter} must be a w3 datetime (2024-03-01T00:00:00+08:00), "
                                       f"got {value!r}") from None
    # the mart holds Beijing time without a zone: compare in it
    return (moment.astimezone(UTC8) if moment.tzinfo else moment).replace(tzinfo=None)


@router.get("/discovery.{fmt}", summary="Open311 discovery")
def discovery(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    body = {"changeset": "2026-12-06T00:00:00+08:00", "contact": "龙华区政务服务数据管理局 · govlake marts API",
            "key_service": "read-only: no key needed; no requests are accepted here",
            "endpoints": [{"specification": SPEC, "url": base, "changeset": "2026-12-06T00:00:00+08:00",
                           "type": "production", "formats": list(FORMATS.values())}]}
    if fmt == "json":
        return Response(_json(body), media_type=FORMATS["json"])
    root = ET.Element("discovery")
    for name in ("changeset", "contact", "key_service"):
        ET.SubElement(root, name).text = str(body[name])
    endpoints = ET.SubElement(root, "endpoints")
    for ep in body["endpoints"]:  # type: ignore[attr-defined]
        node = ET.SubElement(endpoints, "endpoint")
        for name in ("specification", "url", "changeset", "type"):
            ET.SubElement(node, name).text = ep[name]
        formats = ET.SubElement(node, "formats")
        for f in ep["formats"]:
            ET.SubElement(formats, "format").text = f
    return Response(_xml(root), media_type=FORMATS["xml"])


SERVICES_SQL = ("select category_code, l1_name, l2_name, l3_name, department from ref_ticket_categories "
                "order by category_code")


def _service(row: dict[str, Any]) -> dict[str, Any]:
    return {"service_code": row["category_code"], "service_name": row["l3_name"],
            "description": f"{row['l1_name']} / {row['l2_name']} / {row['l3_name']}（承办：{row['department']}）",
            "metadata": False, "type": "batch", "keywords": f"{row['l1_name']},{row['l2_name']}",
            "group": row["l1_name"]}


def _answer_key(request: Request, snap: Session) -> tuple[Any, ...]:
    return (snap.snapshot, request.url.path, tuple(sorted(request.query_params.multi_items())))


def _cached(key: tuple[Any, ...], fmt: str, snap: Session) -> Response | None:
    """A whole answer given before on this snapshot (a snapshot never changes)."""
    hit = ANSWERS.get(key)
    if hit is None:
        return None
    return Response(hit[0], media_type=FORMATS[fmt], headers={"X-Snapshot": str(snap.snapshot)})


def _keep(key: tuple[Any, ...], response: Response, count: int) -> Response:
    ANSWERS.put(key, (bytes(response.body), None, count))
    return response


@router.get("/services.{fmt}", summary="Open311 service list: the ticket categories")
def services(request: Request, fmt: str, snap: SnapshotDep, jurisdiction_id: Jurisdiction = None) -> Response:
    fmt = _format(fmt)
    _jurisdiction(jurisdiction_id)
    key = _answer_key(request, snap)
    if (hit := _cached(key, fmt, snap)) is not None:
        return hit
    items = [_service(r) for r in snap.rows(SERVICES_SQL)]
    return _keep(key, render(items, fmt, "services", "service", {"X-Snapshot": str(snap.snapshot)}), len(items))


@router.get("/services/{code}.{fmt}", summary="Open311 service definition")
def service_definition(code: str, fmt: str, snap: SnapshotDep, jurisdiction_id: Jurisdiction = None) -> Response:
    fmt = _format(fmt)
    _jurisdiction(jurisdiction_id)
    if not snap.rows("select 1 from ref_ticket_categories where category_code = ?", [code]):
        raise Open311Error(404, detail=f"unknown service_code {code}")
    body = {"service_code": code, "attributes": []}  # the categories ask for no attributes (metadata false)
    if fmt == "json":
        return Response(_json(body), media_type=FORMATS["json"])
    root = ET.Element("service_definition")
    ET.SubElement(root, "service_code").text = code
    ET.SubElement(root, "attributes")
    return Response(_xml(root), media_type=FORMATS["xml"])


REQUEST_SELECT = f"""
select t.ticket_id, t.status, t.category_code, c.l3_name, c.l1_name, c.l2_name, t.department, t.created_at,
       t.updated_at, t.due_at, t.closed_at, s.street_name, m.community_name,
       round(a.latitude, {COORDINATE_DECIMALS}) as lat, round(a.longitude, {COORDINATE_DECIMALS}) as lon
from fct_tickets t
left join ref_ticket_categories c using (category_code)
left join ref_streets s on s.street_code = t.street_code
left join ref_communities m on m.community_code = t.community_code
left join dim_areas a on a.area_code = coalesce(t.community_code, t.street_code)
"""


def _request(row: dict[str, Any]) -> dict[str, Any]:
    place = "".join(p for p in ("深圳市龙华区", f"{row['street_name']}街道" if row["street_name"] else "",
                                f"{row['community_name']}社区" if row["community_name"] else ""))
    return {
        "service_request_id": row["ticket_id"], "status": row["status"],
        "status_notes": "已办结" if row["status"] == "closed" else "办理中",
        "service_name": row["l3_name"], "service_code": row["category_code"],
        "description": " / ".join(p for p in (row["l1_name"], row["l2_name"], row["l3_name"]) if p) or None,
        "agency_responsible": row["department"], "service_notice": None,
        "requested_datetime": _w3(row["created_at"]), "updated_datetime": _w3(row["updated_at"] or row["created_at"]),
        "expected_datetime": _w3(row["due_at"]), "address": place, "address_id": None, "zipcode": None,
        "lat": row["lat"], "long": row["lon"], "media_url": None,
    }


def _codes(parameter: str, value: str | None, pattern: str) -> list[str]:
    import re

    if value is None:
        return []
    codes = [v.strip() for v in value.split(",") if v.strip()]
    bad = [c for c in codes if not re.fullmatch(pattern, c)]
    if bad or not codes:
        raise Open311Error(400, detail=f"{parameter}: invalid value(s) {', '.join(bad) or repr(value)}")
    return codes


@router.get("/requests.{fmt}", summary="Open311 service requests (the tickets, without personal data)")
def requests(
    request: Request,
    fmt: str,
    snap: SnapshotDep,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(max_length=2000, description="comma-separated ids; when "
                                                    "given, the other filters are ignored (spec)")] = None,
    service_code: Annotated[str | None, Query(max_length=2000, description="comma-separated service codes")] = None,
    start_date: Annotated[str | None, Query(max_length=40, description="w3 datetime; requested at or after")] = None,
    end_date: Annotated[str | None, Query(max_length=40, description="w3 datetime; requested before")] = None,
    status: Annotated[str | None, Query(max_length=20, description="open, closed or open,closed")] = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="extension: 1-based page")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_REQUESTS, description="extension: requests per page")] =
        MAX_REQUESTS,
) -> Response:
    fmt = _format(fmt)
    _jurisdiction(jurisdiction_id)
    key = _answer_key(request, snap)
    if (hit := _cached(key, fmt, snap)) is not None:
        return hit
    where, params = [], []  # type: ignore[var-annotated]
    start = end = None
    ids = _codes("service_request_id", service_request_id, r"[A-Za-z0-9_\-]{1,40}")
    if ids:
        where.append(f"t.ticket_id in ({', '.join('?' for _ in ids)})")
        params += ids
    else:
        codes = _codes("service_code", service_code, r"[0-9A-Za-z]{1,20}")
        if codes:
            where.append(f"t.category_code in ({', '.join('?' for _ in codes)})")
            params += codes
        statuses = _codes("status", status, r"open|closed")
        if statuses:
            where.append(f"t.status in ({', '.join('?' for _ in statuses)})")
            params += statuses
        start, end = _parse_w3("start_date", start_date), _parse_w3("end_date", end_date)
        if start and end and start > end:
            raise Open311Error(400, detail="start_date is after end_date")
        if start is not None and end is None:
            end = start + DEFAULT_WINDOW
        elif end is not None and start is None:
            start = end - DEFAULT_WINDOW
    # no dates given: the window ends at the newest request the snapshot holds ("now" is the data's as-of)
    follows_data = not ids and start is None and end is None

    def page_query(session: Session) -> tuple[str, list[object]]:
        """The page's SQL and parameters on SESSION's snapshot."""
        conditions, values, low, high = list(where), list(params), start, end
        if follows_data:
            latest = session.rows("select max(created_at) as m from fct_tickets")[0]["m"]
            high = latest + timedelta(seconds=1) if latest else None
            low = high - DEFAULT_WINDOW if high is not None else None
        if low is not None:
            conditions.append("t.created_at >= ?")
            values.append(low)
        if high is not None:
            conditions.append("t.created_at < ?")
            values.append(high)
        return (f"{REQUEST_SELECT} where {' and '.join(conditions) or 'true'} order by t.created_at desc, "
                "t.ticket_id limit ? offset ?", [*values, page_size, (page - 1) * page_size])

    sql, values = page_query(snap)
    # a new snapshot's warm-up asks a window that follows the data as that snapshot makes it, not this one again
    rows = snap.rows(sql, values, again=page_query) if follows_data and isinstance(snap, ApiSession) else \
        snap.rows(sql, values)
    return _keep(key, render([_request(r) for r in rows], fmt, "service_requests", "request",
                             {"X-Snapshot": str(snap.snapshot)}), len(rows))


@router.get("/requests/{request_id}.{fmt}", summary="Open311 one service request")
def one_request(request_id: str, fmt: str, snap: SnapshotDep, jurisdiction_id: Jurisdiction = None) -> Response:
    fmt = _format(fmt)
    _jurisdiction(jurisdiction_id)
    rows = snap.rows(f"{REQUEST_SELECT} where t.ticket_id = ?", [request_id])
    if not rows:
        raise Open311Error(404, detail=f"no service request {request_id}")
    return render([_request(r) for r in rows], fmt, "service_requests", "request", {"X-Snapshot": str(snap.snapshot)})
