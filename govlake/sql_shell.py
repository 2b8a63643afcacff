"""`govlake sql`: read-only SQL on the served marts (serving.reader) for analysts: one query, or a small shell."""

from __future__ import annotations

import csv
import json
import sys

import duckdb

from common.settings import Settings
from serving.reader import Reader


def run_query(settings: Settings, query: str, fmt: str = "table", as_of: str | None = None) -> None:
    reader = Reader(settings)
    try:
        _run(reader, query, fmt, as_of)
    finally:
        reader.close()


def _run(reader: Reader, query: str, fmt: str, as_of: str | None) -> None:
    if fmt not in ("table", "csv", "json"):
        raise ValueError(f"unknown format {fmt!r}: table | csv | json")
    with reader.session(as_of) as s:
        rel = s.con.sql(query)
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
    else:
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], ensure_ascii=False, default=str))


def shell(settings: Settings, as_of: str | None = None) -> None:
    """A minimal REPL: statements end with ';', `.tables` lists tables, `.quit` leaves. Each statement reads the
    snapshot current when it runs (or the one pinned by --as-of)."""
    reader = Reader(settings)
    snapshots = reader.snapshots()
    print(f"govlake sql — read-only on the served marts (latest snapshot {snapshots[-1].id if snapshots else '—'}"
          f"{', as of ' + as_of if as_of else ''}); end statements with ';'")
    buffer: list[str] = []
    try:
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
                    _run(reader, "\n".join(buffer), "table", as_of)
                except (duckdb.Error, LookupError, ValueError) as exc:
                    print(f"error: {exc}")
                buffer = []
    finally:
        reader.close()
