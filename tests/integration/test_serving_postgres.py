"""The served marts with their DuckLake catalog in PostgreSQL (the docker-compose shape): publish, read, travel."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.settings import Settings
from serving import reader
from tests.conftest import _reachable, _scratch_database, build_slice, require, run_govlake

pytestmark = pytest.mark.integration


@pytest.fixture
def catalog() -> Iterator[str]:
    require(_reachable(5432), "PostgreSQL is not running on 127.0.0.1:5432")
    for name in _scratch_database("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                                  f"govlake_serving_{os.getpid()}", "", "with (force)"):
        yield f"postgres:dbname={name} host=127.0.0.1 port=5432 user=postgres"


def test_publish_and_read_with_a_postgresql_catalog(tmp_path: Path, catalog: str) -> None:
    built = build_slice(tmp_path, scale="0.002", SERVING_CATALOG=catalog)
    env = built["env"]
    assert not (tmp_path / "serving" / "catalog.sqlite").exists(), "the catalog must live in PostgreSQL"
    settings = Settings(data_dir=tmp_path, serving_catalog=catalog)
    con = reader.connect(settings)
    try:
        total = con.execute("select sum(tickets) from agg_tickets_monthly_by_street").fetchone()[0]  # type: ignore[index]
        tickets = con.execute("select count(*) from fct_tickets").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    assert total == tickets > 0
    served = reader.Reader(settings)
    try:
        [first] = [s.id for s in served.snapshots()]
    finally:
        served.close()
    out = run_govlake(env, "sql", "--as-of", str(first), "--format", "csv",
                      "select count(*) as n from fct_tickets").stdout
    assert out.split() == ["n", str(tickets)]
