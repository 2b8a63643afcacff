"""Camera ledgers (XLSX or CSV, any vendor's header) → canonical camera rows (see ingestion/files)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.files.csv_text import decode_csv, parse_csv
from ingestion.files.reads import (
    GENERIC_DATE_FORMATS,
    HEADER_SCAN_ROWS,
    PROVENANCE,
    PROVENANCE_IN,
    FileRead,
    FileReport,
    UnknownHeaderError,
    read_files,
)
from ingestion.vendor_mappings import CANONICAL_FIELDS, LONLAT, MAPPINGS, VendorMapping
from quality.codes import seed_rows

# ---------------------------------------------------------------------------------------------------------------
# XLSX


def _read_xlsx(data: bytes) -> dict[str, pl.DataFrame]:
    """Every sheet as text cells `column_0…` plus `_source_row` (the Excel row number)."""
    sheets = pl.read_excel(io.BytesIO(data), engine="calamine", sheet_id=0, has_header=False,
                           infer_schema_length=0, drop_empty_rows=False, drop_empty_cols=False,
                           raise_if_empty=False)
    out = {}
    for name, grid in sheets.items():
        text = grid.select(pl.all().cast(pl.String))
        out[name] = text.with_columns(pl.int_range(1, text.height + 1, dtype=pl.Int64).alias("_source_row"))
    return out


# ---------------------------------------------------------------------------------------------------------------
# header recognition and canonical mapping


def _norm_header(value: str | None) -> str:
    return (value or "").replace("\ufeff", "").strip()


def _match(header: set[str]) -> VendorMapping | None:
    fits = [m for m in MAPPINGS if m.required_headers <= header]
    if not fits:
        return None
    best = max(len(header & set(m.columns)) for m in fits)
    top = [m for m in fits if len(header & set(m.columns)) == best]
    if len(top) > 1:
        raise UnknownHeaderError(f"header fits several vendor mappings equally well: {[m.key for m in top]}")
    return top[0]


def _closest(header: set[str]) -> str:
    m = max(MAPPINGS, key=lambda m: len(header & set(m.columns)))
    missing = sorted(m.required_headers - header)
    extra = sorted(header - set(m.columns))
    return f"closest mapping {m.key} ({m.vendor}) lacks {missing}; the file has {extra} that it does not know"


def _locate_header(cells: pl.DataFrame, where: str) -> tuple[int, VendorMapping, list[str]]:
    data_cols = [c for c in cells.columns if c.startswith("column_")]
    first_nonblank: list[str] | None = None
    first_row = 0
    for i, row in enumerate(cells.head(HEADER_SCAN_ROWS).select(data_cols).iter_rows()):
        names = [_norm_header(v) for v in row]
        if not any(names):
            continue
        if first_nonblank is None:
            first_nonblank, first_row = names, int(cells["_source_row"][i])
        mapping = _match(set(names) - {""})
        if mapping is not None:
            return i, mapping, names
    if first_nonblank is None:
        raise UnknownHeaderError(f"{where}: no header row (the first {HEADER_SCAN_ROWS} rows are empty)")
    listed = [n for n in first_nonblank if n]
    raise UnknownHeaderError(
        f"{where}: header matches no known vendor ledger mapping; header (row {first_row}): {listed}; "
        f"{_closest(set(listed))}; known mappings: {[m.key for m in MAPPINGS]}"
    )


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"(column {i + 1})"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def trimmed_text(col: str) -> pl.Expr:
    cleaned = pl.col(col).str.strip_chars()
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


@lru_cache
def _area_lookups() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """street name/code → street code; street code + community name → community code; unique name → code."""
    streets, communities = seed_rows("ref_streets"), seed_rows("ref_communities")
    street = {s["street_name"]: s["street_code"] for s in streets}
    street |= {f"{s['street_name']}街道": s["street_code"] for s in streets}
    street |= {s["street_code"]: s["street_code"] for s in streets}
    in_street = {f"{c['street_code']}/{c['community_name']}": c["community_code"] for c in communities}
    counts: dict[str, int] = {}
    for c in communities:
        counts[c["community_name"]] = counts.get(c["community_name"], 0) + 1
    by_name = {c["community_name"]: c["community_code"] for c in communities if counts[c["community_name"]] == 1}
    return street, in_street, by_name


def _date(col: str, formats: Iterable[str]) -> pl.Expr:
    raw = pl.col(col)
    parsed = [raw.str.strptime(pl.Date, f, strict=False) for f in dict.fromkeys([*formats, *GENERIC_DATE_FORMATS])]
    # an unreadable date stays as received, so validation rejects it showing the value
    return pl.coalesce(pl.coalesce(parsed).dt.strftime("%Y-%m-%d"), raw).alias(col)


def _canonical(table: pl.DataFrame, mapping: VendorMapping, header: list[str]) -> tuple[pl.DataFrame, list[str]]:
    """Vendor columns → CANONICAL_FIELDS (text), unknown columns → `_extra` (JSON); returns (frame, unknown)."""
    mapped = {h: mapping.columns[h] for h in header if h in mapping.columns}
    unknown = [h for h in header if h not in mapping.columns]
    frame = table.select(*[trimmed_text(h).alias(f) for h, f in mapped.items()], *PROVENANCE_IN,
                         *[pl.col(h) for h in unknown])
    if LONLAT in frame.columns:
        merged = frame[LONLAT].str.replace_all(r"[，;；\s]+", ",").str.strip_chars(",")
        parts = merged.str.split(",")
        two = parts.list.len() == 2
        frame = frame.with_columns(
            pl.when(two).then(parts.list.get(0, null_on_oob=True)).otherwise(pl.col(LONLAT)).alias("longitude"),
            pl.when(two).then(parts.list.get(1, null_on_oob=True)).otherwise(None).alias("latitude"),
        ).drop(LONLAT)
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(f) for f in CANONICAL_FIELDS
                               if f not in frame.columns)
    frame = frame.with_columns(pl.col(f).replace(values) for f, values in mapping.values.items())
    frame = frame.with_columns(_date("install_date", mapping.date_formats))
    street, in_street, by_name = _area_lookups()
    community = pl.col("community_name").str.strip_suffix("社区")
    frame = frame.with_columns(
        pl.col("street_name").replace_strict(street, default=None, return_dtype=pl.String).alias("street_code"),
    ).with_columns(
        pl.coalesce(
            pl.concat_str(pl.col("street_code"), pl.lit("/"), community).replace_strict(in_street, default=None,
                                                                                      return_dtype=pl.String),
            community.replace_strict(by_name, default=None, return_dtype=pl.String),
        ).alias("community_code"),
    )
    extra = (pl.struct([pl.col(h).cast(pl.String) for h in unknown]).struct.json_encode()
             if unknown else pl.lit(None, dtype=pl.String))
    frame = frame.with_columns(
        extra.alias("_extra"), pl.lit(mapping.vendor).alias("_vendor"), pl.lit(mapping.key).alias("_mapping"),
    )
    return frame.select(*CANONICAL_FIELDS, *PROVENANCE), unknown



def _map_sheet(cells: pl.DataFrame, source_file: str, sheet: str | None, fmt: str,
               encoding: str | None) -> tuple[pl.DataFrame, FileReport]:
    where = f"{source_file}" + (f" [sheet {sheet}]" if sheet else "")
    header_idx, mapping, names = _locate_header(cells, where)
    data_cols = [c for c in cells.columns if c.startswith("column_")]
    # trailing header cells that are empty and whose column holds nothing are layout, not data
    while data_cols and not names[len(data_cols) - 1] and cells[data_cols[-1]].slice(header_idx).null_count() \
            == cells.height - header_idx:
        data_cols.pop()
    names = _unique_names(names[: len(data_cols)])
    body = cells.slice(header_idx + 1)
    blank = body.select(pl.all_horizontal(pl.col(data_cols).is_null() | (pl.col(data_cols).str.strip_chars() == "")))
    body = body.filter(~blank.to_series())
    width = len(data_cols)
    fields = pl.col("_fields") if "_fields" in body.columns else pl.lit(width)
    body = body.with_columns(
        pl.when(fields != width).then(pl.format("row has {} cells, the header has {}", fields, pl.lit(width)))
        .otherwise(None).alias("_parse_error"),
        pl.lit(source_file).alias("_source_file"),
        pl.lit(sheet, dtype=pl.String).alias("_sheet"),
        *[pl.lit(None, dtype=pl.String).alias(c) for c in ("_encoding", "_encoding_error", "_raw_bytes")
          if c not in body.columns],
    ).rename(dict(zip(data_cols, names, strict=True)))
    frame, unknown = _canonical(body, mapping, names)
    present = set(names)
    report = FileReport(
        source_file=source_file, sheet=sheet, format=fmt, encoding=encoding, vendor=mapping.vendor,
        mapping=mapping.key, header_row=int(cells["_source_row"][header_idx]), rows=frame.height,
        rows_before_header=header_idx - int(cells.head(header_idx).select(
            pl.all_horizontal(pl.col(data_cols).is_null())).to_series().sum()),
        blank_rows=int(blank.to_series().sum()),
        misencoded_rows=int(frame["_encoding_error"].is_not_null().sum()),
        malformed_rows=int(frame["_parse_error"].is_not_null().sum()),
        unknown_columns=unknown, missing_optional_columns=sorted(mapping.optional - present),
    )
    return frame, report


def _empty_ledger() -> pl.DataFrame:
    schema: dict[str, Any] = {c: pl.String for c in (*CANONICAL_FIELDS, *PROVENANCE)}
    schema["_source_row"] = pl.Int64
    return pl.DataFrame(schema=schema)


def read_ledger(data: bytes, source_file: str) -> FileRead:
    """One camera ledger file (XLSX or CSV, recognised by its bytes) → canonical text rows + a report per sheet.

    SOURCE_FILE is what provenance records (e.g. the landing key or the file name). Raises UnknownHeaderError if a
    sheet's header fits no vendor mapping.
    """
    frames, reports = [], []
    if data[:2] == b"PK":  # an OOXML workbook is a zip archive
        for sheet, cells in _read_xlsx(data).items():
            if cells.height == 0 or cells.drop("_source_row").null_count().sum_horizontal().item() == \
                    cells.height * (cells.width - 1):
                continue  # an empty sheet (Excel's default Sheet2/Sheet3)
            frame, report = _map_sheet(cells, source_file, sheet, "xlsx", None)
            frames.append(frame)
            reports.append(report)
    else:
        decoded = decode_csv(data)
        cells = parse_csv(decoded)
        if cells.height:
            frame, report = _map_sheet(cells, source_file, None, "csv", decoded.encoding)
            frames.append(frame)
            reports.append(report)
    if not reports:
        raise UnknownHeaderError(f"{source_file}: no rows at all")
    return FileRead(pl.concat(frames, how="vertical_relaxed"), reports)


def read_ledger_files(paths: Iterable[Path | str]) -> FileRead:
    """Several ledger files read into one frame (a month's ledgers are validated as one batch, so a camera listed
    by two streets is caught as a duplicate)."""
    return read_files(paths, read_ledger, _empty_ledger)
