"""Incremental extraction from an operational SQL database (SQLite, PostgreSQL, MariaDB) by an updated_at watermark.

Values are rendered as text exactly once, here, so the landing zone holds what was received in one uniform shape
whatever the database driver returned (datetimes, booleans, decimals).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import sqlalchemy as sa


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | Decimal):
        return str(value)
    return str(value)


def _frames(result: sa.CursorResult[Any], columns: list[str], chunk: int) -> Iterator[pl.DataFrame]:
    while rows := result.fetchmany(chunk):
        cols = list(zip(*rows, strict=True))
        yield pl.DataFrame(
            {name: [_text(v) for v in values] for name, values in zip(columns, cols, strict=True)},
            schema={name: pl.String for name in columns},
        )


def source_high_watermark(engine: sa.Engine, table: str, column: str) -> datetime | None:
    with engine.connect() as conn:
        value = conn.execute(sa.select(sa.func.max(sa.column(column))).select_from(sa.table(table))).scalar()
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def extract(
    engine: sa.Engine, table: str, column: str, low: datetime | None, high: datetime, chunk: int = 100_000
) -> pl.DataFrame:
    """Rows with low < COLUMN <= high, every value as text."""
    tbl = sa.Table(table, sa.MetaData(), autoload_with=engine)
    wm = tbl.c[column]
    query = sa.select(tbl).where(wm <= high)
    if low is not None:
        query = query.where(wm > low)
    columns = [c.name for c in tbl.columns]
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(query)
        frames = list(_frames(result, columns, chunk))
    return pl.concat(frames) if frames else pl.DataFrame(schema={name: pl.String for name in columns})
