"""SQL for one read of a mart: filters, the caller's jurisdiction, sort and keyset paging (all values bound).

The order is the requested sort columns, then the mart's key (its grain), each null last; the cursor holds the last
row's values of those columns, so the next page starts strictly after it whatever was published meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.api.contracts import MartSpec

MAX_LIMIT = 1000


class QueryError(ValueError):
    """A parameter value the mart cannot answer: (parameter, message) → 422."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass
class Plan:
    where: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (column, descending)

    def add(self, condition: str, *values: object) -> None:
        self.where.append(condition)
        self.params.extend(values)

    @property
    def condition(self) -> str:
        return " and ".join(self.where) or "true"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parse_sort(mart: MartSpec, sort: str | None) -> list[tuple[str, bool]]:
    order: list[tuple[str, bool]] = []
    for part in (sort or "").split(","):
        part = part.strip()
        if not part:
            continue
        desc, name = part.startswith("-"), part.lstrip("+-")
        if name not in mart.column_names or not mart.column(name).sortable:
            raise QueryError("sort", f"unknown or unsortable column {name!r}; sortable: "
                                     f"{', '.join(c.name for c in mart.columns if c.sortable)}")
        if name in {o[0] for o in order}:
            raise QueryError("sort", f"column {name!r} given twice")
        order.append((name, desc))
    seen = {o[0] for o in order}
    return order + [(k, False) for k in mart.key if k not in seen]


def order_sql(order: list[tuple[str, bool]]) -> str:
    return ", ".join(f"{quote(c)} {'desc' if d else 'asc'} nulls last" for c, d in order)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def encode_cursor(row: dict[str, Any], order: list[tuple[str, bool]]) -> str:
    payload = {"o": [[c, d] for c, d in order], "v": [_plain(row[c]) for c, _ in order]}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: list[tuple[str, bool]]) -> list[Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        saved = [(str(c), bool(d)) for c, d in payload["o"]]
        values = list(payload["v"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise QueryError("cursor", "not a cursor this API issued") from exc
    if saved != order or len(values) != len(order):
        raise QueryError("cursor", "the cursor belongs to another sort order; keep `sort` while paging")
    return values


def keyset(mart: MartSpec, plan: Plan, order: list[tuple[str, bool]], values: list[Any]) -> None:
    """Rows strictly after VALUES in ORDER (each column null last): an OR over the order's prefixes."""
    alternatives: list[str] = []
    params: list[object] = []
    equal: list[str] = []
    equal_params: list[object] = []
    for (column, desc), value in zip(order, values, strict=True):
        col, typ = quote(column), mart.column(column).data_type
        if value is None:  # nothing sorts after a null but the next column's values among nulls
            equal.append(f"{col} is null")
            continue
        after = f"({col} {'<' if desc else '>'} cast(? as {typ}) or {col} is null)"
        alternatives.append(" and ".join([*equal, after]))
        params.extend([*equal_params, value])
        equal.append(f"{col} = cast(? as {typ})")
        equal_params.append(value)
    plan.add("(" + (" or ".join(alternatives) or "false") + ")", *params)
