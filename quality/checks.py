"""Reusable pandera (polars) checks for personal identifiers that appear in several sources.

Vectorised: a citizen-ID check over a million rows is a few polars expressions, not a Python call per value.
Nulls pass — whether a column may be empty is the column's `nullable`, so "missing" and "malformed" stay two rules.
"""

from __future__ import annotations

from datetime import datetime

import pandera.polars as pa
import polars as pl

# GB 11643-1999: weights of the first 17 digits and the ISO 7064 MOD 11-2 check character by remainder
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
MOBILE_PATTERN = r"^1[3-9]\d{9}$"  # mainland mobile numbers (MIIT numbering plan)
# how the file connector's `_encoding_error` begins when a record decodes in neither encoding (its text is lost)
UNDECODABLE = "row is not valid"


def citizen_id_expr(column: str) -> pl.Expr:
    """True where COLUMN is null or a well-formed 18-digit citizen ID: real birth date, right check character."""
    value = pl.col(column).str.to_uppercase()
    total = pl.sum_horizontal(
        value.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_WEIGHTS)
    )
    expected = (total % 11).replace_strict(dict(enumerate(_CHECK_CHARS)), default=None, return_dtype=pl.String)
    born = value.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    ok = value.str.contains(r"^\d{17}[0-9X]$") & born.is_not_null() & (value.str.slice(17, 1) == expected)
    return pl.col(column).is_null() | ok.fill_null(False)


def citizen_id_valid() -> pa.Check:
    """The column holds 18-digit citizen IDs with a valid check digit (rule name `<column>:citizen_id_valid`)."""
    return pa.Check(
        lambda data: data.lazyframe.select(citizen_id_expr(data.key)),
        name="citizen_id_valid",  # no `error=`: pandera would report it instead of the name, and the name is the rule
    )


def mobile_valid() -> pa.Check:
    """The column holds 11-digit mainland mobile numbers (rule name `<column>:mobile_valid`)."""
    return pa.Check(
        lambda data: data.lazyframe.select(
            pl.col(data.key).is_null() | pl.col(data.key).str.contains(MOBILE_PATTERN).fill_null(False)
        ),
        name="mobile_valid",
    )


def not_in_future(received_at: datetime) -> pa.Check:
    """A timestamp after the batch was received is a clock or entry error (rule `<col>:not_in_future`)."""
    return pa.Check(
        lambda data: data.lazyframe.select(pl.col(data.key).is_null() | (pl.col(data.key) <= received_at)),
        name="not_in_future",
    )

