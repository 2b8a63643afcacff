"""/v1 endpoints: every contracted mart (generated from the dbt manifest), the streets and the indicator values.

One route per mart is built from its `MartSpec` — its filters (area, period and code columns), sort, keyset cursor,
format — so OpenAPI documents each mart's parameters and columns; nothing here is written per mart.
"""

from __future__ import annotations

import hashlib
import inspect
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field, create_model

from services.api.auth import Scope, authenticate
from services.api.carryover import RowFilter
from services.api.contracts import AREA_PATTERNS, CODE_VALUE, Column, MartSpec
from services.api.formats import FORMATS, BytesCache, dumps, encode_table, negotiate
from services.api.keystore import ApiKey
from services.api.query import (
    MAX_LIMIT,
    Plan,
    QueryError,
    decode_cursor,
    encode_cursor,
    keyset,
    order_sql,
    parse_sort,
    quote,
)
from services.api.routers.catalog import catalog_url
from services.api.schemas import IndicatorList, StreetList
from services.api.snapshot import ApiSession, open_snapshot
from serving.indicators import AREA, DISTRICT_CODE, PERIOD, KpiError, indicator_values
from serving.reader import Session

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
DAY = r"^\d{4}-\d{2}-\d{2}$"
RESERVED = {"sort", "limit", "offset", "cursor", "format", "as_of"}
SnapshotDep = Annotated[Session, Depends(open_snapshot)]
KeyDep = Annotated[ApiKey, Depends(authenticate)]
AREA_TABLES = {"street_code": ("dim_areas", "street"), "community_code": ("dim_areas", "community"),
               "grid_code": ("dim_areas", "grid")}
PY_TYPES: dict[str, Any] = {"varchar": str, "bigint": int, "integer": int, "double": float, "boolean": bool,
                            "date": date, "timestamp": str, "varchar[]": list[str]}


TOTAL = "__govlake_total"  # the window count beside a page's rows (no mart column starts with __)
ENCODED = BytesCache()  # CSV / Parquet / Arrow answers by (snapshot, format, query): a snapshot never changes


def _set_rows(request: Request, rows: int) -> None:
    request.state.rows = rows


# --- the mart list -----------------------------------------------------------------------------------------------

class ColumnDoc(BaseModel):
    name: str
    type: str
    description: str


class MartDoc(BaseModel):
    mart: str = Field(description="the URL name: /v1/marts/{mart}")
    table: str = Field(description="the served table (govlake sql, Superset)")
    title: str = Field(description="中文名")
    description: str
    key: list[str] = Field(description="the grain: the columns the cursor pages on")
    filters: list[str] = Field(description="query parameters that filter this mart")
    person_level: bool = Field(description="rows about individual people (readable by street and admin keys only)")
    readable: bool = Field(description="whether the calling key may read it")
    published: bool = Field(description="whether the current snapshot serves it")
    columns: list[ColumnDoc]
    docs_url: str = Field(description="this mart's page in the data dictionary (/catalog)")


class MartList(BaseModel):
    snapshot: str
    catalog_url: str = Field(description="the data dictionary (数据字典): dbt's docs of these marts — lineage, "
                                         "中文 column docs, tests; no key needed")
    items: list[MartDoc]


def filter_names(mart: MartSpec) -> list[str]:
    names = [a for a in mart.area_columns]
    if mart.has_area_code:
        names.append("area_code")
    for c in mart.period_columns:
        names += [c.name, f"{c.name}_from", f"{c.name}_to"]
    names += [c.name for c in mart.code_columns if c.name != "area_code"]
    return [n for n in dict.fromkeys(names) if n not in RESERVED]


def _mart_doc(mart: MartSpec, key: ApiKey, served: set[str], catalog: str) -> MartDoc:
    scope = Scope(key)
    try:
        scope.check_mart(mart)
        readable = True
    except HTTPException:
        readable = False
    visible = set(scope.visible_columns(mart))
    return MartDoc(mart=mart.slug, table=mart.table, title=mart.title, description=mart.description,
                   key=list(mart.key), filters=filter_names(mart), person_level=mart.person_level,
                   readable=readable, published=mart.table in served,
                   columns=[ColumnDoc(name=c.name, type=c.data_type, description=c.description)
                            for c in mart.columns if c.name in visible],
                   docs_url=f"{catalog}#!/model/{mart.unique_id}")


