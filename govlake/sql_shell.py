"""Read-only SQL on the published snapshot for analysts: one query, or a small interactive shell."""

from __future__ import annotations

import csv
import json
import sys

import duckdb

from common.settings import Settings


def _connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.serving_path.resolve()), read_only=True)


def run_query(settings: Settings, query: str, fmt: str = "table") -> None:
    con = _connect(settings)
    try:
        rel = con.sql(query)
        if rel is None:
            return
        if fmt == "table":
            rel.show(max_rows=200)
            return
        columns, rows = rel.columns, rel.fetchall()
        if fmt == "csv":
            writer = csv.writer(sys.stdout)
            writer.writerow(columns)
            writer.writerows(rows)
        elif fmt == "json":
            print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], ensure_ascii=False, default=str))
        else:
            raise ValueError(f"unknown format {fmt!r}: table | csv | json")
    finally:
        con.close()


def shell(settings: Settings) -> None:
    """A minimal REPL: statements end with ';', `.tables` lists tables, `.quit` leaves."""
    print(f"govlake sql — read-only on {settings.serving_path.resolve().name}; end statements with ';'")
    buffer: list[str] = []
    while True:
        try:
            line = input("govlake> " if not buffer else "     ...> ")
        except EOFError:
            print()
            return
        if not buffer and line.strip() in (".quit", ".exit"):
            return
        if not buffer and line.strip() == ".tables":
            line = "show tables;"
        buffer.append(line)
        if line.rstrip().endswith(";"):
            try:
                run_query(settings, "\n".join(buffer))
            except duckdb.Error as exc:
                print(f"error: {exc}")
            buffer = []
