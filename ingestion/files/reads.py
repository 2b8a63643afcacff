"""What a file read returns: canonical text rows with provenance, and a report per sheet or file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

UTF8_BOM = b"\xef\xbb\xbf"
GZIP_MAGIC = b"\x1f\x8b"
HEADER_SCAN_ROWS = 20  # title rows above the header (e.g. a merged "XX街道视频资源台账" banner) are skipped
# provenance and reading diagnostics carried by every row (underscore: not a received value)
PROVENANCE: tuple[str, ...] = ("_source_file", "_sheet", "_source_row", "_vendor", "_mapping", "_encoding",
                               "_encoding_error", "_parse_error", "_raw_bytes", "_extra")
# what the sheet reader hands to the canonical mapping (vendor and mapping are added there)
PROVENANCE_IN = ("_source_file", "_sheet", "_source_row", "_encoding", "_encoding_error", "_parse_error", "_raw_bytes")
STATUS_FEED_FIELDS: tuple[str, ...] = ("device_id", "stat_date", "status", "offline_minutes", "offline_times")
GENERIC_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


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


def read_files(paths: Iterable[Path | str], read_one: Callable[[bytes, str], FileRead],
               empty: Callable[[], pl.DataFrame]) -> FileRead:
    """Several files read with READ_ONE (bytes, file name) into one frame and their reports; EMPTY when none."""
    frames, reports = [], []
    for path in paths:
        path = Path(path)
        read = read_one(path.read_bytes(), path.name)
        frames.append(read.frame)
        reports += read.reports
    return FileRead(pl.concat(frames, how="vertical_relaxed") if frames else empty(), reports)
