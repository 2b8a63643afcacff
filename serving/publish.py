"""`govlake publish`: the last successful dbt build's marts into the DuckLake catalog, in proportion to the change.

One publish is one DuckLake transaction (one snapshot). It writes only the tables whose content changed since the
last publish — judged by a content hash of each table computed in the warehouse (row count, an order-independent sum
of row hashes, and the column names and types), recorded in each publish's commit, and computed only for the
tables the builds since the last publish wrote (the build log) — and drops tables the build no longer has. A changed
table small enough (`SERVING_REPLACE_MAX_ROWS`) is rewritten whole; a bigger one is patched: by the periods or keys
its build rewrote when its rows carry the build stamp, else by its changed rows when it has a key. Readers
see the snapshot before the commit or after it, never a part; a publish killed mid-way leaves only unreferenced
Parquet files, deleted by the next publish. A failed build publishes nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from common.settings import Settings
from serving.reader import (
    CATALOG,
    LEGACY_STATE_TABLE,
    PUBLISH_MESSAGE,
    CatalogSnapshot,
    attach_sql,
    catalog_exists,
    catalog_snapshots,
    open_connection,
    published_snapshots,
    sqlite_wal,
)
from serving.row_hashes import RowHashes
from transform.build_state import build_status_path, built_fingerprint, last_build_succeeded, written_since

MART_PREFIXES = ("fct_", "dim_", "agg_")
STAMP = "built_at"  # the build stamp the big incremental marts carry per row (macros/build/build_stamp.sql)
DELTA_MAX_SHARE = 0.5  # a table whose rows changed more than this is replaced rather than patched
MANIFEST_FACTS_VERSION = 2  # of what _parse_manifest takes: a change to it must not read facts kept by the old one


class PublishError(RuntimeError):
    pass


@dataclass
class PublishResult:
    snapshot: int | None  # None: nothing changed, the served snapshot stays
    tables: dict[str, int]  # every served table and its rows
    changed: list[str] = field(default_factory=list)
    patched: list[str] = field(default_factory=list)  # of the changed, those patched by their rows (others rewritten)
    dropped: list[str] = field(default_factory=list)
    expired: int = 0
    seconds: float = 0.0


def _check_build(settings: Settings) -> None:
    if not settings.warehouse_path.exists() or not build_status_path(settings).exists():
        raise PublishError("nothing to publish: run `govlake transform` first")
    if not last_build_succeeded(settings):
        raise PublishError("the last `govlake transform` failed; the previously published snapshot stays served")


def _served_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The build's marts and code tables and their estimated rows — not its views (they read the restricted lake)
    nor the staging and intermediate tables some models materialise for speed (working state, not a served
    interface)."""
    return dict(con.execute(
        "select table_name, estimated_size from duckdb_tables() where database_name = 'build' "
        "and schema_name = 'main' and not starts_with(table_name, 'stg_') and not starts_with(table_name, 'int_') "
        "order by table_name"
    ).fetchall())


