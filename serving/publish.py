"""`govlake publish`: the last successful dbt build's marts into the DuckLake catalog, in proportion to the change.

One publish is one DuckLake transaction (one snapshot). It replaces only the tables whose content changed since the
last publish — judged by a content hash of each table computed in the warehouse (row count, an order-independent sum
of row hashes, and the column names and types), kept in the catalog beside the tables — and drops tables the build
no longer has. Readers see the snapshot before the commit or after it, never a part; a publish killed mid-way leaves
only unreferenced Parquet files, deleted by the next publish. A failed build publishes nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from common.settings import Settings
from serving.reader import CATALOG, PUBLISH_MESSAGE, STATE_TABLE, attach_sql, list_snapshots, open_connection
from transform.build_state import build_status_path, last_build_succeeded

MART_PREFIXES = ("fct_", "dim_", "agg_")


class PublishError(RuntimeError):
    pass


@dataclass
class PublishResult:
    snapshot: int | None  # None: nothing changed, the served snapshot stays
    tables: dict[str, int]  # every served table and its rows
    changed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    expired: int = 0
    seconds: float = 0.0


def _check_build(settings: Settings) -> None:
    if not settings.warehouse_path.exists() or not build_status_path(settings).exists():
        raise PublishError("nothing to publish: run `govlake transform` first")
    if not last_build_succeeded(settings):
        raise PublishError("the last `govlake transform` failed; the previously published snapshot stays served")


def _served_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The build's marts and code tables — not its views (they read the restricted lake) nor the staging and
    intermediate tables some models materialise for speed (working state, not a served interface)."""
    return [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = 'build' and schema_name = 'main' "
        "and not starts_with(table_name, 'stg_') and not starts_with(table_name, 'int_') order by table_name"
    ).fetchall()]


def _content(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    """(rows, content hash): cheap next to copying (DuckDB hashes ~30M rows/s a core); order-independent."""
    rows, total = con.execute(
        f'select count(*), coalesce(sum(hash(t)::hugeint), 0)::varchar from build.main."{table}" as t').fetchone()  # type: ignore[misc]
    schema = con.execute(
        "select string_agg(column_name || ' ' || data_type, ',' order by column_index) from duckdb_columns() "
        "where database_name = 'build' and schema_name = 'main' and table_name = ?", [table]).fetchone()
    return int(rows), f"{rows}:{total}:{schema[0] if schema else ''}"


def _previous(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    exists = con.execute("select 1 from duckdb_tables() where database_name = ? and table_name = ?",
                         [CATALOG, STATE_TABLE]).fetchone()
    if not exists:
        return {}
    return dict(con.execute(f"select table_name, content_hash from {CATALOG}.main.{STATE_TABLE}").fetchall())


def _maintain(con: duckdb.DuckDBPyConnection, retention_days: float) -> int:
    """Expire snapshots older than the retention (never the newest), then delete the data files only they held and
    any file a killed publish left unreferenced (this process is the only writer)."""
    snapshots = list_snapshots(con)
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    if snapshots:
        cutoff = min(cutoff, snapshots[-1].published_at)
    expire = con.execute(f"select count(*) from ducklake_snapshots('{CATALOG}') where snapshot_time < ?",
                         [cutoff]).fetchone()
    expired = int(expire[0]) if expire else 0
    if expired:
        con.execute(f"call ducklake_expire_snapshots('{CATALOG}', older_than => ?)", [cutoff])
        con.execute(f"call ducklake_cleanup_old_files('{CATALOG}', cleanup_all => true)")
    con.execute(f"call ducklake_delete_orphaned_files('{CATALOG}', cleanup_all => true)")
    return expired


def publish(settings: Settings) -> PublishResult:
    started = datetime.now(UTC)
    _check_build(settings)
    settings.serving_dir.mkdir(parents=True, exist_ok=True)
    con = open_connection(settings)
    try:
        con.execute(f"attach '{settings.warehouse_path.resolve()}' as build (read_only)")
        tables = _served_tables(con)
        content = {t: _content(con, t) for t in tables}
        counts = {t: rows for t, (rows, _) in content.items()}
        marts = [t for t in tables if t.startswith(MART_PREFIXES)]
        empty = [t for t in marts if counts[t] == 0]
        if not marts or empty:
            raise PublishError(f"refusing to publish: empty marts {empty or 'none built'}")

        con.execute(attach_sql(settings, read_only=False))
        before = _previous(con)
        changed = [t for t in tables if before.get(t) != content[t][1]]
        dropped = sorted(set(before) - set(tables))
        snapshot = None
        if changed or dropped:
            con.execute("begin transaction")
            for table in changed:
                con.execute(f'create or replace table {CATALOG}.main."{table}" as select * from build.main."{table}"')
            for table in dropped:
                con.execute(f'drop table if exists {CATALOG}.main."{table}"')
            con.execute(f"create or replace table {CATALOG}.main.{STATE_TABLE} "
                        "(table_name varchar, row_count bigint, content_hash varchar)")
            con.executemany(f"insert into {CATALOG}.main.{STATE_TABLE} values (?, ?, ?)",
                            [[t, counts[t], content[t][1]] for t in tables])
            con.execute(f"call {CATALOG}.set_commit_message('govlake', ?, extra_info => ?)",
                        [PUBLISH_MESSAGE, json.dumps({"changed": changed, "dropped": dropped})])
            con.execute("commit")
            current = con.execute(f"select id from {CATALOG}.current_snapshot()").fetchone()
            snapshot = int(current[0]) if current else None
        expired = _maintain(con, settings.serving_retention_days)
    finally:
        con.close()
    return PublishResult(snapshot=snapshot, tables=counts, changed=changed, dropped=dropped, expired=expired,
                         seconds=(datetime.now(UTC) - started).total_seconds())


def snapshots(settings: Settings) -> list[dict[str, object]]:
    """The published snapshots still kept (`govlake publish --list`), oldest first."""
    from serving.reader import Reader, ServingError

    reader = Reader(settings)
    try:
        infos = reader.snapshots()
    except ServingError:
        return []
    finally:
        reader.close()
    return [{"snapshot": s.id, "published_at": s.published_at.isoformat(), **json.loads(s.changed or "{}")}
            for s in infos]


def as_dict(result: PublishResult) -> dict[str, object]:
    return asdict(result)
