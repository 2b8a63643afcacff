"""The file connector: ledgers and feeds dropped as files (XLSX, CSV in GBK/GB18030/UTF-8, JSON lines) → text
frames. `reads` (what a read returns), `csv_text` (decoding), `ledgers` (vendor headers), `status_feed` (JSON lines).

What it guarantees, so that validation can quarantine instead of guessing:

- **Everything is text, as received** (whitespace trimmed, empty → null); typing is quality/validate.py's job.
- **Every row can be found again in its file**: `_source_file`, `_sheet`, `_source_row` (the 1-based line of a CSV or
  JSON-lines file, the Excel row number of a sheet).
- **Encodings are detected per file and checked per row.** Ledgers are stitched together from subsystems, so a GBK
  file may hold a row pasted in from a UTF-8 system (or the reverse). Decoding the file in one go would silently turn
  such a row into mojibake; instead each CSV record is decoded on its own, and a record that is not in the file's
  encoding is decoded in the one it really is in (so its key can be read) and flagged: `_encoding_error` says why,
  `_raw_bytes` keeps its bytes (hex); the schemas keep it, flagged `wrong_encoding` (field-level: the text was
  recovered), and reject only a record that decodes in neither encoding (`undecodable_row`).
- **Vendor headers map onto one canonical camera row** (ingestion/vendor_mappings); the vendor and its variant are
  recognised from the header row alone. Columns no mapping knows are reported in the file's `FileReport` and kept,
  value by value, as a JSON object in `_extra` — never dropped. A header no mapping fits raises `UnknownHeaderError`
  naming the header, the closest mapping and what it lacks.
"""

from ingestion.files.csv_text import DecodedCsv, decode_csv
from ingestion.files.ledgers import read_ledger, read_ledger_files
from ingestion.files.reads import PROVENANCE, STATUS_FEED_FIELDS, FileRead, FileReport, UnknownHeaderError
from ingestion.files.status_feed import read_jsonl, read_status_feed, read_status_files
from ingestion.vendor_mappings import CANONICAL_FIELDS, DERIVED_FIELDS

# the connector's interface; the canonical field names too: the pipeline and dbt staging key on them
__all__ = [
    "CANONICAL_FIELDS", "DERIVED_FIELDS", "PROVENANCE", "STATUS_FEED_FIELDS", "DecodedCsv", "FileRead", "FileReport",
    "UnknownHeaderError", "decode_csv", "read_jsonl", "read_ledger", "read_ledger_files", "read_status_feed",
    "read_status_files",
]