def _schemas(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Table -> its column names and types, for every table of the build in one catalog query."""
    return dict(con.execute(
        "select table_name, string_agg(column_name || ' ' || data_type, ',' order by column_index) "
        "from duckdb_columns() where database_name = 'build' and schema_name = 'main' group by table_name"
    ).fetchall())


def _contents(con: duckdb.DuckDBPyConnection, tables: list[str], schemas: dict[str, str],
              row_keys: dict[str, list[str]]) -> dict[str, tuple[int, str, datetime | None]]:
    """Per table: (rows, content hash, build stamp). A table whose rows carry the build stamp (`built_at`: the big
    incremental marts) is judged by its rows and newest stamp, since every row a build writes carries that build's;
    any other by an order-independent sum of its row hashes (DuckDB hashes tens of millions of rows a second), and
    the column names and types. A table with a row KEY keeps its rows' (hash, key) in a temp table
    (`_built_hashes_<table>`), which a patch diffs against the served rows. The sums are taken in one statement:
    DuckDB scans the tables side by side, and a publish pays one round trip, not one per table."""
    if not tables:
        return {}
    stamped = {t for t in tables if STAMP in (c.split(" ")[0] for c in schemas[t].split(","))}
    parts = []
    for t in tables:
        if t in stamped:
            parts.append(f'select ? as t, count(*) as n, null::varchar as v, max({STAMP}) as s from build.main."{t}"')
            continue
        if t in row_keys:
            relation, hashed = _hash_rows(con, t, row_keys[t]), "h"
        else:
            relation, hashed = f'build.main."{t}"', "hash(r)"
        parts.append(f"select ? as t, count(*) as n, coalesce(sum({hashed}::hugeint), 0)::varchar as v, null as s "
                     f"from {relation} as r")
    found = {}
    for table, rows, value, stamp in con.execute(" union all ".join(parts), tables).fetchall():
        found[table] = (int(rows), f"{rows}:{stamp if table in stamped else value}:{schemas[table]}", stamp)
    return found


def _built_hashes(table: str) -> str:
    return f'"_built_hashes_{table}"'


def _hash_rows(con: duckdb.DuckDBPyConnection, table: str, key: list[str]) -> str:
    """A temp table of the build's rows of TABLE as (h, key…): what a diff and the row-hash store work on."""
    hashes = _built_hashes(table)
    columns = ", ".join(f'"{k}"' for k in key)
    con.execute(f'create or replace temp table {hashes} as select hash(t) as h, {columns} '
                f'from build.main."{table}" as t')
    return hashes


@dataclass
class ManifestFacts:
    """What the publish takes from the last build's dbt manifest, per model."""

    row_keys: dict[str, list[str]] = field(default_factory=dict)  # the columns that identify its rows
    incremental_keys: dict[str, list[str]] = field(default_factory=dict)  # what the build deletes and re-inserts by
    serving_orders: dict[str, list[str]] = field(default_factory=dict)  # the order its served rows are written in
    # the period column of a model built by replace_periods (it rewrites only the rows of a period that changed)
    replaced_periods: dict[str, str] = field(default_factory=dict)


def _parse_manifest(path: Path) -> ManifestFacts:
    """From the last build's manifest: a row key is a primary-key or unique-combination test, else a primary-key
    constraint; the incremental key is the model's `unique_key` (a ticket's flows, a period's aggregates), which
    patches a stamped mart; the serving order is the model's `meta: {serving_order: [...]}` — a big mart that stays
    in the lake is written sorted by the columns its readers filter on, so that Parquet's row-group statistics let
    a filtered read skip most of it."""
    facts = ManifestFacts()
    nodes = json.loads(path.read_text(encoding="utf-8")).get("nodes", {})
    for node in nodes.values():
        meta = node.get("test_metadata") or {}
        if node.get("resource_type") == "test" and node.get("attached_node"):
            model = node["attached_node"].split(".")[-1]
            if meta.get("name") == "unique_combination" and meta.get("kwargs", {}).get("columns"):
                facts.row_keys.setdefault(model, list(meta["kwargs"]["columns"]))
            elif meta.get("name") in ("primary_key", "unique") and node.get("column_name"):
                facts.row_keys.setdefault(model, [node["column_name"]])
    for node in nodes.values():
        if node.get("resource_type") != "model":
            continue
        config = node.get("config", {})
        key = config.get("unique_key")
        if key:
            facts.incremental_keys[node["name"]] = [key] if isinstance(key, str) else list(key)
            if config.get("incremental_strategy") == "replace_periods" and isinstance(key, str):
                facts.replaced_periods[node["name"]] = key
        if order := (config.get("meta") or {}).get("serving_order"):
            facts.serving_orders[node["name"]] = list(order)
        pk = [c for c, col in node.get("columns", {}).items()
              if any(k.get("type") == "primary_key" for k in col.get("constraints", []))]
        if pk:
            facts.row_keys.setdefault(node["name"], pk)
    return facts


def _manifest_facts(settings: Settings) -> ManifestFacts:
    """The facts of the last build's manifest (see _parse_manifest). They follow from the dbt project alone, so they
    are kept beside the catalog under the project fingerprint the build recorded: parsing the 3 MB manifest was
    ~50 ms of a ~0.8 s daily publish at scale 1.0, paid again after every build."""
    path = settings.data_dir / "dbt" / "target" / "manifest.json"
    if not path.exists():
        return ManifestFacts()
    fingerprint = built_fingerprint(settings)
    key = {"fingerprint": fingerprint, "version": MANIFEST_FACTS_VERSION}
    cache = settings.serving_dir / "manifest_facts.json"
    if fingerprint and cache.exists():
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if kept.get("key") == key:
            return ManifestFacts(**kept["facts"])
    facts = _parse_manifest(path)
    if fingerprint:
        cache.write_text(json.dumps({"key": key, "facts": asdict(facts)}), encoding="utf-8")
    return facts


def _ordered(sql: str, order: list[str] | None) -> str:
    return sql + (" order by " + ", ".join(f'"{c}"' for c in order) if order else "")


def _new_share(con: duckdb.DuckDBPyConnection, table: str, since: datetime, rows: int) -> float:
    new = con.execute(f'select count(*) from build.main."{table}" where {STAMP} > ?', [since]).fetchone()
    return (int(new[0]) if new else rows) / max(rows, 1)


def _insert_written_since(con: duckdb.DuckDBPyConnection, table: str, since: datetime, order: list[str] | None,
                          served_rows: int, rows: int) -> bool:
    """Insert the build's rows of TABLE stamped after SINCE; whether the served rows (SERVED_ROWS after the patch's
    delete) then add up to the build's ROWS. From the statements' own counts: counting the served table after them
    is a catalog read of ~10 ms."""
    inserted = con.execute(_ordered(f'insert into {CATALOG}.main."{table}" select * from build.main."{table}" '
                                    f"where {STAMP} > ?", order), [since]).fetchone()
    return bool(inserted) and served_rows + int(inserted[0]) == rows  # type: ignore[index]


def _apply_delta(con: duckdb.DuckDBPyConnection, table: str, key: list[str], since: datetime, rows: int,
                 served_rows: int, order: list[str] | None) -> bool:
    """Bring a stamped table up to the build by its rows written after SINCE: the build replaced every row of a
    key it rewrote (delete+insert by key), so delete those keys and insert the new rows. False when the served
    rows (SERVED_ROWS before, less those deleted, plus those inserted) do not add up to the build's ROWS (the caller
    then replaces the table)."""
    columns = ", ".join(f'"{k}"' for k in key)
    # the rewritten keys first (a few thousand): a semi-join straight against the build reads 20x slower
    con.execute(f'create or replace temp table _rewritten as select distinct {columns} from build.main."{table}" '
                f"where {STAMP} > ?", [since])
    # and their range as constants: the scan then skips the row groups outside it (a served table sorted by its key
    # or a period, the rewritten keys the newest: 60 -> 28 ms for fct_tickets at scale 1.0); implied by the match
    bounds = con.execute("select " + ", ".join(f'min("{k}"), max("{k}")' for k in key) + " from _rewritten").fetchone()
    ranged = " and ".join(f'"{k}" between ? and ?' for k in key)
    deleted = con.execute(
        f'delete from {CATALOG}.main."{table}" where {ranged} and ({columns}) in (select {columns} from _rewritten)'
        if len(key) == 1 else
        f'delete from {CATALOG}.main."{table}" as served where {ranged} and exists (select 1 from _rewritten as k '
        "where " + " and ".join(f'k."{c}" = served."{c}"' for c in key) + ")", list(bounds or ())).fetchone()
    return _insert_written_since(con, table, since, order, served_rows - int(deleted[0]), rows) if deleted else False


def _apply_period_delta(con: duckdb.DuckDBPyConnection, table: str, period: str, key: list[str], since: datetime,
                        rows: int, served_rows: int, order: list[str] | None) -> bool:
    """Bring a stamped table built by replace_periods (macros/incremental/) up to the build. Such a build recomputes
    whole periods but rewrites only the rows that changed, deleting the rest of what changed: a row stamped SINCE or
    earlier is served as it is. So in the periods that have a row written after SINCE, every served row goes but
    those the build kept (by the row KEY), and the rows written after SINCE come in. False when the counts do not
    add up (a row the build deleted in another period: the caller then replaces the table)."""
    bounds = con.execute(f'select min("{period}"), max("{period}") from build.main."{table}" where {STAMP} > ?',
                         [since]).fetchone()
    if not bounds or bounds[0] is None:
        return False
    # the kept rows by a hash of their key: one integer to match, not a comparison per key column that may be null
    # (a collision could only keep a row that should go: then the counts do not add up)
    hashed = "hash(" + ", ".join(f'"{k}"' for k in key) + ")"
    con.execute(f'create or replace temp table _kept as select {hashed} as h from build.main."{table}" '
                f'where "{period}" between ? and ? and {STAMP} <= ?', [*bounds, since])
    deleted = con.execute(f'delete from {CATALOG}.main."{table}" where "{period}" between ? and ? '
                          f"and {hashed} not in (select h from _kept)", list(bounds)).fetchone()
    return _insert_written_since(con, table, since, order, served_rows - int(deleted[0]), rows) if deleted else False


def _apply_diff(con: duckdb.DuckDBPyConnection, table: str, key: list[str], rows: int, served_rows: int,
                served_hashes: RowHashes) -> bool:
    """Bring a keyed table up to the build by the rows that differ, found by row hash: delete the served rows the
    build no longer has as they are (by key), insert the build's rows the served table lacks. The served rows'
    hashes come from the publisher's store (serving/row_hashes.py), or from the served table when it has none.
    False when more than DELTA_MAX_SHARE of the rows differ or the counts do not add up (the caller then replaces
    the table)."""
    served, built, hashes = f'{CATALOG}.main."{table}"', f'build.main."{table}"', _built_hashes(table)
    before = served_hashes.served(table, key, served)
    gone, added = f'"_gone_{table}"', f'"_added_{table}"'
    con.execute(f"create or replace temp table {gone} as select * from {before} anti join {hashes} using (h)")
    con.execute(f"create or replace temp table {added} as select h from {hashes} anti join {before} using (h)")
    counts = con.execute(f"select (select count(*) from {gone}), (select count(*) from {added})").fetchone()
    if not counts or counts[0] + counts[1] > DELTA_MAX_SHARE * 2 * max(rows, 1):
        return False
    deleted = inserted = 0
    if counts[0]:
        match = " and ".join(f'g."{k}" is not distinct from s."{k}"' for k in key)
        result = con.execute(f"delete from {served} as s where exists (select 1 from {gone} as g where {match})")
        deleted = int(result.fetchone()[0])  # type: ignore[index]
    if counts[1]:
        result = con.execute(f"insert into {served} select * from {built} as t "
                             f"where hash(t) in (select h from {added})")
        inserted = int(result.fetchone()[0])  # type: ignore[index]
    # every gone row deleted once, every added row inserted once, and the served table now has the build's rows
    if deleted == counts[0] and inserted == counts[1] and served_rows - deleted + inserted == rows:
        served_hashes.patch(table, gone, added, hashes)
        return True
    return False


State = dict[str, tuple[int, str, datetime | None, str]]  # table -> (rows, content hash, build stamp, schema)


def _previous(con: duckdb.DuckDBPyConnection, last: dict[str, object]) -> tuple[State | None, bool]:
    """(per served table, its state as of the last publish — None before the first; whether the catalog still has
    the state table earlier publishes kept it in). The last publish's commit records the whole state (LAST: its
    commit information), so reading it costs no query of a table."""
    recorded = last.get("state")
    if isinstance(recorded, dict):
        return {t: (int(n), str(h), datetime.fromisoformat(stamp) if stamp else None, str(schema))
                for t, (n, h, stamp, schema) in recorded.items()}, False
    try:  # a catalog published before the state moved into the commits
        rows = con.execute(f"select table_name, row_count, content_hash, built_at, table_schema "
                           f"from {CATALOG}.main.{LEGACY_STATE_TABLE}").fetchall()
    except duckdb.CatalogException:
        return None, False
    return {t: (n, h, stamp, schema) for t, n, h, stamp, schema in rows}, True


def _state_json(state: State) -> dict[str, list[object]]:
    return {t: [n, h, stamp.isoformat() if stamp else None, schema] for t, (n, h, stamp, schema) in state.items()}


def _latest_snapshot(kept: list[CatalogSnapshot]) -> int | None:
    """The catalog's newest snapshot, from its list of snapshots (this process is the only writer): after a commit,
    `current_snapshot()` would begin a new transaction and load the whole catalog again (~40 ms at scale 1.0)."""
    return kept[-1].id if kept else None


def _last_publish(kept: list[CatalogSnapshot]) -> dict[str, object]:
    """The commit information of the served snapshot's publish: what it changed, the build it published (when that
    finished), and every served table's state."""
    published = published_snapshots(kept)
    return json.loads(published[-1].changed or "{}") if published else {}


def _set_options(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The catalog's options (kept in the catalog), set when they differ: the files this publish writes take the
    Parquet row-group size of the settings; and no data is inlined into the catalog. DuckLake inlines an insert of
    up to 10 rows by default, and for that gives every table it creates its own table in the catalog database, even
    when nothing is ever inlined: a publish that replaces 23 marts added 23 tables to the SQLite schema, kept until
    their snapshots expire (~700 at a 30-day retention), and SQLite parses its whole schema on each connection,
    which the catalog's readers open per transaction (1 ms a connection at 70 such tables, 4 ms at 770)."""
    wanted = {"parquet_row_group_size": int(settings.serving_row_group_size), "data_inlining_row_limit": 0}
    current = dict(con.execute(f"select option_name, value from {CATALOG}.options() where scope = 'GLOBAL'").fetchall())
    for option, value in wanted.items():
        if current.get(option) != str(value):
            con.execute(f"call {CATALOG}.set_option('{option}', {value})")


def _maintain(con: duckdb.DuckDBPyConnection, kept: list[CatalogSnapshot], retention_days: float,
              interrupted: bool) -> int:
    """Expire snapshots older than the retention (never the newest publish's; KEPT: the catalog's snapshots now),
    then delete the data files only they held; after an INTERRUPTED publish, also any file it left unreferenced (this
    process is the only writer). That sweep lists every file under the data path (an S3 listing on MinIO), so it
    runs only when a publish did not finish."""
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    published = [s.at for s in kept if s.published]
    if published:
        cutoff = min(cutoff, max(published))
    expired = sum(1 for s in kept if s.at < cutoff)
    if expired:
        con.execute(f"call ducklake_expire_snapshots('{CATALOG}', older_than => ?)", [cutoff])
        con.execute(f"call ducklake_cleanup_old_files('{CATALOG}', cleanup_all => true)")
    if interrupted:
        con.execute(f"call ducklake_delete_orphaned_files('{CATALOG}', cleanup_all => true)")
    return expired


def publish(settings: Settings) -> PublishResult:
    started = datetime.now(UTC)
    _check_build(settings)
    settings.serving_dir.mkdir(parents=True, exist_ok=True)
    # present from here until the publish has finished: found by the next publish, it says this one was killed
    underway = settings.serving_dir / "publish.underway"
    interrupted = underway.exists()
    underway.touch()
    con = open_connection(settings, checked_extensions=True)  # runs only its own SQL
    try:
        con.execute("set enable_progress_bar = false")  # a sorted copy can take seconds: no bar in the logs
        con.execute(f"attach '{settings.warehouse_path.resolve()}' as build (read_only)")
        sizes = _served_tables(con)  # before the catalog is attached: listing tables would load its metadata too
        tables = list(sizes)
        all_schemas = _schemas(con)
        first = not catalog_exists(settings)  # attached after the checks below: a refused first publish makes none
        if not first:
            con.execute(attach_sql(settings, read_only=False))
        kept = [] if first else catalog_snapshots(con)  # one read: the last publish, the newest snapshot, their times
        last = _last_publish(kept)
        previous, legacy_state = (None, False) if first else _previous(con, last)
        before = previous or {}
        published_build = last.get("build_finished_at")
        build_at, written = written_since(settings, str(published_build) if before and published_build else None)
        schemas = {t: all_schemas.get(t, "") for t in tables}
        facts = _manifest_facts(settings)
        keys, incremental_keys, orders = facts.row_keys, facts.incremental_keys, facts.serving_orders
        # a small table is rewritten whole (settings.serving_replace_max_rows): one Parquet file costs less than
        # finding its changed rows (at scale 1.0, 30 ms to rewrite 167k rows of 8 columns, ~290 ms to diff them)
        row_keys = {t: key for t, key in keys.items() if sizes.get(t, 0) > settings.serving_replace_max_rows}
        # a table no build wrote since the last publish is as it was then: only the others are hashed
        unwritten = {t for t in tables
                     if written is not None and t not in written and t in before and before[t][3] == schemas[t]}
        content = {t: (before[t][0], before[t][1], before[t][2]) for t in unwritten}
        content.update(_contents(con, [t for t in tables if t not in unwritten], schemas, row_keys))
        counts = {t: rows for t, (rows, _, _) in content.items()}
        marts = [t for t in tables if t.startswith(MART_PREFIXES)]
        empty = [t for t in marts if counts[t] == 0]
        if not marts or empty:
            raise PublishError(f"refusing to publish: empty marts {empty or 'none built'}")

        if first:
            con.execute(attach_sql(settings, read_only=False))
            sqlite_wal(settings)  # from the start, so that readers never block a commit
            kept = catalog_snapshots(con)
        served_hashes = RowHashes(con, settings.serving_dir / "row_hashes.duckdb", _latest_snapshot(kept))
        changed = [t for t in tables if before.get(t, (0, ""))[1] != content[t][1]]
        dropped = sorted(set(before) - set(tables))
        snapshot = None
        committed_at: datetime | None = None
        patched_tables: set[str] = set()
        if changed or dropped:
            con.execute("begin transaction")
            _set_options(con, settings)
            for table in changed:
                _, _, since, schema = before.get(table, (0, "", None, ""))
                same_shape = table in before and schema == schemas[table]
                if same_shape and since is not None and content[table][2] is not None:  # a stamped mart
                    key, period = incremental_keys.get(table), facts.replaced_periods.get(table)
                    small = key is not None and _new_share(con, table, since, counts[table]) <= DELTA_MAX_SHARE
                    if small and period and table in keys:
                        patched = _apply_period_delta(con, table, period, keys[table], since, counts[table],
                                                      before[table][0], orders.get(table))
                    else:
                        patched = small and _apply_delta(con, table, key or [], since, counts[table],
                                                         before[table][0], orders.get(table))
                else:
                    patched = (same_shape and table in row_keys and content[table][2] is None
                               and _apply_diff(con, table, row_keys[table], counts[table], before[table][0],
                                               served_hashes))
                if patched:
                    patched_tables.add(table)
                else:
                    con.execute(_ordered(f'create or replace table {CATALOG}.main."{table}" as '
                                         f'select * from build.main."{table}"', orders.get(table)))
            for table in dropped:
                con.execute(f'drop table if exists {CATALOG}.main."{table}"')
                served_hashes.forget(table)
            if legacy_state:
                con.execute(f"drop table if exists {CATALOG}.main.{LEGACY_STATE_TABLE}")
            state: State = {t: before[t] for t in tables if t in before and t not in changed}
            state.update({t: (counts[t], content[t][1], content[t][2], schemas[t]) for t in changed})
            con.execute(f"call {CATALOG}.set_commit_message('govlake', ?, extra_info => ?)",
                        [PUBLISH_MESSAGE, json.dumps({"changed": changed, "dropped": dropped,
                                                      "build_finished_at": build_at, "state": _state_json(state)})])
            # DuckLake's commit is ~90 small statements against the catalog database: on one thread 40 ms faster at
            # scale 1.0 (~125 against ~170 ms) than when each wakes DuckDB's other threads
            con.execute("set threads = 1")
            con.execute("commit")
            committed_at = datetime.now(UTC)  # the snapshot's own time is its transaction's start, not this
            kept = catalog_snapshots(con)
            snapshot = _latest_snapshot(kept)
        # the served rows of every keyed table hashed now are the build's: remember them for the next diff
        hashed = {t: _built_hashes(t) for t in tables
                  if t not in unwritten and content[t][2] is None and t in row_keys}
        for table in tables:
            if table in hashed and table not in patched_tables and (
                    table in changed or table not in served_hashes.known):
                served_hashes.replace(table, hashed[table])
            elif table in changed and table not in patched_tables:
                served_hashes.forget(table)
        if snapshot is not None or served_hashes.pending:
            served_hashes.commit(snapshot if snapshot is not None else _latest_snapshot(kept), hashed)
        expired = _maintain(con, kept, settings.serving_retention_days, interrupted)
    finally:
        con.close()
    underway.unlink()  # not on a failure: the next publish then sweeps what this one may have left
    result = PublishResult(snapshot=snapshot, tables=counts, changed=changed, patched=sorted(patched_tables),
                           dropped=dropped, expired=expired,
                           seconds=(datetime.now(UTC) - started).total_seconds())
    # what the last publish did and how long it took inside this process (the bench and operators read it)
    last_publish_path(settings).write_text(json.dumps(
        {"finished_at": datetime.now(UTC).isoformat(), "snapshot": snapshot, "seconds": round(result.seconds, 3),
         "committed_at": committed_at.isoformat() if committed_at else None,
         "changed": len(changed), "dropped": len(dropped), "tables": len(counts)}), encoding="utf-8")
    return result


def last_publish_path(settings: Settings) -> Path:
    return settings.serving_dir / "last_publish.json"


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
    return [{"snapshot": s.id, "published_at": s.published_at.isoformat(),
             **{k: v for k, v in json.loads(s.changed or "{}").items() if k != "state"}} for s in infos]


def as_dict(result: PublishResult) -> dict[str, object]:
    return asdict(result)
