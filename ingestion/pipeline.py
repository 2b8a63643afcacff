"""One batch of one entity: extract (or replay from landing) → land → validate → bronze + quarantine → manifest.

Idempotent by construction: a batch's id is derived from its watermark window, every file it writes has a fixed
key, the manifest is written last and the watermark after it. Re-running a committed batch rewrites the same files
from the immutable landing copy and changes nothing; a batch that crashed before its manifest is completed on rerun.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from govlake import duck
from govlake.settings import Settings
from ingestion import manifests
from ingestion.lake import Lake, open_lake
from ingestion.sources import SOURCES, BatchContext, SqlEntity, SqlSource
from ingestion.sql_extract import extract, source_high_watermark
from quality.validate import validate


class BatchRejected(RuntimeError):
    """A batch whose rejection rate is above the configured limit: nothing of it reaches bronze."""


class SourceUnavailable(RuntimeError):
    """The source has nothing to read from here (e.g. its embedded database was never simulated)."""


@dataclass
class BatchResult:
    source: str
    entity: str
    batch_id: str
    status: str  # committed | skipped | failed
    received: int = 0
    bronze: int = 0
    quarantined: int = 0
    rules: dict[str, int] = field(default_factory=dict)
    low: str | None = None
    high: str | None = None
    received_at: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def batch_id_for(source: str, entity: str, low: datetime | None, high: datetime) -> str:
    digest = hashlib.sha1(f"{source}/{entity}/{low}/{high}".encode()).hexdigest()[:16]
    return f"{high:%Y%m%dT%H%M%S}-{digest}"


def _keys(source: str, entity: str, batch_id: str, high: datetime) -> dict[str, str]:
    part = f"{source}/{entity}/batch_date={high:%Y-%m-%d}/{batch_id}"
    return {
        "landing": f"landing/{part}.parquet",
        "landing_meta": f"landing/{part}.json",
        "bronze": f"bronze/{part}.parquet",
        "quarantine": f"quarantine/{part}.parquet",
    }


def _known_codes(settings: Settings, lake: Lake, source: SqlSource) -> dict[str, set[str]]:
    """Code lists already in bronze that later entities are checked against (e.g. the channel table)."""
    codes: dict[str, set[str]] = {}
    for name, (entity, column) in source.reference_codes.items():
        prefix = f"bronze/{source.name}/{entity}"
        if not lake.list(prefix):
            codes[name] = set()
            continue
        con = duck.connect(settings)
        try:
            rows = con.execute(f"select distinct {column} from read_parquet('{lake.url(prefix + '/*/*.parquet')}')")
            codes[name] = {r[0] for r in rows.fetchall()}
        finally:
            con.close()
    return codes


def _process(
    settings: Settings, lake: Lake, source: SqlSource, entity: SqlEntity, batch_id: str, raw: pl.DataFrame,
    low: datetime | None, high: datetime, received_at: datetime, known_codes: dict[str, set[str]] | None = None,
) -> BatchResult:
    started = time.perf_counter()
    keys = _keys(source.name, entity.name, batch_id, high)
    codes = known_codes if known_codes is not None else _known_codes(settings, lake, source)
    ctx = BatchContext(received_at=received_at, known_codes=codes)
    checked = validate(raw, entity.schema(ctx))
    result = BatchResult(
        source=source.name, entity=entity.name, batch_id=batch_id, status="committed",
        received=raw.height, bronze=checked.valid.height, quarantined=checked.rejected.height, rules=checked.rules,
        low=str(low) if low else None, high=str(high), received_at=received_at.isoformat(sep=" "),
    )
    lineage = [
        pl.lit(batch_id).alias("_batch_id"),
        pl.lit(received_at).cast(pl.Datetime("us")).alias("_ingested_at"),
        pl.lit(source.name).alias("_source"),
    ]
    if checked.rejected.height:
        lake.write_parquet(keys["quarantine"], checked.rejected.with_columns(lineage))
    reject_rate = checked.rejected.height / raw.height if raw.height else 0.0
    if reject_rate > settings.max_reject_rate and raw.height >= settings.reject_rate_min_rows:
        result.status = "failed"
        result.bronze = 0
        result.seconds = time.perf_counter() - started
        lake.write_json(manifests.manifest_key(source.name, entity.name, batch_id), result.as_dict())
        raise BatchRejected(
            f"{source.name}.{entity.name} batch {batch_id}: {reject_rate:.1%} of {raw.height} rows rejected "
            f"(limit {settings.max_reject_rate:.1%}); see {keys['quarantine']} — rules: {checked.rules}"
        )
    lake.write_parquet(keys["bronze"], checked.valid.with_columns(lineage))
    result.seconds = time.perf_counter() - started
    # the manifest commits the batch; only then may the watermark move
    lake.write_json(manifests.manifest_key(source.name, entity.name, batch_id), result.as_dict())
    return result


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
    raw = pl.read_parquet(lake.get_bytes(meta_key[: -len(".json")] + ".parquet"))
    low = datetime.fromisoformat(meta["low"]) if meta["low"] else None
    return _process(settings, lake, source, entity, batch_id, raw, low, datetime.fromisoformat(meta["high"]),
                    datetime.fromisoformat(meta["received_at"]))


def ingest_entity(settings: Settings, lake: Lake, source: SqlSource, entity: SqlEntity,
                  engine: sa.Engine, known_codes: dict[str, set[str]] | None = None) -> BatchResult:
    watermark = manifests.read_watermark(lake, source.name, entity.name)
    high = source_high_watermark(engine, entity.table, entity.watermark_column)
    if high is None or (watermark is not None and high <= watermark):
        return BatchResult(source.name, entity.name, batch_id="", status="skipped")
    low = watermark - entity.overlap if watermark is not None else None
    batch_id = batch_id_for(source.name, entity.name, low, high)
    committed = manifests.read_manifest(lake, source.name, entity.name, batch_id)
    if committed is not None and committed["status"] == "committed":
        manifests.write_watermark(lake, source.name, entity.name, high, batch_id)
        return BatchResult(source.name, entity.name, batch_id=batch_id, status="skipped")

    keys = _keys(source.name, entity.name, batch_id, high)
    if lake.exists(keys["landing_meta"]):  # landed before a crash: finish it from the landing copy
        result = replay(settings, source.name, entity.name, batch_id)
    else:
        received_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
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


def ingest_source(settings: Settings, source_name: str) -> list[BatchResult]:
    if source_name not in SOURCES:
        raise KeyError(f"unknown source {source_name!r}; known: {', '.join(SOURCES)}")
    source = SOURCES[source_name]
    lake = open_lake(settings)
    engine = _engine(settings, source)
    providers = {entity for entity, _ in source.reference_codes.values()}
    try:
        codes = _known_codes(settings, lake, source)
        results = []
        for entity in source.entities:
            results.append(ingest_entity(settings, lake, source, entity, engine, codes))
            if entity.name in providers and results[-1].status == "committed":
                codes = _known_codes(settings, lake, source)  # later entities see the codes just ingested
        return results
    finally:
        engine.dispose()
