"""The zhengfa database written to a real MariaDB: every table, Chinese text intact, sensitivity comments kept, and
the 失驾 rule run as SQL in the database finds exactly the planted cases."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from simulator.context import SimContext
from simulator.systems import zhengfa

pytestmark = pytest.mark.integration

SHIJIA_SQL = """
select distinct s.subject_id, v.driver_id_number, v.violation_id
from traffic_violation v
join correction_subject s on s.id_number = v.driver_id_number
join driving_licence_status l on l.id_number = v.driver_id_number
where date(v.violation_at) between s.correction_start and s.correction_end
  and l.status <> '正常'
  and date(v.violation_at) >= l.valid_from
  and (l.valid_to is null or date(v.violation_at) < l.valid_to)
"""


def test_zhengfa_database_in_mariadb(mariadb_url: str, tmp_path: Path) -> None:
    ctx = SimContext(scale=0.003, seed=5, out=tmp_path, as_of=datetime(2024, 12, 31, 23, 59, 59),
                     urls={"zhengfa": mariadb_url})
    zhengfa.generate(ctx)
    assert not (tmp_path / "zhengfa.sqlite").exists()
    engine = sa.create_engine(mariadb_url)
    try:
        with engine.connect() as conn:
            for table in zhengfa.METADATA.sorted_tables:
                rows = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                assert rows == ctx.truth.counts[f"zhengfa.{table.name}"], table.name
            found = {tuple(r) for r in conn.execute(sa.text(SHIJIA_SQL))}
            statuses = {r[0] for r in conn.execute(sa.text("select distinct status from driving_licence_status"))}
            comment = conn.execute(sa.text(
                "select column_comment from information_schema.columns where table_schema = database() "
                "and table_name = 'lifecare_crisis_case' and column_name = 'subject_id_number'")).scalar_one()
    finally:
        engine.dispose()
    planted = {(c["subject_id"], c["id_number"], c["violation_id"]) for c in ctx.truth.planted["shijia_cases"]}
    assert found == planted and len(planted) >= 3
    assert {"正常", "暂扣", "吊销"} <= statuses
    assert "敏感" in comment
