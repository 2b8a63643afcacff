"""Read-only access to the published snapshot, one connection per request.

Each request resolves the serving symlink once and opens that immutable file read-only, so a request never mixes two
snapshots and a publish in the middle of a request is invisible to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
from fastapi import HTTPException

from common.settings import get_settings


@dataclass
class Snapshot:
    name: str
    con: duckdb.DuckDBPyConnection

    def rows(self, sql: str, params: list[object]) -> list[dict[str, object]]:
        cur = self.con.execute(sql, params)
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def open_snapshot() -> Iterator[Snapshot]:
    """FastAPI dependency: the current snapshot, closed after the response."""
    link = get_settings().serving_path
    target = link.resolve() if link.is_symlink() else None
    if target is None or not target.exists():
        raise HTTPException(status_code=503, detail="no snapshot published yet: run `govlake publish`")
    con = duckdb.connect(str(target), read_only=True)
    try:
        yield Snapshot(name=Path(target).name, con=con)
    finally:
        con.close()
