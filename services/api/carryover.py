"""Cached answers that a publish did not change, carried over to the new snapshot.

A publish changes some tables and leaves the others as they were; a changed big table is often patched by a few
thousand rows of a million (serving/publish.py). An answer is keyed by snapshot, so without this every answer would
be computed again after every publish — for a worker, hundreds of lake reads at once, while requests wait. Instead,
when the watcher sees a new snapshot, each cached answer of the one served until now is kept for the new one when:

- every table it reads is the same table (same DuckLake table id) in both snapshots and no snapshot between them
  inserted into or deleted from it — DuckLake's own record of each snapshot's changes (`ducklake_snapshots()`,
  column `changes`), not the publisher's message; or
- its only patched table is the one its rows come from (a `RowFilter`, given with the query), and none of the rows
  the publish deleted from or inserted into that table (`ducklake_table_changes`) satisfies its filter: then the
  rows it reads are the same rows, and so is any answer made of them (a page, a count, an aggregate).

Anything else — a table replaced or new, a change of a kind not listed here (a schema change, a compaction), a
query whose tables cannot be told, a filter that cannot be evaluated on the changed rows — is not carried: the next
request computes it on the new snapshot, as before.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb

from serving.reader import CATALOG, ResultCache

# the kinds of snapshot change that touch a table's rows and nothing else; tables created or dropped get new ids
ROW_CHANGES = {"tables_inserted_into", "tables_deleted_from", "inlined_insert", "inlined_delete"}
TABLE_CHANGES = {"tables_created", "tables_dropped"}
SAME, PATCHED = "same", "patched"
BATCH = 256  # filters checked in one query
# in a delete file that later snapshots' deletes are added to (DuckLake's partial delete files), which snapshot
# deleted each position
SNAPSHOT_COLUMN = "_ducklake_internal_snapshot_id"
NUMBERED_PARAMETER = re.compile(r"\$\d")  # `$1`: values bound by number would not follow their condition


@dataclass(frozen=True)
class RowFilter:
    """The rows a query reads: those of TABLE satisfying CONDITION (SQL over its bare column names, its `?` bound by
    PARAMS). Given with a query, it lets the answer outlive its snapshot when a publish changed none of those rows."""

    table: str
    condition: str
    params: tuple[object, ...] = ()


@lru_cache(maxsize=4096)
def tables_read(sql: str) -> frozenset[str] | None:
    """The tables SQL reads (common table expressions excluded), or None when that cannot be told: it does not parse,
    calls a table function, or names a table in another catalog or schema."""
    try:
        names = duckdb.get_table_names(sql.replace("?", "null"), qualified=True)
    except duckdb.Error:
        return None
    tables = set()
    for name in names:
        bare = name.removeprefix("main.")
        if "." in bare or '"' in bare:
            return None
        tables.add(bare)
    return frozenset(tables)


def table_status(con: duckdb.DuckDBPyConnection, previous: int, snapshot: int, ids_before: dict[str, int],
                 ids_after: dict[str, int]) -> dict[str, str] | None:
    """Per table of SNAPSHOT: SAME (its rows untouched since PREVIOUS), PATCHED (the same table, rows inserted or
    deleted); a table replaced or new is left out. None when a snapshot between them made a change of another kind,
    or is no longer listed."""
    rows = con.execute(f"select snapshot_id, changes from ducklake_snapshots('{CATALOG}') "
                       "where snapshot_id > ? and snapshot_id <= ?", [previous, snapshot]).fetchall()
    if sorted(int(i) for i, _ in rows) != list(range(previous + 1, snapshot + 1)):
        return None  # a snapshot in between has expired (SERVING_RETENTION_DAYS=0): its changes are not known
    touched: set[str] = set()
    for _, changes in rows:
        for kind, values in (changes or {}).items():
            if kind in ROW_CHANGES:
                touched.update(str(v) for v in values)
            elif kind not in TABLE_CHANGES:
                return None
    return {name: PATCHED if str(table_id) in touched else SAME
            for name, table_id in ids_after.items() if ids_before.get(name) == table_id}


_parser: duckdb.DuckDBPyConnection | None = None
_PARSER_LOCK = threading.Lock()


@lru_cache(maxsize=1024)
def columns_named(condition: str) -> frozenset[str]:
    """The column names a SQL condition refers to (its subqueries' too), from DuckDB's own parse of it. A request's
    condition has its values as `?`: the API asks a few distinct conditions, each parsed once."""
    with _PARSER_LOCK:  # one in-memory database for the parses: opening one costs ~16 ms
        global _parser
        if _parser is None:
            _parser = duckdb.connect()
        tree = json.loads(_parser.execute("select json_serialize_sql(?)",
                                          [f"select 1 where {condition}"]).fetchone()[0])
    found: set[str] = set()
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("class") == "COLUMN_REF" and node.get("column_names"):
                found.add(str(node["column_names"][-1]))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(found)


class ChangedRows:
    """The rows a publish deleted from or inserted into each patched table — only the columns the filters on it
    name (a deleted row is read back from its old data file: all its columns would cost 4x) — fetched once per table
    into temp tables of CON, and whether any of them satisfies a filter."""

    def __init__(self, con: duckdb.DuckDBPyConnection, previous: int, snapshot: int,
                 filters: Iterable[RowFilter]) -> None:
        self.con, self.previous, self.snapshot = con, previous, snapshot
        self._columns: dict[str, set[str]] = {}
        for rows in filters:
            with suppress(duckdb.Error, json.JSONDecodeError, TypeError):
                self._columns.setdefault(rows.table, set()).update(columns_named(rows.condition))
        self._made: set[str] = set()
        self.from_files: set[str] = set()  # the tables whose changed rows were read from their files

    def _fetch(self, table: str, delta: str) -> None:
        own = {c for (c,) in self.con.execute(
            f"select column_name from duckdb_columns() where database_name = '{CATALOG}' and schema_name = 'main' "
            "and table_name = ?", [table]).fetchall()}
        wanted = ", ".join(f'"{c}"' for c in sorted(self._columns.get(table, set()) & own)) or "null as _none"
        from_files = self._from_files(table, wanted)
        if from_files is not None:
            with suppress(duckdb.Error):  # a file not as listed, a column named otherwise in it: DuckLake's way
                self.con.execute(f"create or replace temp table {delta} as select distinct * from ({from_files[0]})",
                                 from_files[1])
                self.from_files.add(table)
                return
        self.con.execute(f"create or replace temp table {delta} as select distinct {wanted} "
                         f"from ducklake_table_changes('{CATALOG}', 'main', ?, ?, ?)",
                         [table, self.previous + 1, self.snapshot])

    def _partial(self, delete_file: str) -> bool:
        """Whether DuckLake adds later snapshots' deletes to DELETE_FILE in place (then listing the files of an
        older snapshot names the newer file, and its positions carry the snapshot that deleted each)."""
        return bool(self.con.execute("select count(*) from parquet_schema(?) where name = ?",
                                     [delete_file, SNAPSHOT_COLUMN]).fetchone()[0])  # type: ignore[index]

    def _until(self, delete_files: list[str], snapshot: int) -> str:
        """The condition that keeps the positions deleted up to SNAPSHOT, when the delete file says which."""
        return f" where {SNAPSHOT_COLUMN} <= {int(snapshot)}" if any(self._partial(f) for f in delete_files) else ""

    def _from_files(self, table: str, columns: str) -> tuple[str, list[object]] | None:
        """The rows of TABLE that differ between the two snapshots, read straight from its files: the data files
        the later snapshot added, and the rows its delete files delete, between the two, from the files both list
        (a delete file may be added to in place: its positions then carry the snapshot that deleted them). A query of
        `ducklake_table_changes` for the same took 2-3x as long at scale 1.0 (148 against 68-89 ms for a day's
        patch of `fct_tickets`; 86 against 25-34 ms for `agg_tickets_daily`): it reads every change a snapshot
        made, through the catalog's per-row lineage. A file the later snapshot no longer lists counts as all its rows
        deleted (as when a patch deletes them all; after a compaction that reads more rows than changed, never fewer:
        a filter then carries less). None when the files do not tell it simply: an added file with deletes of its
        own, an encrypted file."""
        listing = ("select data_file, delete_file, data_file_encryption_key is not null "
                   "or delete_file_encryption_key is not null from ducklake_list_files(?, ?, snapshot_version => ?)")
        before: dict[str, set[str]] = {}
        after: dict[str, set[str]] = {}
        for version, files in ((self.previous, before), (self.snapshot, after)):
            for data_file, delete_file, encrypted in self.con.execute(listing, [CATALOG, table, version]).fetchall():
                if encrypted:
                    return None
                files.setdefault(data_file, set()).update([delete_file] if delete_file else [])
        added = [f for f in after if f not in before]
        if any(after[f] for f in added):
            return None
        parts, params = [], []  # type: ignore[var-annotated]
        if added:
            parts.append(f"select {columns} from read_parquet(?)")
            params.append(added)
        for data_file, deletes in before.items():
            if data_file not in after:  # all its rows deleted (or moved to an added file: then more is read, not less)
                if len(deletes) > 1:
                    return None
                earlier = f"select pos from read_parquet(?){self._until(sorted(deletes), self.previous)}"
                gone = f" where file_row_number not in ({earlier})" if deletes else ""
                parts.append(f"select {columns} from read_parquet(?, file_row_number = true){gone}")
                params += [data_file] + ([sorted(deletes)] if deletes else [])
                continue
            now = sorted(after[data_file])
            if any(self._partial(f) for f in now):  # added to in place: each position with the snapshot that deleted it
                if len(now) > 1:
                    return None
                positions = f"select pos from read_parquet(?) where {SNAPSHOT_COLUMN} > ? and {SNAPSHOT_COLUMN} <= ?"
                position_params: list[object] = [now, self.previous, self.snapshot]
            elif after[data_file] == deletes:
                continue
            else:
                positions = "select pos from read_parquet(?)" + (" except select pos from read_parquet(?)"
                                                                if deletes else "")
                position_params = [now] + ([sorted(deletes)] if deletes else [])
            parts.append(f"select {columns} from read_parquet(?, file_row_number = true) "
                         f"where file_row_number in ({positions})")
            params += [data_file, *position_params]
        return (" union all ".join(parts), params) if parts else None

    def matches(self, filters: list[RowFilter]) -> dict[RowFilter, bool]:
        """Per filter, whether a changed row of its table satisfies it (True too when that cannot be evaluated),
        each table's changed rows fetched once. The filters of a table are checked together, each condition whole
        with its own values in one UNION ALL (one query instead of one each: ~0.6 ms apiece, 0.1-0.3 s a switch);
        if that query fails, each is checked alone, so that one bad filter spoils only itself."""
        found: dict[RowFilter, bool] = {}
        by_table: dict[str, list[RowFilter]] = {}
        for rows in dict.fromkeys(filters):
            by_table.setdefault(rows.table, []).append(rows)
        for table, group in by_table.items():
            delta = f'"_changed_{table}"'
            try:
                if table not in self._made:
                    self._fetch(table, delta)
                    self._made.add(table)
            except duckdb.Error:
                found.update(dict.fromkeys(group, True))
                continue
            batched = [f for f in group if not NUMBERED_PARAMETER.search(f.condition)]
            for start in range(0, len(batched), BATCH):
                chunk = batched[start:start + BATCH]
                try:
                    found.update(self._check_together(delta, chunk))
                except duckdb.Error:
                    found.update({f: self._check(delta, f) for f in chunk})
            found.update({f: self._check(delta, f) for f in group if f not in found})
        return found

    def _check_together(self, delta: str, filters: list[RowFilter]) -> dict[RowFilter, bool]:
        sql = " union all ".join(f"select {i} as i where exists (select 1 from {delta} where {f.condition})"
                                 for i, f in enumerate(filters))
        hits = {int(i) for (i,) in self.con.execute(sql, [v for f in filters for v in f.params]).fetchall()}
        return {f: i in hits for i, f in enumerate(filters)}

    def _check(self, delta: str, rows: RowFilter) -> bool:
        try:
            return self._check_together(delta, [rows])[rows]
        except duckdb.Error:
            return True


def carry_over(con: duckdb.DuckDBPyConnection, previous: int, snapshot: int, status: dict[str, str],
               caches: Iterable[ResultCache], filters: dict[tuple[str, tuple[object, ...]], RowFilter]) -> int:
    """Put the answers of PREVIOUS in CACHES that SNAPSHOT did not change under SNAPSHOT too (STATUS: table_status;
    FILTERS: the row filter given with a query, by (SQL, parameters)). Returns how many were carried."""
    changed = ChangedRows(con, previous, snapshot, (f for f in filters.values() if status.get(f.table) == PATCHED))
    verdicts = [(cache, sql, params, answer, _verdict(sql, params, status, filters))
                for cache in caches for (_, sql, params), answer in cache.entries(previous)]
    matched = changed.matches([v for *_, v in verdicts if isinstance(v, RowFilter)])
    carried = 0
    for cache, sql, params, answer, verdict in verdicts:
        if verdict is True or (isinstance(verdict, RowFilter) and not matched[verdict]):
            cache.put((snapshot, sql, params), answer)
            carried += 1
    return carried


def _verdict(sql: str, params: tuple[object, ...], status: dict[str, str],
             filters: dict[tuple[str, tuple[object, ...]], RowFilter]) -> bool | RowFilter:
    """True: the answer is unchanged; False: it may have changed; a RowFilter: unchanged unless a changed row of its
    table satisfies it."""
    tables = tables_read(sql)
    if not tables or any(t not in status for t in tables):
        return False
    patched = {t for t in tables if status[t] == PATCHED}
    if not patched:
        return True
    rows = filters.get((sql, params))
    if rows is None or patched != {rows.table}:
        return False
    # a filter that reads its own table (a subquery on it) depends on rows outside the filter: not carried
    own = tables_read(f"select 1 where {rows.condition}")
    return rows if own is not None and rows.table not in own else False
