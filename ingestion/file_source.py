"""File drops as a source kind: files delivered into an inbox (ledgers, daily exports) become batches.

Files are grouped into batches (e.g. a month's ledgers from every street, so a camera listed by two streets is seen
as a duplicate; a day's status export). A batch's id is its group plus a digest of its files' names and bytes, so
a re-run of the same delivery is skipped and a re-delivery with changed content is a new batch. Each file is copied
into landing before it is read, and read from that copy — landing keeps exactly what was delivered.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from pathlib import Path

import pandera.polars as pa

from common.lake import Lake, open_lake
from common.settings import Settings
from ingestion.batches import BatchRejected, BatchResult, SourceUnavailable, commit_batch
from ingestion.clock import received_now
from ingestion.files import FileRead, UnknownHeaderError
from quality import manifests

PARALLEL_MIN_BATCHES = 8  # fewer batches are not worth the worker processes' start-up (~2 s)
MAX_WORKERS = 4


def _batch_id(group: str, contents: list[tuple[str, bytes]]) -> str:
    """The group plus a digest of its files' names and bytes: the same delivery always has the same id."""
    digest = hashlib.sha256()
    for name, data in contents:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return f"{group}-{digest.hexdigest()[:16]}"


def _run_batch(source_name: str, entity_name: str, settings: Settings, group: str,
               paths: list[Path]) -> BatchResult | None:
    """One batch in a worker process: the source is looked up by name (its callables do not pickle)."""
    from ingestion.sources import SOURCES

    source = SOURCES[source_name]
    assert isinstance(source, FileSource)
    entity = next(e for e in source.entities if e.name == entity_name)
    return source._batch(settings, open_lake(settings), entity, source.inbox(settings), group, paths)


@dataclass(frozen=True)
class FileEntity:
    name: str  # entity name in the lake, e.g. "camera_ledgers"
    pattern: str  # glob under the source's inbox, e.g. "video/ledgers/*/*"
    group: Callable[[Path], str]  # the batch a file belongs to, e.g. its month folder "2024-03"
    batch_date: Callable[[str], datetime]  # the group's partition date in the lake
    read: Callable[[list[tuple[str, bytes]]], FileRead]  # [(landing key, bytes)] → text rows + a report per file
    schema: Callable[[datetime], pa.DataFrameSchema]  # given the batch's received_at


@dataclass(frozen=True)
class FileSource:
    name: str
    title: str
    inbox: Callable[[Settings], Path]
    entities: tuple[FileEntity, ...]

    def ingest(self, settings: Settings, until: datetime | None = None) -> list[BatchResult]:
        """Every delivery not in yet; with UNTIL, only batches dated up to it (catching up day by day)."""
        inbox = self.inbox(settings)
        found = {e.name: sorted(p for p in inbox.glob(e.pattern) if p.is_file()) for e in self.entities}
        if not any(found.values()):
            raise SourceUnavailable(f"{self.name}: no files under {inbox} — run `govlake simulate` or deliver them")
        lake = open_lake(settings)
        results: list[BatchResult] = []
        for entity in self.entities:
            groups: dict[str, list[Path]] = {}
            for path in found[entity.name]:
                groups.setdefault(entity.group(path), []).append(path)
            due = [
                (g, p) for g, p in sorted(groups.items())
                if (until is None or entity.batch_date(g) <= until)
                and not self._committed(lake, entity, _batch_id(g, [(x.relative_to(inbox).as_posix(), x.read_bytes())
                                                                    for x in p]))
            ]
            workers = min(os.cpu_count() or 1, MAX_WORKERS)
            if len(due) >= PARALLEL_MIN_BATCHES and workers > 1:
                # a backlog of day files (a year of status exports) is hundreds of independent batches whose cost is
                # mostly per-batch validation overhead (Python): spread them over processes. Spawned, not forked —
                # polars' thread pool does not survive a fork.
                with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                    new = list(pool.map(_run_batch, repeat(self.name), repeat(entity.name), repeat(settings),
                                        [g for g, _ in due], [p for _, p in due]))
            else:
                new = [self._batch(settings, lake, entity, inbox, group, paths) for group, paths in due]
            committed = [r for r in new if r is not None]
            results += committed or [BatchResult(self.name, entity.name, batch_id="", status="skipped")]
        return results

    def _committed(self, lake: Lake, entity: FileEntity, batch_id: str) -> bool:
        done = manifests.read_manifest(lake, self.name, entity.name, batch_id)
        return done is not None and done["status"] == "committed"

    def _batch(self, settings: Settings, lake: Lake, entity: FileEntity, inbox: Path, group: str,
               paths: list[Path]) -> BatchResult | None:
        contents = [(p.relative_to(inbox).as_posix(), p.read_bytes()) for p in paths]
        batch_id = _batch_id(group, contents)
        if self._committed(lake, entity, batch_id):
            return None  # this exact delivery is in already
        high = entity.batch_date(group)
        prefix = f"landing/{self.name}/{entity.name}/batch_date={high:%Y-%m-%d}/{batch_id}"
        meta_key = f"{prefix}/_delivery.json"
        if lake.exists(meta_key):  # landed before a crash: finish from the landing copy, same receipt time
            received_at = datetime.fromisoformat(lake.read_json(meta_key)["received_at"])
        else:
            received_at = received_now()
            for name, data in contents:
                lake.put_bytes(f"{prefix}/{name}", data)
            lake.write_json(meta_key, {"received_at": received_at.isoformat(sep=" "),
                                       "files": [name for name, _ in contents]})
        landed = [(f"{prefix}/{name}", lake.get_bytes(f"{prefix}/{name}")) for name, _ in contents]
        try:
            read = entity.read(landed)
        except UnknownHeaderError as exc:
            lake.write_json(manifests.manifest_key(self.name, entity.name, batch_id),
                            {"source": self.name, "entity": entity.name, "batch_id": batch_id, "status": "failed",
                             "received": 0, "bronze": 0, "quarantined": 0, "error": str(exc)})
            raise BatchRejected(f"{self.name}.{entity.name} batch {batch_id}: {exc}") from exc
        return commit_batch(settings, lake, self.name, entity.name, entity.schema(received_at), batch_id, read.frame,
                            None, high, received_at, details={"files": read.report_dicts()})
