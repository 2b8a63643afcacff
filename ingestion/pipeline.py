"""One batch of one entity: extract (or replay from landing) → land → validate → bronze + quarantine → manifest.

Idempotent by construction: a batch's id is derived from its watermark window, every file it writes has a fixed
key, the manifest is written last and the watermark after it. Re-running a committed batch rewrites the same files
from the immutable landing copy and changes nothing; a batch that crashed before its manifest is completed on rerun.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from common.lake import Lake, open_lake
from common.settings import Settings
from ingestion.batches import BatchResult, SourceUnavailable, batch_keys, commit_batch, known_codes
from ingestion.clock import received_now
from ingestion.sources import SOURCES, BatchContext, SqlEntity, SqlSource
from ingestion.sql_extract import extract, source_high_watermark
from quality import manifests


def batch_id_for(source: str, entity: str, low: datetime | None, high: datetime) -> str:
    digest = hashlib.sha1(f"{source}/{entity}/{low}/{high}".encode()).hexdigest()[:16]
    return f"{high:%Y%m%dT%H%M%S}-{digest}"


def _known_codes(settings: Settings, lake: Lake, source: SqlSource) -> dict[str, set[str]]:
    return known_codes(settings, lake, source.name, source.reference_codes)


def _process(
    settings: Settings, lake: Lake, source: SqlSource, entity: SqlEntity, batch_id: str, raw: pl.DataFrame,
    low: datetime | None, high: datetime, received_at: datetime, known_codes: dict[str, set[str]] | None = None,
) -> BatchResult:
    codes = known_codes if known_codes is not None else _known_codes(settings, lake, source)
    schema = entity.schema(BatchContext(received_at=received_at, known_codes=codes))
    return commit_batch(settings, lake, source.name, entity.name, schema, batch_id, raw, low, high, received_at)


def _find_landing(lake: Lake, source: str, entity: str, batch_id: str) -> str | None:
    for key in lake.list(f"landing/{source}/{entity}"):
        if key.endswith(f"/{batch_id}.json"):
            return key
    return None


def replay(settings: Settings, source_name: str, entity_name: str, batch_id: str) -> BatchResult:
    """Re-run a batch from its immutable landing copy (same input, same files, same manifest)."""
    source = SOURCES[source_name]
    entity = next(e for e in source.entities if e.name == entity_name)
    lake = open_lake(settings)
    meta_key = _find_landing(lake, source.name, entity.name, batch_id)
    if meta_key is None:
        raise FileNotFoundError(f"no landing copy of batch {batch_id} for {source_name}.{entity_name}")
    meta = lake.read_json(meta_key)
    bronze = batch_keys(source.name, entity.name, batch_id, datetime.fromisoformat(meta["high"]))["bronze"]
    done = manifests.read_manifest(lake, source.name, entity.name, batch_id)
    if done is not None and done["status"] == "committed" and not lake.exists(bronze):
        raise FileNotFoundError(f"batch {batch_id} was compacted into its month's file: replaying it would add its "
                                "rows a second time")
    raw = pl.read_parquet(lake.get_bytes(meta_key[: -len(".json")] + ".parquet"))
    low = datetime.fromisoformat(meta["low"]) if meta["low"] else None
    return _process(settings, lake, source, entity, batch_id, raw, low, datetime.fromisoformat(meta["high"]),
                    datetime.fromisoformat(meta["received_at"]))


def ingest_entity(settings: Settings, lake: Lake, source: SqlSource, entity: SqlEntity, engine: sa.Engine,
                  known_codes: dict[str, set[str]] | None = None, until: datetime | None = None) -> BatchResult:
    """One batch of ENTITY: the rows changed since its watermark, up to UNTIL when given (catching up day by day)."""
    watermark = manifests.read_watermark(lake, source.name, entity.name)
    high = source_high_watermark(engine, entity.table, entity.watermark_column)
    if high is not None and until is not None:
        high = min(high, until)
    if high is None or (watermark is not None and high <= watermark):
        return BatchResult(source.name, entity.name, batch_id="", status="skipped")
    low = watermark - entity.overlap if watermark is not None else None
    batch_id = batch_id_for(source.name, entity.name, low, high)
    committed = manifests.read_manifest(lake, source.name, entity.name, batch_id)
    if committed is not None and committed["status"] == "committed":
        manifests.write_watermark(lake, source.name, entity.name, high, batch_id)
        return BatchResult(source.name, entity.name, batch_id=batch_id, status="skipped")

    keys = batch_keys(source.name, entity.name, batch_id, high)
    if lake.exists(keys["landing_meta"]):  # landed before a crash: finish it from the landing copy
        result = replay(settings, source.name, entity.name, batch_id)
    else:
        received_at = received_now()
        raw = extract(engine, entity.table, entity.watermark_column, low, high)
        lake.write_parquet(keys["landing"], raw)
        lake.write_json(keys["landing_meta"], {"low": str(low) if low else None, "high": str(high),
                                               "received_at": received_at.isoformat(sep=" "), "rows": raw.height,
                                               "table": entity.table})
        result = _process(settings, lake, source, entity, batch_id, raw, low, high, received_at, known_codes)
    manifests.write_watermark(lake, source.name, entity.name, high, batch_id)
    return result


def _engine(settings: Settings, source: SqlSource) -> sa.Engine:
    url = sa.make_url(source.url(settings))
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        # connecting would create an empty file and then fail on the first table
        raise SourceUnavailable(f"{source.name}: no database at {url.database} — run `govlake simulate` or set "
                                f"SOURCE_{source.name.upper()}_URL")
    return sa.create_engine(url)


def ingest_source(settings: Settings, source_name: str, until: datetime | None = None) -> list[BatchResult]:
    if source_name not in SOURCES:
        raise KeyError(f"unknown source {source_name!r}; known: {', '.join(SOURCES)}")
    source = SOURCES[source_name]
    if not isinstance(source, SqlSource):
        return source.ingest(settings, until)  # REST and file sources run their own batches
    lake = open_lake(settings)
    engine = _engine(settings, source)
    providers = {entity for entity, _ in source.reference_codes.values()}
    try:
        codes = _known_codes(settings, lake, source)
        results = []
        for entity in source.entities:
            results.append(ingest_entity(settings, lake, source, entity, engine, codes, until))
            if entity.name in providers and results[-1].status == "committed":
                codes = _known_codes(settings, lake, source)  # later entities see the codes just ingested
        return results
    finally:
        engine.dispose()
