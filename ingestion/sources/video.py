"""S4 视频资源一本账: the streets' monthly camera ledgers (vendor XLSX/CSV) and the platform's daily status export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ingestion.file_source import FileEntity, FileSource
from ingestion.files import FileRead, read_ledger, read_status_feed
from quality.schemas.video import camera_schema, camera_status_schema


def _concat(reads: list[FileRead]) -> FileRead:
    import polars as pl

    return FileRead(pl.concat([r.frame for r in reads], how="vertical_relaxed"),
                    [rep for r in reads for rep in r.reports])


VIDEO = FileSource(
    name="video",
    title="视频资源一本账",
    inbox=lambda s: s.sources_dir,
    entities=(
        # a month's ledgers from every street in one batch: a camera listed by two streets is a duplicate
        FileEntity(
            name="camera_ledgers",
            pattern="video/ledgers/*/*",
            group=lambda p: p.parent.name,
            batch_date=lambda g: datetime.strptime(g, "%Y-%m"),
            read=lambda files: _concat([read_ledger(data, key) for key, data in files]),
            schema=lambda received_at: camera_schema(received_at),
        ),
        FileEntity(
            name="camera_status",
            pattern="video/status/*.jsonl.gz",
            group=lambda p: Path(p.name).name.removesuffix(".jsonl.gz"),
            batch_date=lambda g: datetime.strptime(g, "%Y-%m-%d"),
            read=lambda files: _concat([read_status_feed(data, key) for key, data in files]),
            schema=lambda received_at: camera_status_schema(received_at),
        ),
    ),
)
