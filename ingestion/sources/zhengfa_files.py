"""S6 + S9 政法 file drops: the inter-agency exchange's dossier messages and the district court's monthly reports.

- `dossier_messages`: `zhengfa/dossiers/YYYY-MM-DD.jsonl`, a day's file is a batch. Each message holds the whole
  dossier at that version; it is flattened to one row per message (envelope and the dossier's top-level fields as
  text, the nested charges/suspects/stages/documents as JSON text). Every version is kept in bronze: the newest
  version of a dossier (a correction names the message it replaces in `corrects`) is staging's choice.
  Suspects' names and citizen IDs are personal data: bronze is the restricted zone, staging pseudonymises.
- `court_monthly`: `zhengfa/court/monthly_YYYY-MM.csv` (UTF-8 with BOM, CRLF, Chinese headers mapped to English
  names). Every delivered file is its own batch (partitioned by its month), so a correction `monthly_YYYY-MM_r2.csv`
  (报送版本 2) that arrives later is a later batch and the original is not landed twice; the latest
  `report_version` per month and tribunal wins in staging.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

import polars as pl

from ingestion.file_source import FileEntity, FileSource
from ingestion.files import FileRead, FileReport, UnknownHeaderError, decode_csv, read_jsonl
from quality.schemas.zhengfa_files import COURT_HEADERS, court_monthly_schema, dossier_message_schema

ENVELOPE = ("message_id", "message_type", "sender", "receiver", "sent_at", "dossier")
# flattened column ← JSON path inside the envelope column it comes from
DOSSIER_FIELDS: dict[str, tuple[str, str]] = {
    "sender_org": ("sender", "$.org"), "sender_org_code": ("sender", "$.org_code"),
    "receiver_org": ("receiver", "$.org"), "receiver_org_code": ("receiver", "$.org_code"),
    "dossier_id": ("dossier", "$.dossier_id"), "case_name": ("dossier", "$.case_name"),
    "police_case_no": ("dossier", "$.case_numbers.police"), "transfer_case_no": ("dossier", "$.case_numbers.transfer"),
    "procuratorate_case_no": ("dossier", "$.case_numbers.procuratorate"),
    "court_case_no": ("dossier", "$.case_numbers.court"),
    "charges": ("dossier", "$.charges"), "suspects": ("dossier", "$.suspects"),
    "plea_leniency": ("dossier", "$.plea_leniency"), "current_stage": ("dossier", "$.current_stage"),
    "stages": ("dossier", "$.stages"), "documents": ("dossier", "$.documents"),
    "total_pages": ("dossier", "$.total_pages"), "version": ("dossier", "$.version"),
    "corrects": ("dossier", "$.corrects"),
}
MESSAGE_COLUMNS = ("message_id", "message_type", *list(DOSSIER_FIELDS)[:4], "sent_at", *list(DOSSIER_FIELDS)[4:])
PROVENANCE = ("_source_file", "_sheet", "_source_row", "_encoding", "_encoding_error", "_parse_error", "_raw_bytes",
              "_extra")
COURT_FILE = re.compile(r"monthly_(\d{4}-\d{2})(?:_r\d+)?\.csv$")


def read_dossier_messages(data: bytes, source_file: str) -> FileRead:
    """One day's exchange file → one text row per message (dossier flattened, nested parts as JSON text)."""
    frame, report = read_jsonl(data, source_file, ENVELOPE)
    frame = frame.with_columns(
        *[pl.col(src).str.json_path_match(path).alias(name) for name, (src, path) in DOSSIER_FIELDS.items()])
    return FileRead(frame.select(*MESSAGE_COLUMNS, *PROVENANCE), [report])


def read_court_report(data: bytes, source_file: str) -> FileRead:
    """One monthly report CSV → canonical text rows; an unknown header column is kept in `_extra`, a missing one
    fails the batch (a changed export format, not a row defect)."""
    decoded = decode_csv(data)
    rows = [next(csv.reader([r]), []) for r in decoded.records]
    first = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if first is None:
        raise UnknownHeaderError(f"{source_file}: no rows at all")
    header = [c.replace("\ufeff", "").strip() for c in rows[first]]
    missing = [h for h in COURT_HEADERS if h not in header]
    if missing:
        raise UnknownHeaderError(f"{source_file}: court report header lacks {missing}; header: {header}")
    unknown = [h for h in header if h not in COURT_HEADERS]
    out: list[dict[str, object]] = []
    blank = 0
    for i in range(first + 1, len(rows)):
        cells = [c.strip() or None for c in rows[i]]
        if not any(cells):
            blank += 1
            continue
        values = dict(zip(header, cells + [None] * (len(header) - len(cells)), strict=False))
        err = decoded.errors.get(i)
        row: dict[str, object] = {COURT_HEADERS[h]: values.get(h) for h in COURT_HEADERS}
        row.update({
            "_source_file": source_file, "_sheet": None, "_source_row": decoded.lines[i],
            "_encoding": err[1] if err else decoded.encoding, "_encoding_error": err[0] if err else None,
            "_parse_error": None if len(cells) == len(header) else
            f"row has {len(cells)} cells, the header has {len(header)}",
            "_raw_bytes": err[2].hex() if err else None,
            "_extra": pl.Series([{h: values.get(h) for h in unknown}]).struct.json_encode()[0] if unknown else None,
        })
        out.append(row)
    schema = {**{c: pl.String for c in COURT_HEADERS.values()}, **{c: pl.String for c in PROVENANCE}}
    schema["_source_row"] = pl.Int64
    frame = pl.DataFrame(out, schema=schema, orient="row") if out else pl.DataFrame(schema=schema)
    report = FileReport(source_file=source_file, sheet=None, format="csv", encoding=decoded.encoding,
                        header_row=decoded.lines[first], rows=frame.height, rows_before_header=first,
                        blank_rows=blank, misencoded_rows=int(frame["_encoding_error"].is_not_null().sum()),
                        malformed_rows=int(frame["_parse_error"].is_not_null().sum()), unknown_columns=unknown)
    return FileRead(frame, [report])


def _concat(reads: list[FileRead]) -> FileRead:
    return FileRead(pl.concat([r.frame for r in reads], how="vertical_relaxed"),
                    [rep for r in reads for rep in r.reports])


def _court_month(group: str) -> datetime:
    match = COURT_FILE.search(group + ".csv")
    if match is None:
        raise UnknownHeaderError(f"court report file name {group}.csv is not monthly_YYYY-MM[_rN].csv")
    return datetime.strptime(match.group(1), "%Y-%m")


ZHENGFA_FILES = FileSource(
    name="zhengfa_files",
    title="政法交换文书与法院报表",
    inbox=lambda s: s.sources_dir,
    entities=(
        FileEntity(
            name="dossier_messages",
            pattern="zhengfa/dossiers/*.jsonl",
            group=lambda p: Path(p.name).stem,
            batch_date=lambda g: datetime.strptime(g, "%Y-%m-%d"),
            read=lambda files: _concat([read_dossier_messages(data, key) for key, data in files]),
            schema=lambda received_at: dossier_message_schema(received_at),
        ),
        # one batch per delivered file: the month's original and, later, its correction
        FileEntity(
            name="court_monthly",
            pattern="zhengfa/court/monthly_*.csv",
            group=lambda p: p.stem,
            batch_date=_court_month,
            read=lambda files: _concat([read_court_report(data, key) for key, data in files]),
            schema=lambda received_at: court_monthly_schema(received_at),
        ),
    ),
)