# --- one mart ------------------------------------------------------------------------------------------------------

def _parse_period(column: Column, parameter: str, value: str | None, end: bool) -> date | None:
    if value is None:
        return None
    try:
        if column.is_month:
            return date.fromisoformat(f"{value}-01")
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError(parameter, f"not a valid {'month' if column.is_month else 'date'}: {value!r}") from None


def _known_area(snap: Session, parameter: str, code: str) -> None:
    table, level = AREA_TABLES[parameter]
    if not snap.rows(f"select 1 from {table} where area_code = ? and area_level = ?", [code, level]):
        raise HTTPException(404, detail=f"unknown {parameter} {code}")


def build_plan(mart: MartSpec, snap: Session, scope: Scope, args: dict[str, Any]) -> Plan:
    plan = Plan()
    for column in mart.area_columns:
        code = args.get(column)
        if code is not None:
            _known_area(snap, column, code)
            scope.check_area(column, code)
            plan.add(f"{quote(column)} = ?", code)
    if mart.has_area_code and args.get("area_code") is not None:
        code = args["area_code"]
        if not snap.rows("select 1 from dim_areas where area_code = ?", [code]):
            raise HTTPException(404, detail=f"unknown area_code {code}")
        if scope.area and not code.startswith(scope.area):
            raise HTTPException(403, detail=f"area_code={code} is outside this key's area {scope.area}")
        plan.add("area_code = ?", code)
    for column in mart.period_columns:
        exact = args.get(column.name)
        lo_raw, hi_raw = args.get(f"{column.name}_from"), args.get(f"{column.name}_to")
        if exact is not None and (lo_raw is not None or hi_raw is not None):
            raise QueryError(column.name, f"use either {column.name} or {column.name}_from/{column.name}_to, "
                                          "not both")
        lo = _parse_period(column, f"{column.name}_from" if exact is None else column.name, exact or lo_raw, False)
        hi = _parse_period(column, f"{column.name}_to" if exact is None else column.name, exact or hi_raw, True)
        if lo and hi and lo > hi:
            raise QueryError(f"{column.name}_from", f"{column.name}_from {lo_raw} is after {column.name}_to "
                                                    f"{hi_raw}")
        if lo:
            plan.add(f"{quote(column.name)} >= ?", lo)
        if hi:
            plan.add(f"{quote(column.name)} <= ?", hi)
    for column in mart.code_columns:
        if column.name != "area_code" and args.get(column.name) is not None:
            plan.add(f"{quote(column.name)} = ?", args[column.name])
    scope.restrict(mart, plan)
    return plan


def _etag(snapshot: int, request: Request, key: ApiKey, fmt: str) -> str:
    scope = f"{key.role}:{key.area_code or ''}"
    digest = hashlib.blake2b(f"{request.url.path}?{sorted(request.query_params.multi_items())}|{fmt}|{scope}"
                             .encode(), digest_size=12).hexdigest()
    return f'W/"{snapshot}-{digest}"'


