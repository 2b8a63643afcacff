"""The file connector: ledgers and feeds dropped as files (XLSX, CSV in GBK/GB18030/UTF-8, JSON lines) → text frames.

What it guarantees, so that validation can quarantine instead of guessing:

- **Everything is text, as received** (whitespace trimmed, empty → null); typing is quality/validate.py's job.
- **Every row can be found again in its file**: `_source_file`, `_sheet`, `_source_row` (the 1-based line of a CSV or
  JSON-lines file, the Excel row number of a sheet).
- **Encodings are detected per file and checked per row.** Ledgers are stitched together from subsystems, so a GBK
  file may hold a row pasted in from a UTF-8 system (or the reverse). Decoding the file in one go would silently turn
  such a row into mojibake; instead each CSV record is decoded on its own, and a record that is not in the file's
  encoding is decoded in the one it really is in (so its key can be read) and flagged: `_encoding_error` says why,
  `_raw_bytes` keeps its bytes (hex), and the camera schema rejects it as `wrong_encoding`.
- **Vendor headers map onto one canonical camera row** (ingestion/vendor_mappings); the vendor and its variant are
  recognised from the header row alone. Columns no mapping knows are reported in the file's `FileReport` and kept,
  value by value, as a JSON object in `_extra` — never dropped. A header no mapping fits raises `UnknownHeaderError`
  naming the header, the closest mapping and what it lacks.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.vendor_mappings import CANONICAL_FIELDS, DERIVED_FIELDS, LONLAT, MAPPINGS, VendorMapping
from quality.codes import SEEDS_DIR

UTF8_BOM = b"\xef\xbb\xbf"
GZIP_MAGIC = b"\x1f\x8b"
HEADER_SCAN_ROWS = 20  # title rows above the header (e.g. a merged "XX街道视频资源台账" banner) are skipped
# provenance and reading diagnostics carried by every row (underscore: not a received value)
PROVENANCE: tuple[str, ...] = ("_source_file", "_sheet", "_source_row", "_vendor", "_mapping", "_encoding",
                               "_encoding_error", "_parse_error", "_raw_bytes", "_extra")
# what the sheet reader hands to the canonical mapping (vendor and mapping are added there)
PROVENANCE_IN = ("_source_file", "_sheet", "_source_row", "_encoding", "_encoding_error", "_parse_error", "_raw_bytes")
STATUS_FEED_FIELDS: tuple[str, ...] = ("device_id", "stat_date", "status", "offline_minutes", "offline_times")
_GENERIC_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


class UnknownHeaderError(ValueError):
    """A file whose header row matches no known vendor mapping (or a feed file lacking required keys)."""


@dataclass
class FileReport:
    """What the connector saw in one sheet or file: for the batch manifest and the data engineer."""

    source_file: str
    sheet: str | None
    format: str  # xlsx | csv | jsonl
    encoding: str | None  # csv: utf-8 | utf-8-sig | gbk | gb18030 | ascii; jsonl: utf-8; xlsx: None
    vendor: str | None = None
    mapping: str | None = None
    header_row: int | None = None
    rows: int = 0  # data rows returned (= rows handed to validation)
    rows_before_header: int = 0  # title rows above the header, not data
    blank_rows: int = 0  # rows with no value at all, not returned
    misencoded_rows: int = 0
    malformed_rows: int = 0
    unknown_columns: list[str] = field(default_factory=list)  # kept in `_extra`
    missing_optional_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FileRead:
    """Rows read from one or more files (canonical text columns + provenance) and one report per sheet/file."""

    frame: pl.DataFrame
    reports: list[FileReport]

    def report_dicts(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.reports]

    @property
    def unknown_columns(self) -> dict[str, list[str]]:
        return {f"{r.source_file}#{r.sheet}" if r.sheet else r.source_file: r.unknown_columns
                for r in self.reports if r.unknown_columns}


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
                errors[i] = ("row is not valid UTF-8 (nor GBK)", "utf-8", rec)
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
            errors[i] = ("row is not valid GBK/GB18030 (nor UTF-8)", "gb18030", rec)
            text = rec.decode("gb18030", errors="replace")
        texts.append(text)
    return DecodedCsv("gb18030" if needs_gb18030 else "gbk", texts, starts, errors)


def _field_counts(records: pl.Series) -> pl.Series:
    # commas outside quoted cells; a quoted cell is "..." with "" escapes, i.e. consecutive "[^"]*" runs
    return records.str.replace_all(r'"[^"]*"', "").str.count_matches(",", literal=True) + 1


def _parse_csv(decoded: DecodedCsv) -> pl.DataFrame:
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


def _text(col: str) -> pl.Expr:
    cleaned = pl.col(col).str.strip_chars()
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


@lru_cache
def _area_lookups() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """street name/code → street code; street code + community name → community code; unique name → code."""
    import csv as _csv

    with open(SEEDS_DIR / "ref_streets.csv", encoding="utf-8") as fh:
        streets = list(_csv.DictReader(fh))
    with open(SEEDS_DIR / "ref_communities.csv", encoding="utf-8") as fh:
        communities = list(_csv.DictReader(fh))
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
    parsed = [raw.str.strptime(pl.Date, f, strict=False) for f in dict.fromkeys([*formats, *_GENERIC_DATE_FORMATS])]
    # an unreadable date stays as received, so validation rejects it showing the value
    return pl.coalesce(pl.coalesce(parsed).dt.strftime("%Y-%m-%d"), raw).alias(col)


def _canonical(table: pl.DataFrame, mapping: VendorMapping, header: list[str]) -> tuple[pl.DataFrame, list[str]]:
    """Vendor columns → CANONICAL_FIELDS (text), unknown columns → `_extra` (JSON); returns (frame, unknown)."""
    mapped = {h: mapping.columns[h] for h in header if h in mapping.columns}
    unknown = [h for h in header if h not in mapping.columns]
    frame = table.select(*[_text(h).alias(f) for h, f in mapped.items()], *PROVENANCE_IN,
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
        cells = _parse_csv(decoded)
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
    frames, reports = [], []
    for path in paths:
        path = Path(path)
        read = read_ledger(path.read_bytes(), path.name)
        frames.append(read.frame)
        reports += read.reports
    return FileRead(pl.concat(frames, how="vertical_relaxed") if frames else _empty_ledger(), reports)


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
        *[_text(k).alias(k) for k in expected],
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
    frames, reports = [], []
    for path in paths:
        path = Path(path)
        read = read_status_feed(path.read_bytes(), path.name)
        frames.append(read.frame)
        reports += read.reports
    return FileRead(pl.concat(frames) if frames else read_jsonl(b"", "", STATUS_FEED_FIELDS)[0], reports)


# keep the canonical field names importable from here: the pipeline and dbt staging key on them
__all__ = [
    "CANONICAL_FIELDS", "DERIVED_FIELDS", "PROVENANCE", "STATUS_FEED_FIELDS", "DecodedCsv", "FileRead", "FileReport",
    "UnknownHeaderError", "decode_csv", "read_jsonl", "read_ledger", "read_ledger_files", "read_status_feed",
    "read_status_files",
]
