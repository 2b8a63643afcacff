"""Writing simulated tables into the source systems' databases, fast on each engine.

SQLite (embedded default) takes executemany on the raw connection; PostgreSQL takes COPY; MariaDB takes batched
multi-row INSERTs. A district-year is millions of rows, so the ORM's per-row path is not an option.
"""

from __future__ import annotations

import io

import polars as pl
import sqlalchemy as sa

SQLITE_TS = "%Y-%m-%d %H:%M:%S%.6f"  # what SQLAlchemy's SQLite DateTime stores and reads back


def _prepared(df: pl.DataFrame, dialect: str) -> pl.DataFrame:
    if dialect != "sqlite":
        return df
    exprs = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime(SQLITE_TS))
        elif dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8))
    return df.with_columns(exprs) if exprs else df


def write_table(engine: sa.Engine, table: sa.Table, df: pl.DataFrame, chunk: int = 50_000) -> None:
    """(Re)create TABLE and load DF into it (DF's columns must be the table's, in any order)."""
    table.drop(engine, checkfirst=True)
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateTable(table))
    if df.height:
        _load(engine, table, df, chunk)
    # indexes after the load (one sort instead of a b-tree update per row), in name order: SQLAlchemy keeps them
    # in a set, and creating them in set order would lay out the SQLite file differently from run to run
    with engine.begin() as conn:
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            conn.execute(sa.schema.CreateIndex(index))


def _load(engine: sa.Engine, table: sa.Table, df: pl.DataFrame, chunk: int) -> None:
    columns = [c.name for c in table.columns]
    df = _prepared(df.select(columns), engine.dialect.name)
    dialect = engine.dialect.name
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if dialect == "sqlite":
            # a freshly simulated file: no need to journal or fsync every page of the bulk load
            cur.execute("pragma synchronous = off")
            cur.execute("pragma journal_mode = memory")
        if dialect == "postgresql":
            buf = io.StringIO()
            df.write_csv(buf, include_header=False, null_value="\\N", datetime_format="%Y-%m-%d %H:%M:%S%.6f")
            cols = ", ".join(f'"{c}"' for c in columns)
            with cur.copy(f'copy "{table.name}" ({cols}) from stdin (format csv, null \'\\N\')') as copy:  # type: ignore[attr-defined]
                copy.write(buf.getvalue())
        else:
            mark = "?" if dialect == "sqlite" else "%s"
            quote = '"' if dialect == "sqlite" else "`"
            sql = (f"insert into {quote}{table.name}{quote} ({', '.join(f'{quote}{c}{quote}' for c in columns)}) "
                   f"values ({', '.join([mark] * len(columns))})")
            for start in range(0, df.height, chunk):
                cur.executemany(sql, df.slice(start, chunk).rows())
        raw.commit()
    finally:
        raw.close()


def write_tables(url: str, tables: list[tuple[sa.Table, pl.DataFrame]]) -> None:
    engine = sa.create_engine(url)
    try:
        for table, df in tables:
            write_table(engine, table, df)
    finally:
        engine.dispose()
