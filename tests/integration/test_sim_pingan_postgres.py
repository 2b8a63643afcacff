"""The 深平安 simulator writes its database into PostgreSQL, its production target, and the rows read back intact."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from simulator.context import MessConfig, SimContext
from simulator.people import is_valid_id
from simulator.systems import pingan

pytestmark = pytest.mark.integration


def test_pingan_in_postgres_matches_the_ground_truth(postgres_url: str, tmp_path: Path) -> None:
    ctx = SimContext(scale=0.005, seed=5, out=tmp_path, as_of=datetime(2024, 12, 31, 23, 59, 59),
                     mess=MessConfig().with_overrides({"invalid_id": 0.02, "duplicate": 0.02}),
                     urls={"pingan": postgres_url})
    pingan.generate(ctx)
    assert not (tmp_path / "pingan.sqlite").exists()
    engine = sa.create_engine(postgres_url)
    try:
        inspector = sa.inspect(engine)
        with engine.connect() as conn:
            for key, rows in ctx.truth.counts.items():
                table = key.split(".", 1)[1]
                assert inspector.get_pk_constraint(table)["constrained_columns"], f"{table} has no primary key"
                assert conn.execute(sa.text(f"select count(*) from {table}")).scalar_one() == rows, table
            # the indicators come back from SQL over the clean rows
            bad = [a["key"] for a in ctx.truth.anomalies if a["entity"] == "conflict_item"]
            closed = conn.execute(sa.text(
                "select count(*) from conflict_item where status = '已办结' and not (item_id = any(:bad))"),
                {"bad": bad}).scalar_one()
            assert closed == ctx.truth.expected["pingan.conflicts_closed"]
            hours = conn.execute(sa.text(
                "select sum(service_hours) from participation where not (participation_id = any(:bad))"),
                {"bad": [a["key"] for a in ctx.truth.anomalies if a["entity"] == "participation"]}).scalar_one()
            assert float(hours) == ctx.truth.expected["pingan.service_hours"]
            # typed columns, Chinese text and IDs survive COPY
            types = {c["name"]: c["type"] for c in inspector.get_columns("key_person")}
            assert isinstance(types["entered_at"], sa.TIMESTAMP) and isinstance(types["correction_start"], sa.DATE)
            name, subtype = conn.execute(sa.text(
                "select d.name, count(*) from key_person p join sys_dict d on d.dict_type = 'person_subtype' "
                "and d.code = p.subtype_code group by d.name order by count(*) desc limit 1")).one()
            assert name in {"刑满释放", "严重精神障碍患者", "吸毒人员"} and subtype > 0
            invalid = {a["key"] for a in ctx.truth.anomalies if a["kind"] == "invalid_id"}
            ids = conn.execute(sa.text("select person_id, id_number from key_person where id_number is not null")).all()
            assert invalid and all(is_valid_id(i) != (p in invalid) for p, i in ids)
            later = conn.execute(sa.text("select count(*) from key_person where updated_at > created_at")).scalar_one()
            assert later > 0
    finally:
        engine.dispose()
