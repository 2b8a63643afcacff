"""Split a received batch into typed, valid rows and rejected rows that carry the rule they broke and why.

The landing zone keeps every value as text, exactly as received. This module casts it to the schema's types (a value
that does not cast is a rejection, not a silent null), runs the pandera schema lazily so every failure of every row is
collected in one pass, and returns the two parts. received = valid + rejected always holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

ROW = "_row"


@dataclass
class Validated:
    valid: pl.DataFrame  # typed, schema columns + any passthrough columns
    rejected: pl.DataFrame  # raw text columns + _rule + _reason
    rules: dict[str, int]  # rejections per rule (a row breaking two rules counts in both)


def _cast(raw: pl.DataFrame, dtypes: dict[str, pl.DataType]) -> tuple[pl.DataFrame, pl.DataFrame]:
    exprs = []
    for name, dtype in dtypes.items():
        col = pl.col(name)
        if dtype == pl.Datetime("us"):
            exprs.append(col.str.to_datetime(time_unit="us", strict=False).alias(name))
        elif dtype == pl.Date:
            # a datetime text keeps its date part; polars no longer casts text to Date directly
            exprs.append(col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias(name))
        elif dtype == pl.Boolean:
            exprs.append(col.str.to_lowercase().replace_strict({"true": True, "1": True, "false": False, "0": False},
                                                                default=None, return_dtype=pl.Boolean).alias(name))
        else:
            exprs.append(col.cast(dtype, strict=False).alias(name))
    typed = raw.with_columns(exprs)
    failures = [
        pl.DataFrame({ROW: typed.filter(raw[name].is_not_null() & typed[name].is_null())[ROW]})
        .with_columns(pl.lit(f"type:{name}").alias("rule"), pl.lit(f"{name}: cannot read as {dtype}").alias("reason"))
        for name, dtype in dtypes.items()
    ]
    return typed, pl.concat(failures) if failures else pl.DataFrame(schema={ROW: pl.UInt32, "rule": pl.String,
                                                                             "reason": pl.String})


def _schema_failures(typed: pl.DataFrame, schema: pa.DataFrameSchema) -> pl.DataFrame:
    empty = pl.DataFrame(schema={ROW: pl.UInt32, "rule": pl.String, "reason": pl.String})
    try:
        schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        # a fresh contiguous copy: polars 2.1 can panic on expressions over the view-backed frame pandera builds
        fc = pl.from_arrow(exc.failure_cases.to_arrow())
        assert isinstance(fc, pl.DataFrame)
        # schema-level failures without a row index (e.g. a missing column) fail the whole batch loudly
        if fc["index"].is_null().any():
            raise
        rows = typed[ROW]
        check = pl.col("check").str.replace(r"\(.*$", "")
        row_level = pl.col("schema_context") == "DataFrameSchema"
        return fc.select(
            rows.gather(fc["index"].cast(pl.UInt32)).alias(ROW),
            pl.when(row_level).then(check).otherwise(pl.col("column") + ":" + check).alias("rule"),
            pl.when(row_level)
            .then(pl.format("row failed {}", pl.col("check")))
            .otherwise(pl.format("{} failed {} (value: {})", pl.col("column"), pl.col("check"),
                                 pl.col("failure_case").fill_null("null")))
            .str.slice(0, 300)
            .alias("reason"),
        )
    return empty


def validate(raw: pl.DataFrame, schema: pa.DataFrameSchema) -> Validated:
    """Cast RAW (all text) to SCHEMA's dtypes and validate; nothing is dropped."""
    raw = raw.with_row_index(ROW)
    dtypes = {name: col.dtype.type for name, col in schema.columns.items() if name in raw.columns}
    typed, type_failures = _cast(raw, dtypes)
    failures = pl.concat([type_failures, _schema_failures(typed, schema)]).unique([ROW, "rule"], maintain_order=True)
    reasons = failures.group_by(ROW, maintain_order=True).agg(
        pl.col("rule").str.join("; ").alias("_rule"), pl.col("reason").str.join("; ").alias("_reason")
    )
    bad = reasons[ROW]
    rules = dict(failures.group_by("rule").len().sort("rule").iter_rows())
    valid = typed.filter(~pl.col(ROW).is_in(bad.implode())).drop(ROW)
    rejected = raw.join(reasons, on=ROW, how="inner").sort(ROW).drop(ROW)
    return Validated(valid=valid, rejected=rejected, rules=rules)
