"""Committing one batch, whatever its source kind: validate → bronze + quarantine → manifest.

SQL, REST and file sources differ in how they find and land a batch; from the received rows (text, as landed) on
they share this step, so the zones, the lineage columns, the rejection limit and the manifest are the same for all.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pandera.polars as pa
import polars as pl

from common.lake import Lake
from common.settings import Settings
from quality import manifests
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
    repaired: int = 0  # rows kept in bronze with a field nulled, repaired or flagged (not part of the reconciliation)
    field_rules: dict[str, int] = field(default_factory=dict)  # field-level repairs per rule
    low: str | None = None
    high: str | None = None
    received_at: str | None = None
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)  # source-kind specifics, e.g. the files of a file batch

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)



def batch_keys(source: str, entity: str, batch_id: str, high: datetime) -> dict[str, str]:
    part = f"{source}/{entity}/batch_date={high:%Y-%m-%d}/{batch_id}"
    return {
        "landing": f"landing/{part}.parquet",
        "landing_meta": f"landing/{part}.json",
        "bronze": f"bronze/{part}.parquet",
        "quarantine": f"quarantine/{part}.parquet",
        # field-level records of kept rows: beside the rejected rows, never counted as rows
        "field_issues": f"quarantine/_fields/{part}.parquet",
    }


def known_codes(settings: Settings, lake: Lake, source: str,
                reference_codes: dict[str, tuple[str, str]]) -> dict[str, set[str]]:
    """Code lists already in a source's bronze that later entities are checked against: name -> distinct values of
    (entity, column), e.g. the channel table's codes for tickets."""
    from common import duck  # DuckDB only when a source declares reference codes

    codes: dict[str, set[str]] = {}
    for name, (entity, column) in reference_codes.items():
        prefix = f"bronze/{source}/{entity}"
        if not lake.list(prefix):
            codes[name] = set()
            continue
        con = duck.connect(settings)
        try:
            rows = con.execute(f"select distinct {column} from read_parquet('{lake.url(prefix + '/*/*.parquet')}')")
            codes[name] = {r[0] for r in rows.fetchall() if r[0] is not None}
        finally:
            con.close()
    return codes


def crash_point(name: str) -> None:
    """Die here, as a killed process would (no cleanup, no exception handlers), when GOVLAKE_CRASH_AT names this point.

    Only the crash-safety tests set it: they prove that a batch killed between its data and its manifest stays
    invisible and is completed by the rerun.
    """
    if os.environ.get("GOVLAKE_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def commit_batch(
    settings: Settings, lake: Lake, source: str, entity: str, schema: pa.DataFrameSchema, batch_id: str,
    raw: pl.DataFrame, low: datetime | None, high: datetime, received_at: datetime,
    details: dict[str, Any] | None = None,
) -> BatchResult:
    """Validate RAW (text columns, as landed) and write bronze, quarantine and — last, as the commit — the manifest."""
    started = time.perf_counter()
    keys = batch_keys(source, entity, batch_id, high)
    checked = validate(raw, schema)
    result = BatchResult(
        source=source, entity=entity, batch_id=batch_id, status="committed",
        received=raw.height, bronze=checked.valid.height, quarantined=checked.rejected.height, rules=checked.rules,
        repaired=checked.repaired, field_rules=checked.field_rules,
        low=str(low) if low else None, high=str(high), received_at=received_at.isoformat(sep=" "),
        details=details or {},
    )
    lineage = [
        pl.lit(batch_id).alias("_batch_id"),
        pl.lit(received_at).cast(pl.Datetime("us")).alias("_ingested_at"),
        pl.lit(source).alias("_source"),
    ]
    if checked.rejected.height:
        lake.write_parquet(keys["quarantine"], checked.rejected.with_columns(lineage))
    reject_rate = checked.rejected.height / raw.height if raw.height else 0.0
    if reject_rate > settings.max_reject_rate and raw.height >= settings.reject_rate_min_rows:
        result.status = "failed"
        result.bronze = 0
        result.repaired, result.field_rules = 0, {}
        result.seconds = time.perf_counter() - started
        lake.write_json(manifests.manifest_key(source, entity, batch_id), result.as_dict())
        raise BatchRejected(
            f"{source}.{entity} batch {batch_id}: {reject_rate:.1%} of {raw.height} rows rejected "
            f"(limit {settings.max_reject_rate:.1%}); see {keys['quarantine']} — rules: {checked.rules}"
        )
    if checked.issues.height:
        lake.write_parquet(keys["field_issues"], checked.issues.with_columns(lineage))
    lake.write_parquet(keys["bronze"], checked.valid.with_columns(lineage))
    crash_point("bronze_written")
    result.seconds = time.perf_counter() - started
    # the manifest commits the batch; only then may a watermark move
    lake.write_json(manifests.manifest_key(source, entity, batch_id), result.as_dict())
    return result
