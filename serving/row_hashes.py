"""The publisher's memory of what it served: per keyed table, each served row's hash and key, as of one snapshot.

Patching a rebuilt table by its changed rows needs the served rows' hashes. Read from the catalog, they cost a scan
of the table's Parquet and delete files, and an anti-join against them, on every daily publish: in proportion to the
table, not to the change. This local DuckDB file (`$DATA_DIR/serving/row_hashes.duckdb`, only the publisher opens
it) keeps them in DuckDB's own format instead, so a diff reads the build once and the served table not at all.

It is a cache, never the truth: it records the snapshot it describes, and when that is not the catalog's current
snapshot (a publish killed after its commit, another publisher, a restored catalog) it is emptied and every table's
hashes are read from the served tables again.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

ALIAS = "row_hashes"
_META = f"{ALIAS}.main._snapshot"


def _table(table: str) -> str:
    return f'{ALIAS}.main."{table}"'


class RowHashes:
    """The served rows' (hash, key) per table, attached to the publisher's connection as `row_hashes`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, current_snapshot: int | None) -> None:
        self.con = con
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"attach '{path.resolve()}' as {ALIAS}")
        con.execute(f"create table if not exists {_META} (snapshot_id bigint)")
        recorded = con.execute(f"select max(snapshot_id) from {_META}").fetchone()
        self.valid_for = recorded[0] if recorded else None
        self.known = {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and table_name <> '_snapshot'",
            [ALIAS]).fetchall()}
        self.stale = current_snapshot is None or self.valid_for != current_snapshot
        if self.stale:
            self.known = set()  # every table's hashes are read from the served tables this time
        self._pending: dict[str, str] = {}  # table -> the temp table holding its hashes as built now

    def served(self, table: str, key: list[str], served_relation: str) -> str:
        """A relation of (h, key…) for TABLE as served now: the stored hashes, or computed from the served table."""
        if table in self.known:
            return _table(table)
        columns = ", ".join(f'"{k}"' for k in key)
        self.con.execute(f"create or replace temp table _served as select hash(t) as h, {columns} "
                         f"from {served_relation} as t")
        return "_served"

    def remember(self, table: str, hashes: str) -> None:
        """After the commit, TABLE's served rows are those of the temp table HASHES (h, key…)."""
        self._pending[table] = hashes

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def forget(self, table: str) -> None:
        """TABLE was replaced or dropped in a way whose hashes are not at hand: it is read from the served table
        next time."""
        self._pending[table] = ""

    def commit(self, snapshot: int | None) -> None:
        """Store what this publish served, valid for SNAPSHOT (its own transaction, after the catalog's commit)."""
        con = self.con
        con.execute("begin transaction")
        if self.stale:  # keep nothing of before but what this publish computed
            for table in sorted(self._all_tables()):
                con.execute(f"drop table {_table(table)}")
        for table, hashes in self._pending.items():
            if hashes:
                con.execute(f"create or replace table {_table(table)} as select * from {hashes}")
            else:
                con.execute(f"drop table if exists {_table(table)}")
        con.execute(f"delete from {_META}")
        con.execute(f"insert into {_META} values (?)", [snapshot])
        con.execute("commit")

    def _all_tables(self) -> set[str]:
        return {r[0] for r in self.con.execute(
            "select table_name from duckdb_tables() where database_name = ? and table_name <> '_snapshot'",
            [ALIAS]).fetchall()} - set(self._pending)
