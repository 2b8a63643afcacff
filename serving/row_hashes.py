"""The publisher's memory of what it served: per keyed table, each served row's hash and key, as of one snapshot.

Patching a rebuilt table by its changed rows needs the served rows' hashes. Read from the catalog, they cost a scan
of the table's Parquet and delete files, and an anti-join against them, on every daily publish: in proportion to the
table, not to the change. This local DuckDB file (`$DATA_DIR/serving/row_hashes.duckdb`, only the publisher opens
it) keeps them in DuckDB's own format instead, so a diff reads the build once and the served table not at all, and
a patch updates it by the rows it changed.

It is a cache, never the truth: it records the snapshot it describes, and when that is not the catalog's current
snapshot (a publish killed after its commit, another publisher, a restored catalog) it is emptied and every table's
hashes are read from the served tables again.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

ALIAS = "row_hashes"
_SNAPSHOT = f"{ALIAS}.main._snapshot"  # the one snapshot the store describes
_TABLES = f"{ALIAS}.main._tables"  # the tables it holds (listing duckdb_tables() would load the whole catalog's)


def _table(table: str) -> str:
    return f'{ALIAS}.main."{table}"'


class RowHashes:
    """The served rows' (h, key…) per table, attached to the publisher's connection as `row_hashes`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, current_snapshot: int | None) -> None:
        self.con = con
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"attach '{path.resolve()}' as {ALIAS}")
        con.execute(f"create table if not exists {_SNAPSHOT} (snapshot_id bigint)")
        con.execute(f"create table if not exists {_TABLES} (table_name varchar primary key)")
        recorded = con.execute(f"select max(snapshot_id) from {_SNAPSHOT}").fetchone()
        self.stored = {r[0] for r in con.execute(f"select table_name from {_TABLES}").fetchall()}
        self.stale = current_snapshot is None or (recorded[0] if recorded else None) != current_snapshot
        self.known = set() if self.stale else set(self.stored)  # stale: read from the served tables this time
        self._replace: dict[str, str] = {}  # table -> the temp table of its (h, key…) as served after the commit
        self._patch: dict[str, tuple[str, str]] = {}  # table -> (temp table of its gone rows, of its added hashes)
        self._forget: set[str] = set()

    def served(self, table: str, key: list[str], served_relation: str) -> str:
        """A relation of (h, key…) for TABLE as served now: the stored hashes, or computed from the served table."""
        if table in self.known:
            return _table(table)
        columns = ", ".join(f'"{k}"' for k in key)
        self.con.execute(f"create or replace temp table _served as select hash(t) as h, {columns} "
                         f"from {served_relation} as t")
        return "_served"

    def replace(self, table: str, hashes: str) -> None:
        """After the commit, TABLE's served rows are those of the temp table HASHES (h, key…)."""
        self._replace[table] = hashes

    def patch(self, table: str, gone: str, added: str, hashes: str) -> None:
        """After the commit, TABLE's stored rows lose the hashes in GONE and gain the rows of HASHES whose hash is
        in ADDED (all temp tables); a table not stored is replaced by HASHES."""
        if table in self.known:
            self._patch[table] = (gone, added)
        else:
            self._replace[table] = hashes

    def forget(self, table: str) -> None:
        """TABLE changed in a way whose hashes are not at hand: read it from the served table next time."""
        self._forget.add(table)

    @property
    def pending(self) -> bool:
        return bool(self._replace or self._patch or self._forget or self.stale)

    def commit(self, snapshot: int | None, built: dict[str, str]) -> None:
        """Store what this publish served, valid for SNAPSHOT, in its own transaction after the catalog's commit
        (BUILT: table -> the temp table of its hashes as built, for the patched tables)."""
        con = self.con
        con.execute("begin transaction")
        drop = (self.stored if self.stale else self._forget) - set(self._replace)
        for table in sorted(drop):
            con.execute(f"drop table if exists {_table(table)}")
        for table, hashes in self._replace.items():
            con.execute(f"create or replace table {_table(table)} as select * from {hashes}")
        for table, (gone, added) in self._patch.items():
            con.execute(f"delete from {_table(table)} where h in (select h from {gone})")
            con.execute(f"insert into {_table(table)} select * from {built[table]} where h in (select h from {added})")
        con.execute(f"delete from {_TABLES}")
        tables = sorted((self.stored - drop) | set(self._replace) | set(self._patch))
        if tables:
            con.execute(f"insert into {_TABLES} values " + ", ".join(["(?)"] * len(tables)), tables)
        con.execute(f"delete from {_SNAPSHOT}")
        con.execute(f"insert into {_SNAPSHOT} values (?)", [snapshot])
        con.execute("commit")
