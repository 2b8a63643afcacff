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
STAMP = "built_at"  # the build stamp the big incremental marts carry per row (macros/build/build_stamp.sql)
DELTA_MAX_SHARE = 0.5  # a stamped table rewritten more than this is replaced rather than patched


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


def _schemas(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Table -> its column names and types, for every table of the build in one catalog query."""
    return dict(con.execute(
        "select table_name, string_agg(column_name || ' ' || data_type, ',' order by column_index) "
        "from duckdb_columns() where database_name = 'build' and schema_name = 'main' group by table_name"
    ).fetchall())


def _content(con: duckdb.DuckDBPyConnection, table: str, schema: str) -> tuple[int, str, datetime | None]:
    """(rows, content hash, build stamp). A table whose rows carry the build stamp (`built_at`: the big incremental
    marts) is judged by its rows and newest stamp, since every row a build writes carries that build's; any other
    by an order-independent sum of row hashes (DuckDB hashes tens of millions of rows a second)."""
    if STAMP in (column.split(" ")[0] for column in schema.split(",")):
        rows, stamp = con.execute(f'select count(*), max({STAMP}) from build.main."{table}"').fetchone()  # type: ignore[misc]
        return int(rows), f"{rows}:{stamp}:{schema}", stamp
    rows, total = con.execute(
        f'select count(*), coalesce(sum(hash(t)::hugeint), 0)::varchar from build.main."{table}" as t').fetchone()  # type: ignore[misc]
    return int(rows), f"{rows}:{total}:{schema}", None


def _unique_keys(settings: Settings) -> dict[str, list[str]]:
    """Model -> its incremental unique key, from the last full build's manifest (a daily build writes none)."""
    path = settings.data_dir / "dbt" / "target" / "manifest.json"
    if not path.exists():
        return {}
    nodes = json.loads(path.read_text(encoding="utf-8")).get("nodes", {})
    keys = {}
    for node in nodes.values():
        key = node.get("config", {}).get("unique_key") if node.get("resource_type") == "model" else None
        if key:
            keys[node["name"]] = [key] if isinstance(key, str) else list(key)
    return keys


def _new_share(con: duckdb.DuckDBPyConnection, table: str, since: datetime, rows: int) -> float:
    new = con.execute(f'select count(*) from build.main."{table}" where {STAMP} > ?', [since]).fetchone()
    return (int(new[0]) if new else rows) / max(rows, 1)


def _apply_delta(con: duckdb.DuckDBPyConnection, table: str, key: list[str], since: datetime, rows: int) -> bool:
    """Bring a stamped table up to the build by its rows written after SINCE: the build replaced every row of a
    key it rewrote (delete+insert by key), so delete those keys and insert the new rows. False when the result
    does not add up (the caller then replaces the table)."""
    match = " and ".join(f'new."{k}" = served."{k}"' for k in key)
    con.execute(f'delete from {CATALOG}.main."{table}" as served where exists (select 1 from build.main."{table}" '
                f"as new where new.{STAMP} > ? and {match})", [since])
    con.execute(f'insert into {CATALOG}.main."{table}" select * from build.main."{table}" where {STAMP} > ?', [since])
    served = con.execute(f'select count(*) from {CATALOG}.main."{table}"').fetchone()
    return bool(served) and int(served[0]) == rows


def _previous(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, datetime | None, str]]:
    """Per served table: (content hash, build stamp, schema) as of the last publish."""
    try:  # asked directly: listing the catalog's tables would load every table's metadata
        rows = con.execute(
            f"select table_name, content_hash, built_at, table_schema from {CATALOG}.main.{STATE_TABLE}").fetchall()
    except duckdb.CatalogException:  # the first publish
        return {}
    return {t: (h, stamp, schema) for t, h, stamp, schema in rows}


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
        all_schemas = _schemas(con)
        schemas = {t: all_schemas.get(t, "") for t in tables}
        content = {t: _content(con, t, schemas[t]) for t in tables}
        counts = {t: rows for t, (rows, _, _) in content.items()}
        marts = [t for t in tables if t.startswith(MART_PREFIXES)]
        empty = [t for t in marts if counts[t] == 0]
        if not marts or empty:
            raise PublishError(f"refusing to publish: empty marts {empty or 'none built'}")

        con.execute(attach_sql(settings, read_only=False))
        before = _previous(con)
        changed = [t for t in tables if before.get(t, ("",))[0] != content[t][1]]
        dropped = sorted(set(before) - set(tables))
        keys = _unique_keys(settings) if any(content[t][2] for t in changed) else {}
        snapshot = None
        if changed or dropped:
            con.execute("begin transaction")
            for table in changed:
                since = before.get(table, ("", None, ""))[1]
                patchable = (since is not None and table in keys and before[table][2] == schemas[table]
                             and _new_share(con, table, since, counts[table]) <= DELTA_MAX_SHARE)
                if not (patchable and _apply_delta(con, table, keys[table], since, counts[table])):  # type: ignore[arg-type]
                    con.execute(f'create or replace table {CATALOG}.main."{table}" as '
                                f'select * from build.main."{table}"')
            for table in dropped:
                con.execute(f'drop table if exists {CATALOG}.main."{table}"')
            con.execute(f"create or replace table {CATALOG}.main.{STATE_TABLE} (table_name varchar, "
                        "row_count bigint, content_hash varchar, built_at timestamp, table_schema varchar)")
            con.executemany(f"insert into {CATALOG}.main.{STATE_TABLE} values (?, ?, ?, ?, ?)",
                            [[t, counts[t], content[t][1], content[t][2], schemas[t]] for t in tables])
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
