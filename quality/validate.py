"""Split a received batch into typed, valid rows and rejected rows that carry the rule they broke and why.

The landing zone keeps every value as text, exactly as received. This module casts it to the schema's types (a value
that does not cast is a rejection, not a silent null), runs the pandera schema lazily so every failure of every row is
collected in one pass, and returns the two parts. received = valid + rejected always holds.

A rule's severity (quality/severity.py) decides what its failure costs: a row-level failure rejects the row; a
field-level one keeps the row with that field nulled or repaired, names the rule in the row's `_field_issues`, and
adds one record per (row, rule) to `issues` — the row as received, `_field`, `_rule`, `_reason`, `_action` — which
ingestion writes beside the quarantined rows. Field-level records are not rows: they never enter the reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from quality.severity import field_rule

ROW = "_row"
FIELD_ISSUES = "_field_issues"  # on a kept row: the field-level rules it broke, `; `-joined (null when none)


@dataclass
class Validated:
    valid: pl.DataFrame  # typed, schema columns + any passthrough columns
    rejected: pl.DataFrame  # raw text columns + _rule + _reason
    rules: dict[str, int]  # rejections per rule (a row breaking two rules counts in both)
    issues: pl.DataFrame  # field-level records of kept rows: raw text columns + _level, _field, _rule, _reason, _action
    field_rules: dict[str, int]  # field-level repairs per rule, on kept rows

    @property
    def repaired(self) -> int:
        """Kept rows with at least one field nulled, repaired or flagged."""
        return int(self.valid[FIELD_ISSUES].is_not_null().sum()) if FIELD_ISSUES in self.valid.columns else 0


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


def _levels(typed: pl.DataFrame, failures: pl.DataFrame,
            schema: pa.DataFrameSchema) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """FAILURES with `level` (row | field), `field`, `action`, `why`; and per repaired field the repaired values of
    the rows that failed (ROW + the field)."""
    columns = schema.columns
    info = []
    repaired: dict[str, pl.DataFrame] = {}
    for rule in failures["rule"].unique(maintain_order=True).to_list():
        found = field_rule(rule)
        column, handling = found if found is not None else (None, None)
        required = column is not None and column in columns and not columns[column].nullable
        if handling is None or (column is not None and column not in typed.columns) \
                or (handling.action == "null" and required):  # a required field cannot be emptied: the row goes
            info.append((rule, "row", None, None, None))
            continue
        if handling.action == "repair" and column is not None and handling.repair is not None:
            rows = failures.filter(pl.col("rule") == rule)[ROW]
            repaired[column] = typed.filter(pl.col(ROW).is_in(rows.implode())).select(
                ROW, handling.repair(pl.col(column)).alias(column))
        info.append((rule, "field", column, handling.action, handling.why))
    levels = pl.DataFrame(info, schema={"rule": pl.String, "level": pl.String, "field": pl.String,
                                        "action": pl.String, "why": pl.String}, orient="row")
    tagged = failures.join(levels, on="rule", how="left")
    # a repair that recovers nothing on a required field rejects the row after all
    unfixed = [fixed.filter(pl.col(c).is_null()).select(ROW, pl.lit(c).alias("field"), pl.lit(True).alias("_unfixed"))
               for c, fixed in repaired.items() if c in columns and not columns[c].nullable]
    if unfixed:
        tagged = tagged.join(pl.concat(unfixed), on=[ROW, "field"], how="left").with_columns(
            pl.when(pl.col("_unfixed").fill_null(False)).then(pl.lit("row")).otherwise(pl.col("level"))
            .alias("level")).drop("_unfixed")
    return tagged, repaired


def _apply(valid: pl.DataFrame, field_failures: pl.DataFrame, repaired: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Null or repair each failing field of the kept rows and flag them in `_field_issues`."""
    for (column, action), part in field_failures.filter(pl.col("field").is_not_null()).group_by(
            "field", "action", maintain_order=True):
        rows = pl.col(ROW).is_in(part[ROW].unique().implode())
        if action == "null":
            valid = valid.with_columns(pl.when(rows).then(None).otherwise(pl.col(column)).alias(column))
        elif action == "repair":
            fixed = repaired[column].rename({column: "__fixed"}).with_columns(pl.lit(True).alias("__hit"))
            valid = valid.join(fixed, on=ROW, how="left").with_columns(
                pl.when(pl.col("__hit").fill_null(False)).then(pl.col("__fixed")).otherwise(pl.col(column))
                .alias(column)).drop("__fixed", "__hit")
    flags = field_failures.group_by(ROW).agg(pl.col("rule").unique().sort().str.join("; ").alias(FIELD_ISSUES))
    return valid.join(flags, on=ROW, how="left", maintain_order="left")


def validate(raw: pl.DataFrame, schema: pa.DataFrameSchema) -> Validated:
    """Cast RAW (all text) to SCHEMA's dtypes and validate; nothing is dropped."""
    raw = raw.with_row_index(ROW)
    dtypes = {name: col.dtype.type for name, col in schema.columns.items() if name in raw.columns}
    typed, type_failures = _cast(raw, dtypes)
    failures = pl.concat([type_failures, _schema_failures(typed, schema)]).unique([ROW, "rule"], maintain_order=True)
    failures, repaired = _levels(typed, failures, schema)
    bad = failures.filter(pl.col("level") == "row")[ROW].unique()
    # a rejected row carries every rule it broke; a kept row's field-level failures become repairs
    on_rejected = failures.filter(pl.col(ROW).is_in(bad.implode()))
    on_kept = failures.filter(~pl.col(ROW).is_in(bad.implode()))
    reasons = on_rejected.group_by(ROW, maintain_order=True).agg(
        pl.col("rule").str.join("; ").alias("_rule"), pl.col("reason").str.join("; ").alias("_reason")
    )
    rules = dict(on_rejected.group_by("rule").len().sort("rule").iter_rows())
    field_rules = dict(on_kept.group_by("rule").len().sort("rule").iter_rows())
    valid = _apply(typed.filter(~pl.col(ROW).is_in(bad.implode())), on_kept, repaired).drop(ROW)
    rejected = raw.join(reasons, on=ROW, how="inner").sort(ROW).drop(ROW)
    issues = raw.join(on_kept.select(
        ROW, pl.lit("field").alias("_level"), pl.col("field").alias("_field"), pl.col("rule").alias("_rule"),
        pl.format("{}; {}", pl.col("reason"), pl.col("why")).alias("_reason"), pl.col("action").alias("_action"),
    ), on=ROW, how="inner").sort(ROW, "_rule").drop(ROW)
    return Validated(valid=valid, rejected=rejected, rules=rules, issues=issues, field_rules=field_rules)