def read_mart(mart: MartSpec, request: Request, snap: Session, key: ApiKey, args: dict[str, Any]) -> Response:
    scope = Scope(key)
    scope.check_mart(mart)
    if mart.table not in snap.tables():
        raise HTTPException(404, detail=f"mart {mart.slug} is not in the published snapshot {snap.snapshot}")
    fmt = negotiate(request, args.get("format"))
    etag = _etag(snap.snapshot, request, key, fmt)
    headers = {"ETag": etag, "X-Snapshot": str(snap.snapshot), "Cache-Control": "private, max-age=0"}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        _set_rows(request, 0)
        return Response(status_code=304, headers=headers)
    # the whole answer, by its ETag (snapshot, path, query, format, the key's scope): a snapshot never changes
    response_key = ("response", etag)
    if (hit := ENCODED.get(response_key)) is not None:
        content, extra, count = hit
        _set_rows(request, count)
        return Response(content, media_type=FORMATS[fmt], headers={**headers, **extra})
    try:
        order = parse_sort(mart, args.get("sort"))
        plan = build_plan(mart, snap, scope, args)
        count_sql = f"select count(*) as n from {quote(mart.table)} where {plan.condition}"
        count_params = list(plan.params)  # the filters alone: the total is not of the rows after a cursor
        counted = RowFilter(mart.table, plan.condition, tuple(count_params))
        cursor, offset, limit = args.get("cursor"), int(args.get("offset") or 0), int(args["limit"])
        if cursor and offset:
            raise QueryError("offset", "use either cursor or offset, not both")
        if cursor:
            keyset(mart, plan, order, decode_cursor(cursor, order))
    except QueryError as exc:
        raise HTTPException(422, detail=[{"loc": ["query", exc.parameter], "msg": str(exc),
                                          "type": "value_error"}]) from exc
    columns = scope.visible_columns(mart)
    select = ", ".join(quote(c) for c in columns)
    # without a cursor, the page and the total in one query (one lake round trip less on a miss)
    merged = not cursor
    window = f", count(*) over () as {quote(TOTAL)}" if merged else ""
    sql = (f"select {select}{window} from {quote(mart.table)} where {plan.condition} order by {order_sql(order)} "
           f"limit ? offset ?")
    params = [*plan.params, limit + 1, offset]
    paged = RowFilter(mart.table, plan.condition, tuple(plan.params))  # the rows the page is taken from

    def total_of(first: Any) -> int:
        if first is not None:
            return int(first)
        if merged and offset == 0:
            return 0  # no row at all
        return int(_rows(snap, count_sql, count_params, counted)[0]["n"])  # a cursor, or a page past the end

    if fmt == "json":
        rows = _rows(snap, sql, params, paged)
        first = [row.pop(TOTAL) for row in rows][0] if merged and rows else None
        total = total_of(first)
        next_cursor = _next_cursor(mart, snap, plan, order, columns, rows[limit - 1] if len(rows) > limit else None,
                                   offset + limit - 1, paged)
        items = rows[:limit]
        body = {"mart": mart.slug, "snapshot": str(snap.snapshot), "total": total, "limit": limit,
                "offset": offset, "next_cursor": next_cursor, "items": items}
        content, count = dumps(body), len(items)
    else:
        table = snap.arrow(sql, params, paged) if isinstance(snap, ApiSession) else \
            snap.con.execute(sql, params).fetch_arrow_table()
        if merged:
            first = table.column(TOTAL)[0].as_py() if table.num_rows else None
            table = table.drop_columns([TOTAL])
        else:
            first = None
        total = total_of(first)
        last = table.slice(limit - 1, 1).to_pylist()[0] if table.num_rows > limit else None
        next_cursor = _next_cursor(mart, snap, plan, order, columns, last, offset + limit - 1, paged)
        table = table.slice(0, limit)
        content, count = encode_table(table, fmt), table.num_rows
    extra = {"X-Total-Count": str(total), **({"X-Next-Cursor": next_cursor} if next_cursor else {})}
    ENCODED.put(response_key, (content, extra, count))
    _set_rows(request, count)
    return Response(content, media_type=FORMATS[fmt], headers={**headers, **extra})


def _rows(snap: Session, sql: str, params: list[object], reads: RowFilter) -> list[dict[str, Any]]:
    """SQL's rows; the API's own session is also told which rows of the mart they are made of, which lets the answer
    outlive the snapshot when a publish does not touch them (services/api/carryover.py)."""
    return snap.rows(sql, params, reads) if isinstance(snap, ApiSession) else snap.rows(sql, params)


