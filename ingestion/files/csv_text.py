"""CSV bytes → text records: per-file encoding detection, per-record decoding (see ingestion/files)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import polars as pl

from ingestion.files.reads import UTF8_BOM
from quality.checks import UNDECODABLE

# ---------------------------------------------------------------------------------------------------------------
# CSV: per-file encoding detection, per-record decoding


@dataclass
class DecodedCsv:
    encoding: str
    records: list[str]  # one logical CSV record each (a quoted cell may span lines)
    lines: list[int]  # 1-based physical line where each record starts
    errors: dict[int, tuple[str, str, bytes]]  # record index -> (reason, encoding actually used, raw bytes)


def _records(body: bytes) -> tuple[list[bytes], list[int]]:
    """Split into logical records: physical lines joined while a quoted cell is open (odd number of quotes).

    Safe at byte level for every encoding read here: GBK/GB18030 trail bytes are never '"' or '\\n'.
    """
    records: list[bytes] = []
    starts: list[int] = []
    pending: list[bytes] = []
    quotes = 0
    for no, line in enumerate(body.split(b"\n"), start=1):
        line = line.removesuffix(b"\r")
        if not pending:
            starts.append(no)
        pending.append(line)
        quotes += line.count(b'"')
        if quotes % 2 == 0:
            records.append(b"\n".join(pending))
            pending, quotes = [], 0
    if pending:  # an unclosed quote at the end of the file: keep what there is
        records.append(b"\n".join(pending))
    if records and records[-1] == b"":  # the newline that ends the last line
        records.pop()
        starts.pop()
    return records, starts


def _try(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode_csv(data: bytes) -> DecodedCsv:
    """Detect the file's encoding (BOM, else a vote of its non-ASCII records) and decode each record on its own.

    A record that is valid UTF-8 with non-ASCII bytes inside a GBK file is UTF-8 (Chinese GBK text practically
    never forms valid UTF-8), a record that does not decode in the file's encoding is in the other one; both are
    flagged, never mojibaked.
    """
    bom = data.startswith(UTF8_BOM)
    records, starts = _records(data[len(UTF8_BOM):] if bom else data)
    as_utf8: list[str | None] = []
    votes_utf8 = votes_other = 0
    for rec in records:
        if rec.isascii():
            as_utf8.append(rec.decode("ascii"))
            continue
        text = _try(rec, "utf-8")
        as_utf8.append(text)
        if text is None:
            votes_other += 1
        else:
            votes_utf8 += 1
    if bom or votes_utf8 >= votes_other:
        return _decode_utf8(records, starts, as_utf8, "utf-8-sig" if bom else ("utf-8" if votes_utf8 else "ascii"))
    return _decode_gbk(records, starts, as_utf8)


def _decode_utf8(records: list[bytes], starts: list[int], as_utf8: list[str | None], label: str) -> DecodedCsv:
    texts: list[str] = []
    errors: dict[int, tuple[str, str, bytes]] = {}
    for i, (rec, text) in enumerate(zip(records, as_utf8, strict=True)):
        if text is None:
            gbk = _try(rec, "gb18030")
            if gbk is not None:
                errors[i] = ("row is GBK/GB18030-encoded in a UTF-8 file", "gb18030", rec)
                text = gbk
            else:
                errors[i] = (f"{UNDECODABLE} UTF-8 (nor GBK)", "utf-8", rec)
                text = rec.decode("utf-8", errors="replace")
        texts.append(text)
    return DecodedCsv(label, texts, starts, errors)


def _decode_gbk(records: list[bytes], starts: list[int], as_utf8: list[str | None]) -> DecodedCsv:
    texts: list[str] = []
    errors: dict[int, tuple[str, str, bytes]] = {}
    needs_gb18030 = False
    for i, (rec, utf8) in enumerate(zip(records, as_utf8, strict=True)):
        if rec.isascii():
            texts.append(utf8 or "")
            continue
        if utf8 is not None:
            errors[i] = ("row is UTF-8-encoded in a GBK file", "utf-8", rec)
            texts.append(utf8)
            continue
        text = _try(rec, "gbk")
        if text is None:
            # GB18030 is GBK plus 4-byte sequences (rare characters in place names)
            text = _try(rec, "gb18030")
            needs_gb18030 = needs_gb18030 or text is not None
        if text is None:
            errors[i] = (f"{UNDECODABLE} GBK/GB18030 (nor UTF-8)", "gb18030", rec)
            text = rec.decode("gb18030", errors="replace")
        texts.append(text)
    return DecodedCsv("gb18030" if needs_gb18030 else "gbk", texts, starts, errors)


def _field_counts(records: pl.Series) -> pl.Series:
    # commas outside quoted cells; a quoted cell is "..." with "" escapes, i.e. consecutive "[^"]*" runs
    return records.str.replace_all(r'"[^"]*"', "").str.count_matches(",", literal=True) + 1


def parse_csv(decoded: DecodedCsv) -> pl.DataFrame:
    """Cells of every record as text columns `column_0…`, plus `_source_row`, `_encoding`, `_encoding_error`,
    `_raw_bytes` and `_fields` (the record's own cell count: ragged rows are flagged later, not padded silently)."""
    n = len(decoded.records)
    if n == 0:
        return pl.DataFrame(schema={"_source_row": pl.Int64})
    text = "\n".join(decoded.records).encode("utf-8")
    try:
        grid = pl.read_csv(io.BytesIO(text), has_header=False, infer_schema=False, truncate_ragged_lines=True,
                           quote_char='"', raise_if_empty=False)
        if grid.height != n:
            raise ValueError("record count mismatch")
    except Exception:  # noqa: BLE001 - quoting polars reads differently from our record split: parse record by record
        rows = [next(csv.reader([r]), []) for r in decoded.records]
        width = max(len(r) for r in rows)
        grid = pl.DataFrame([r + [None] * (width - len(r)) for r in rows], schema=[f"column_{i}" for i in
                                                                                   range(width)], orient="row")
    errors = decoded.errors
    reason = [None] * n
    used = [None] * n
    raw: list[str | None] = [None] * n
    for i, (why, enc, rec) in errors.items():
        reason[i], used[i], raw[i] = why, enc, rec.hex()
    return grid.with_columns(
        pl.Series("_source_row", decoded.lines, dtype=pl.Int64),
        pl.Series("_encoding", used, dtype=pl.String).fill_null(decoded.encoding),
        pl.Series("_encoding_error", reason, dtype=pl.String),
        pl.Series("_raw_bytes", raw, dtype=pl.String),
        _field_counts(pl.Series(decoded.records, dtype=pl.String)).alias("_fields"),
    )
