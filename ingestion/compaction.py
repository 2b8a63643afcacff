"""Compaction of bronze: many small batch files (a daily incremental run writes one per entity per day) become one
file per entity and month, with large row groups — what engines scanning the lake (DuckDB, Spark, Trino) read best.

Rows keep their lineage columns (`_batch_id`, `_ingested_at`, `_source`), so the committed-batch filter of staging and
the latest-version logic work the same on compacted files. Only committed batches are compacted; the new file is
written before the old ones are deleted, and compaction runs as a writer (serialised with transform in Airflow), so a
model build never reads a half-compacted month.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass

import polars as pl

from common.lake import Lake
from quality import manifests

MONTH = re.compile(r"batch_date=(\d{4}-\d{2})-\d{2}|batch_month=(\d{4}-\d{2})")


@dataclass
class Compacted:
    source: str
    entity: str
    month: str
    files_before: int
    rows: int
    key: str


def compact(lake: Lake, source: str | None = None, min_files: int = 2) -> list[Compacted]:
    """Merge every month of every bronze entity that has at least MIN_FILES files of committed batches."""
    committed = {m["batch_id"] for m in manifests.list_manifests(lake, source) if m["status"] == "committed"}
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for key in lake.list("bronze" + (f"/{source}" if source else "")):
        parts = key.split("/")
        match = MONTH.search(key)
        if len(parts) != 5 or not key.endswith(".parquet") or match is None:
            continue
        stem = parts[4].removesuffix(".parquet")
        if stem.startswith("compacted-") or stem in committed:
            groups[(parts[1], parts[2], match.group(1) or match.group(2))].append(key)
    done = []
    for (src, entity, month), keys in sorted(groups.items()):
        if len(keys) < min_files:
            continue
        frame = pl.concat([pl.read_parquet(lake.get_bytes(k)) for k in sorted(keys)], how="diagonal_relaxed")
        digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]
        target = f"bronze/{src}/{entity}/batch_month={month}/compacted-{digest}.parquet"
        lake.write_parquet(target, frame.sort("_ingested_at", "_batch_id", maintain_order=True))
        for key in keys:
            if key != target:
                lake.delete(key)
        done.append(Compacted(src, entity, month, len(keys), frame.height, target))
    return done