def _next_cursor(mart: MartSpec, snap: Session, plan: Plan, order: list[tuple[str, bool]], columns: list[str],
                 last: dict[str, Any] | None, position: int, reads: RowFilter) -> str | None:
    """The cursor after LAST (the page's last row), or None on the last page. A sort column the key may not see
    (a hidden pseudonym) is read apart: the cursor holds it, opaque to the client."""
    if last is None:
        return None
    if any(c not in columns for c, _ in order):
        last = _rows(snap, f"select {', '.join(quote(c) for c, _ in order)} from {quote(mart.table)} where "
                           f"{plan.condition} order by {order_sql(order)} limit 1 offset ?",
                     [*plan.params, position], reads)[0]
    return encode_cursor(last, order)


def _row_model(mart: MartSpec) -> type[BaseModel]:
    fields: dict[str, Any] = {
        c.name: (PY_TYPES.get(c.data_type, Any) | None, Field(description=c.description or c.name))  # type: ignore[operator]
        for c in mart.columns}
    return create_model(f"Row_{mart.table}", **fields)


def _page_model(mart: MartSpec) -> type[BaseModel]:
    return create_model(
        f"Page_{mart.table}",
        mart=(str, ...), snapshot=(str, Field(description="the published snapshot that answered")),
        total=(int, Field(description="rows matching the filters (and the key's area)")),
        limit=(int, ...), offset=(int, ...),
        next_cursor=(str | None, Field(description="pass as `cursor` for the next page; null on the last")),
        items=(list[_row_model(mart)], ...),  # type: ignore[valid-type]
    )


def _parameters(mart: MartSpec) -> list[inspect.Parameter]:
    def q(name: str, annotation: Any, **query: Any) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                 annotation=Annotated[annotation, Query(**query)], default=None)

    params = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
              inspect.Parameter("snap", inspect.Parameter.KEYWORD_ONLY, annotation=SnapshotDep),
              inspect.Parameter("key", inspect.Parameter.KEYWORD_ONLY, annotation=KeyDep)]
    for area in mart.area_columns:
        params.append(q(area, str | None, pattern=AREA_PATTERNS[area], description=f"{area}: only this area's rows"))
    if mart.has_area_code:
        params.append(q("area_code", str | None, pattern=r"^\d{6}(\d{3}(\d{3})?)?$",
                        description="district (6 digits), street (9) or community (12) code"))
    for c in mart.period_columns:
        pattern, shape = (MONTH, "YYYY-MM") if c.is_month else (DAY, "YYYY-MM-DD")
        for suffix, what in (("", "exactly"), ("_from", "from (inclusive)"), ("_to", "to (inclusive)")):
            params.append(q(f"{c.name}{suffix}", str | None, pattern=pattern,
                            description=f"{c.description or c.name}: {what}, {shape}"))
    for c in mart.code_columns:
        if c.name not in RESERVED and c.name != "area_code":
            params.append(q(c.name, str | None, pattern=CODE_VALUE, description=c.description or c.name))
    sortable = ", ".join(c.name for c in mart.columns if c.sortable)
    params += [
        q("sort", str | None, pattern=r"^[+-]?[a-z0-9_]+(,[+-]?[a-z0-9_]+)*$", max_length=500,
          description=f"columns to sort on, comma-separated, `-` for descending; then the key. One of: {sortable}"),
        inspect.Parameter("limit", inspect.Parameter.KEYWORD_ONLY,
                          annotation=Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")],
                          default=100),
        inspect.Parameter("offset", inspect.Parameter.KEYWORD_ONLY,
                          annotation=Annotated[int, Query(ge=0, le=1_000_000, description="rows to skip (prefer "
                                                                                          "cursor)")], default=0),
        q("cursor", str | None, max_length=4000, description="the `next_cursor` of the previous page"),
        q("format", Literal["json", "csv", "parquet", "arrow"] | None,
          description="answer format; default from the Accept header, else JSON"),
    ]
    return params


def _endpoint(mart: MartSpec) -> Any:
    def endpoint(**kwargs: Any) -> Response:
        request, snap, key = kwargs.pop("request"), kwargs.pop("snap"), kwargs.pop("key")
        return read_mart(mart, request, snap, key, kwargs)

    endpoint.__signature__ = inspect.Signature(_parameters(mart))  # type: ignore[attr-defined]
    endpoint.__name__ = f"mart_{mart.table}"
    return endpoint


