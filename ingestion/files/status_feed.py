"""JSON lines (the video platform's daily status feed, the dossiers' day files) → text rows."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.files.ledgers import trimmed_text
from ingestion.files.reads import (
    GZIP_MAGIC,
    STATUS_FEED_FIELDS,
    UTF8_BOM,
    FileRead,
    FileReport,
    UnknownHeaderError,
    read_files,
)

# ---------------------------------------------------------------------------------------------------------------
# JSON lines (the video platform's daily status feed)


def _jsonl_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every value as text: numbers and booleans as written, nested values as JSON."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Struct | pl.List | pl.Array):
            exprs.append(pl.col(name).struct.json_encode().alias(name) if isinstance(dtype, pl.Struct)
                         else pl.col(name).cast(pl.List(pl.String)).list.join(",").alias(name))
        elif isinstance(dtype, pl.Boolean):
            exprs.append(pl.col(name).replace_strict({True: "true", False: "false"}, return_dtype=pl.String))
        else:
            exprs.append(pl.col(name).cast(pl.String))
    return frame.select(exprs)


def _jsonl_uniform(text: bytes) -> pl.DataFrame:
    """The common case, 4x faster than inferring types over the whole file: every line has the keys of the first
    lines, read straight as text. Raises ValueError when a line's count of keys differs (nothing is dropped)."""
    head = b"\n".join(text.split(b"\n", 100)[:100])
    keys = pl.read_ndjson(io.BytesIO(head), infer_schema_length=None).columns
    frame = pl.read_ndjson(io.BytesIO(text), schema={k: pl.String for k in keys})
    # one column per physical line (JSON text cannot hold a raw \x01), to count each line's `"key":` separators
    lines = pl.read_csv(io.BytesIO(text), has_header=False, separator="\x01", quote_char=None, new_columns=["line"],
                        schema={"line": pl.String})["line"]
    if lines.len() != frame.height or (lines.str.count_matches('":', literal=True) != len(keys)).any():
        raise ValueError("lines differ in their keys")
    return frame


def _jsonl_by_line(text: bytes) -> pl.DataFrame:
    """The slow, exact path: line by line, a line that is not a JSON object is kept and flagged."""
    rows: list[dict[str, Any]] = []
    for no, line in enumerate(text.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            rows.append({"_source_row": no, "_parse_error": f"not a JSON object: {exc}"[:200],
                         "_raw_bytes": line.hex()})
            continue
        row = {k: (v if isinstance(v, str) or v is None else json.dumps(v, ensure_ascii=False)) for k, v in
               obj.items() if not k.startswith("_")}
        rows.append({**row, "_source_row": no})
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame.with_columns(*[pl.lit(None, dtype=pl.String).alias(c) for c in ("_parse_error", "_raw_bytes")
                                if c not in frame.columns])


def read_jsonl(data: bytes, source_file: str, expected: tuple[str, ...]) -> tuple[pl.DataFrame, FileReport]:
    """JSON lines (gzip or plain) → text columns EXPECTED (in order) + provenance; other keys go to `_extra`.

    Raises UnknownHeaderError when a key of EXPECTED is absent from the whole file (a changed export format).
    """
    text = gzip.decompress(data) if data[:2] == GZIP_MAGIC else data
    text = text.removeprefix(UTF8_BOM)
    if not text or text.isspace():
        frame = pl.DataFrame(schema={k: pl.String for k in expected})
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("_source_row"),
                                   *[pl.lit(None, dtype=pl.String).alias(c) for c in ("_parse_error", "_raw_bytes")])
    else:
        contiguous = not text.startswith(b"\n") and b"\n\n" not in text and b"\n\r\n" not in text
        try:
            if not contiguous:
                raise ValueError("blank lines: line numbers need the exact path")
            try:
                frame = _jsonl_uniform(text)
            except Exception:  # noqa: BLE001 - lines differ in their keys: infer over the whole file
                frame = _jsonl_text(pl.read_ndjson(io.BytesIO(text), infer_schema_length=None))
            frame = frame.with_columns(
                pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_source_row"),
                pl.lit(None, dtype=pl.String).alias("_parse_error"), pl.lit(None, dtype=pl.String).alias("_raw_bytes"),
            )
        except Exception:  # noqa: BLE001 - a malformed line anywhere: read line by line and flag just that line
            frame = _jsonl_by_line(text)
    keys = [c for c in frame.columns if c not in ("_source_row", "_parse_error", "_raw_bytes")]
    missing = [k for k in expected if k not in keys]
    if missing and frame.height > frame["_parse_error"].is_not_null().sum():
        raise UnknownHeaderError(f"{source_file}: JSON lines lack {missing}; keys found: {keys}")
    unknown = [k for k in keys if k not in expected]
    extra = (pl.struct([pl.col(k) for k in unknown]).struct.json_encode() if unknown
             else pl.lit(None, dtype=pl.String))
    frame = frame.with_columns(*[pl.lit(None, dtype=pl.String).alias(k) for k in missing]).select(
        *[trimmed_text(k).alias(k) for k in expected],
        pl.lit(source_file).alias("_source_file"), pl.lit(None, dtype=pl.String).alias("_sheet"), "_source_row",
        pl.lit("utf-8").alias("_encoding"), pl.lit(None, dtype=pl.String).alias("_encoding_error"), "_parse_error",
        "_raw_bytes", extra.alias("_extra"),
    )
    report = FileReport(source_file=source_file, sheet=None, format="jsonl", encoding="utf-8", rows=frame.height,
                        malformed_rows=int(frame["_parse_error"].is_not_null().sum()), unknown_columns=unknown)
    return frame, report


def read_status_feed(data: bytes, source_file: str) -> FileRead:
    """One day of the video platform's status export (`video/status/YYYY-MM-DD.jsonl.gz`) → text rows + report."""
    frame, report = read_jsonl(data, source_file, STATUS_FEED_FIELDS)
    return FileRead(frame, [report])


def read_status_files(paths: Iterable[Path | str]) -> FileRead:
    return read_files(paths, read_status_feed, lambda: read_jsonl(b"", "", STATUS_FEED_FIELDS)[0])
