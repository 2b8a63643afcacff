"""Refuse query parameters an endpoint does not know or that come twice: a typo (`steet_code=`) must not silently
widen a filter, and `period=2024&period=2023` must not silently become one of them."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


_ALLOWED: dict[int, frozenset[str]] = {}  # id(route dependant) -> its query parameter names


async def refuse_unknown_parameters(request: Request) -> None:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    # a route outside the documented API (the unknown-mart catch-all) only answers 404, whatever it is given
    if dependant is None or not getattr(route, "include_in_schema", True):
        return
    if not request.query_params:
        return
    allowed = _ALLOWED.get(id(dependant))
    if allowed is None:
        allowed = _ALLOWED[id(dependant)] = frozenset(_query_names(dependant))
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise HTTPException(
            status_code=400,
            detail=f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
        )
    repeated = sorted({k for k, _ in request.query_params.multi_items() if len(request.query_params.getlist(k)) > 1})
    if repeated:
        raise HTTPException(400, detail=f"repeated query parameter(s): {', '.join(repeated)}; give each once")
