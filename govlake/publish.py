"""`govlake publish`: turn the last successful dbt build into an immutable serving snapshot, swapped in atomically.

Readers (Superset, the marts API, analysts' SQL) open `serving/govlake.duckdb` read-only. That path is a symlink to
one immutable snapshot file; publishing writes a new snapshot beside it, checks it, and replaces the symlink with one
rename. A reader sees the old snapshot or the new one, never a half-built state, and never meets the writer's lock.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from common.lake import open_lake
from common.settings import Settings
from transform.build_state import build_status_path, last_build_succeeded

KEEP_SNAPSHOTS = 3


class PublishError(RuntimeError):
    pass


@dataclass
class PublishResult:
    snapshot: str
    tables: dict[str, int]
    seconds: float


def _check_build(settings: Settings) -> None:
    if not settings.warehouse_path.exists() or not build_status_path(settings).exists():
        raise PublishError("nothing to publish: run `govlake transform` first")
    if not last_build_succeeded(settings):
        raise PublishError("the last `govlake transform` failed; the previously published snapshot stays served")


def current_snapshot(settings: Settings) -> Path | None:
    link = settings.serving_path
    return link.resolve() if link.is_symlink() and link.resolve().exists() else None


def _copy_tables(build: Path, target: Path) -> dict[str, int]:
    """Copy the build's marts and code tables — not its views (they read the restricted lake) nor the staging and
    intermediate tables some models materialise for speed (working state, not a served interface)."""
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{build}' as build (read_only)")
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'build' and schema_name = 'main' "
                "and not starts_with(table_name, 'stg_') and not starts_with(table_name, 'int_') order by table_name"
            ).fetchall()
        ]
        counts: dict[str, int] = {}
        for table in tables:
            con.execute(f'create table main."{table}" as select * from build.main."{table}"')
            counts[table] = con.execute(f'select count(*) from main."{table}"').fetchone()[0]  # type: ignore[index]
        con.execute("detach build")
        con.execute(
            "create table main._snapshot as select ?::timestamp as published_at, ?::varchar as snapshot",
            [datetime.now(UTC).replace(tzinfo=None), target.name.removeprefix(".").removesuffix(".tmp")],
        )
        con.execute("checkpoint")
    finally:
        con.close()
    return counts


def _export_marts(settings: Settings, snapshot: Path, tables: list[str]) -> None:
    """Marts as Parquet on the object store, for engines other than DuckDB (Spark, Trino) and for downloads."""
    lake = open_lake(settings)
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        for table in tables:
            lake.write_parquet(f"marts/{table}/{table}.parquet", con.sql(f'select * from main."{table}"').pl())
    finally:
        con.close()


def _prune(snapshots: Path, keep: Path) -> None:
    for stale in snapshots.glob(".govlake-*.tmp"):  # left by a publish that crashed
        stale.unlink(missing_ok=True)
    old = sorted(p for p in snapshots.glob("govlake-*.duckdb") if p != keep)
    for path in old[: max(0, len(old) - (KEEP_SNAPSHOTS - 1))]:
        path.unlink(missing_ok=True)  # readers holding it open keep reading: unlink does not pull the data away


def publish(settings: Settings) -> PublishResult:
    started = datetime.now(UTC)
    _check_build(settings)
    snapshots = settings.serving_dir / "snapshots"
    snapshots.mkdir(parents=True, exist_ok=True)
    name = f"govlake-{started:%Y%m%dT%H%M%S%f}.duckdb"
    tmp, final = snapshots / f".{name}.tmp", snapshots / name
    tmp.unlink(missing_ok=True)
    counts = _copy_tables(settings.warehouse_path.resolve(), tmp)
    marts = [t for t in counts if t.startswith(("fct_", "dim_", "agg_"))]
    empty = [t for t in marts if counts[t] == 0]
    if not marts or empty:
        tmp.unlink(missing_ok=True)
        raise PublishError(f"refusing to publish: empty marts {empty or 'none built'}")
    os.replace(tmp, final)

    link_tmp = settings.serving_path.with_name(f".{settings.serving_path.name}.new")
    link_tmp.unlink(missing_ok=True)
    link_tmp.symlink_to(Path("snapshots") / name)
    os.replace(link_tmp, settings.serving_path)  # the atomic switch

    _export_marts(settings, final, marts)
    _prune(snapshots, final)
    return PublishResult(snapshot=name, tables=counts, seconds=(datetime.now(UTC) - started).total_seconds())


def as_dict(result: PublishResult) -> dict[str, object]:
    return asdict(result)
