"""The building blocks every source's pandera schema is written with: row rules, column kinds, the area hierarchy.

Rule names are what the quarantine and the quality mart show, so a block names its rule the same wherever it is
used: `<later>_not_before_<earlier>`, `community_in_street`, `grid_in_community`, `area_codes_agree`, …
No `error=` on checks: pandera would report it instead of the name, and the name is the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime

import pandera.polars as pa
import polars as pl

from quality.checks import UNDECODABLE, not_in_future
from quality.codes import DISTRICT_BBOX, parent_map, seed_column

TS = pl.Datetime("us")

# --- row rules --------------------------------------------------------------------------------------------------


def row_rule(name: str, ok: pl.Expr) -> pa.Check:
    """A cross-field rule; a null operand means "not applicable" (whether it may be null is the column's business)."""
    return pa.Check(lambda data: data.lazyframe.select(ok.fill_null(True).alias(name)), name=name)


def row_check(name: str, ok: pl.Expr) -> pa.Check:
    """A row rule taken as written: a null result fails (for flags and expressions that decide nulls themselves)."""
    return pa.Check(lambda data: data.lazyframe.select(ok), name=name)


def column_check(name: str, expr: Callable[[pl.Expr], pl.Expr], nulls_pass: bool = False) -> pa.Check:
    """A column check written as an expression over the column (rule `<column>:<name>`)."""
    if nulls_pass:
        return pa.Check(lambda data: data.lazyframe.select(expr(pl.col(data.key)).fill_null(True)), name=name)
    return pa.Check(lambda data: data.lazyframe.select(expr(pl.col(data.key))), name=name)


def not_in_future_of(received_at: datetime | None) -> list[pa.Check]:
    """`<col>:not_in_future` against the batch's receipt time, when it is known (a schema built without one for a
    test or a replay checks no clock)."""
    return [] if received_at is None else [not_in_future(received_at)]


def first_of(keys: list[str], prefer: pl.Expr | None = None, name: str = "duplicate") -> pa.Check:
    """NAME (`duplicate`): every row but one per KEYS fails. The one kept is the first listed — or, among the rows
    where PREFER holds, the first of those (a camera claimed by a neighbouring street keeps its own street's row).
    Rows with a null key are left to the not-null rules."""

    def check(data: pa.PolarsData) -> pl.LazyFrame:
        rank = pl.int_range(pl.len(), dtype=pl.Int64)
        if prefer is not None:
            rank = pl.when(prefer.fill_null(False)).then(rank).otherwise(rank + (1 << 40))
        key_null = pl.any_horizontal([pl.col(k).is_null() for k in keys])
        return data.lazyframe.with_columns(rank.alias("__rank")).select(
            key_null | (pl.col("__rank") == pl.col("__rank").min().over(keys))
        )

    return pa.Check(check, name=name)


def read_cleanly() -> list[pa.Check]:
    """The file connector's flags as rules: `wrong_encoding` (a record in the other encoding, decoded in its own —
    field-level, see quality/severity.py), `undecodable_row` (bytes in neither encoding) and `malformed_row` (more or
    fewer cells than the header) — both row-level."""
    error = pl.col("_encoding_error")
    return [
        row_check("wrong_encoding", error.is_null()),
        row_check("undecodable_row", error.is_null() | ~error.str.starts_with(UNDECODABLE)),
        row_check("malformed_row", pl.col("_parse_error").is_null()),
    ]


def not_before(later: str, earlier: str) -> pa.Check:
    """`<later>_not_before_<earlier>`: when both are known, LATER ≥ EARLIER."""
    return row_rule(f"{later}_not_before_{earlier}", pl.col(later) >= pl.col(earlier))


def present_iff(column: str, status_column: str, statuses: str | Sequence[str]) -> pa.Check:
    """`<column>_matches_<status_column>`: COLUMN is filled exactly when STATUS_COLUMN is (one of) STATUSES."""
    wanted = [statuses] if isinstance(statuses, str) else list(statuses)
    return row_rule(f"{column}_matches_{status_column}",
                    pl.col(status_column).is_in(wanted) == pl.col(column).is_not_null())


def duplicate_record(keys: Sequence[str], primary_key: str) -> pa.Check:
    """The same business record re-sent under a new primary key: every copy after the first-numbered one fails.

    Order-independent (min of the key, not row order), so the verdict does not depend on how the database returns
    rows. Rows with an incomplete business key are not judged here (their missing field is its own rule).
    """
    complete = pl.all_horizontal(pl.col(k).is_not_null() for k in keys)
    first = pl.col(primary_key) == pl.col(primary_key).min().over(list(keys))
    return row_rule("duplicate_record", ~complete | first)


# --- column kinds -----------------------------------------------------------------------------------------------


def key(pattern: str, unique: bool = True) -> pa.Column:
    """A record's key in its pattern. UNIQUE=False where one of two identical rows is a good row (a duplicate rule
    of the schema's own keeps it; pandera's `unique` would flag every copy)."""
    return pa.Column(pl.String, pa.Check.str_matches(pattern), unique=unique)


def ref(pattern: str, nullable: bool = False) -> pa.Column:
    """A reference to another record's key, by its pattern."""
    return pa.Column(pl.String, pa.Check.str_matches(pattern), nullable=nullable)


def text(nullable: bool = True) -> pa.Column:
    return pa.Column(pl.String, nullable=nullable)


def one_of(values: Collection[str], nullable: bool = False) -> pa.Column:
    """A closed vocabulary (a list keeps its order in the rule's reason, a set is sorted)."""
    listed = list(values) if isinstance(values, list | tuple) else sorted(values)
    return pa.Column(pl.String, pa.Check.isin(listed), nullable=nullable)


def when(received_at: datetime, nullable: bool = False, dtype: pl.DataType = TS, future_ok: bool = False) -> pa.Column:
    """A timestamp; an event time must not lie after the batch arrived (`<col>:not_in_future`; deadlines may)."""
    return pa.Column(dtype, [] if future_ok else [not_in_future(received_at)], nullable=nullable)


def street(nullable: bool = True) -> pa.Column:
    return one_of(seed_column("ref_streets", "street_code"), nullable=nullable)


def community(nullable: bool = True) -> pa.Column:
    return one_of(seed_column("ref_communities", "community_code"), nullable=nullable)


def grid(nullable: bool = True) -> pa.Column:
    return one_of(seed_column("ref_grids", "grid_code"), nullable=nullable)


def coordinates() -> dict[str, pa.Column]:
    """Optional WGS-84 coordinates inside the district's bounding box."""
    b = DISTRICT_BBOX
    return {
        "longitude": pa.Column(pl.Float64, pa.Check.in_range(b["lon_min"], b["lon_max"]), nullable=True),
        "latitude": pa.Column(pl.Float64, pa.Check.in_range(b["lat_min"], b["lat_max"]), nullable=True),
    }


# --- the area hierarchy (the seeds' street ⊃ community ⊃ grid) ----------------------------------------------------


def street_of(community_col: str = "community_code") -> pl.Expr:
    return pl.col(community_col).replace_strict(parent_map("ref_communities", "community_code", "street_code"),
                                                default=None, return_dtype=pl.String)


def community_of(grid_col: str = "grid_code") -> pl.Expr:
    return pl.col(grid_col).replace_strict(parent_map("ref_grids", "grid_code", "community_code"),
                                           default=None, return_dtype=pl.String)


def area_consistent(street_col: str = "street_code", community_col: str = "community_code",
                    grid_col: str | None = "grid_code") -> list[pa.Check]:
    """`community_in_street` and (with GRID_COL) `grid_in_community`; an unknown or missing code is left to its
    own column rule."""
    checks = [row_rule("community_in_street", street_of(community_col) == pl.col(street_col))]
    if grid_col:
        checks.append(row_rule("grid_in_community", community_of(grid_col) == pl.col(community_col)))
    return checks


def _areas_agree(data: pa.PolarsData) -> pl.LazyFrame:
    names = data.lazyframe.collect_schema().names()
    street, community, grid_code = pl.col("street_code"), pl.col("community_code"), pl.col("grid_code")
    ok = street_of().eq_missing(street) | community.is_null() | street.is_null()
    if "grid_code" in names:
        ok = ok & (community_of().eq_missing(community) | grid_code.is_null() | community.is_null())
    return data.lazyframe.select(ok)


# one rule for the whole hierarchy (`area_codes_agree`): a code the seeds do not know fails it too
AREAS_AGREE = pa.Check(_areas_agree, name="area_codes_agree")