def build_router(marts: tuple[MartSpec, ...]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["marts"])
    by_slug = {m.slug: m for m in marts}

    @router.get("/marts", response_model=MartList, summary="数据集市目录 · every served mart, its columns and filters")
    def list_marts(request: Request, snap: SnapshotDep, key: KeyDep) -> Response:
        catalog = catalog_url(request)
        cache_key = (snap.snapshot, "marts", key.role, key.area_code, catalog)
        if (hit := ENCODED.get(cache_key)) is None:
            items = [_mart_doc(m, key, snap.tables(), catalog) for m in marts]
            hit = (MartList(snapshot=str(snap.snapshot), catalog_url=catalog, items=items).model_dump_json().encode(),
                   None, len(items))
            ENCODED.put(cache_key, hit)
        _set_rows(request, hit[2])
        return Response(hit[0], media_type=FORMATS["json"], headers={"X-Snapshot": str(snap.snapshot)})

    for mart in marts:
        router.add_api_route(
            f"/marts/{mart.slug}", _endpoint(mart), methods=["GET"], response_model=_page_model(mart),
            summary=mart.title, description=mart.description + ("\n\n**Person-level**: street (own area) and admin "
                                                                "keys only." if mart.person_level else ""),
            tags=[f"marts · {mart.tags[0]}" if mart.tags else "marts"],
            responses={200: {"content": {m: {} for m in list(FORMATS.values())[1:]}}},
        )

    @router.get("/marts/{mart}", include_in_schema=False)
    def unknown_mart(mart: str, key: KeyDep) -> None:
        raise HTTPException(404, detail=f"unknown mart {mart!r}; GET /v1/marts lists {len(by_slug)} marts")

    @router.get("/streets", response_model=StreetList, summary="街道列表", tags=["areas"])
    def streets(request: Request, snap: SnapshotDep, key: KeyDep) -> StreetList:
        where, params = ("where starts_with(street_code, ?)", [key.area_code[:9]]) if key.area_code else ("", [])
        rows = snap.rows(f"select street_code, street_name from ref_streets {where} order by street_code", params)
        _set_rows(request, len(rows))
        return StreetList(snapshot=str(snap.snapshot), items=rows)  # type: ignore[arg-type]

    @router.get("/kpi", response_model=IndicatorList, summary="指标表（按周期、区域）", tags=["indicators"])
    def indicators(
        request: Request,
        snap: SnapshotDep,
        key: KeyDep,
        period: Annotated[str, Query(pattern=PERIOD, description="a year YYYY or a month YYYY-MM")],
        area_code: Annotated[str | None, Query(pattern=AREA, description="district (6 digits), street (9) or "
                                                                         "community (12) code; default: the "
                                                                         "key's area, else the district")] = None,
    ) -> Response:
        area = area_code or key.area_code or DISTRICT_CODE
        if key.area_code and not area.startswith(key.area_code):
            raise HTTPException(403, detail=f"area_code={area} is outside this key's area {key.area_code}")
        cache_key = (snap.snapshot, "kpi", period, area)
        if (hit := ENCODED.get(cache_key)) is not None:
            _set_rows(request, hit[2])
            return Response(hit[0], media_type=FORMATS["json"])
        try:
            items = indicator_values(snap, period, area, with_missing=False)
        except KpiError as exc:
            detail: Any = str(exc)
            if exc.status == 422:  # the shape OpenAPI documents for a 422, naming the parameter
                detail = [{"loc": ["query", "area_code" if "area" in str(exc) else "period"], "msg": str(exc),
                           "type": "value_error"}]
            raise HTTPException(exc.status, detail=detail) from exc
        content = IndicatorList(snapshot=str(snap.snapshot), items=items).model_dump_json().encode()  # type: ignore[arg-type]
        ENCODED.put(cache_key, (content, None, len(items)))
        _set_rows(request, len(items))
        return Response(content, media_type=FORMATS["json"])

    return router
