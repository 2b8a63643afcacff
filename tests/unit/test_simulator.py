"""The simulator is deterministic and behaves like a live system over time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from simulator.context import MessConfig, SimContext
from simulator.systems.minyi import SELF_COLLECTED_2024, TICKETS_2024, generate_year, project


def _ctx(tmp_path: Path, scale: float = 0.002, seed: int = 7, **mess: float) -> SimContext:
    return SimContext(scale=scale, seed=seed, out=tmp_path, as_of=datetime(2024, 12, 31),
                      mess=MessConfig().with_overrides(mess))


def test_same_seed_same_data_and_other_seed_other_data(tmp_path: Path) -> None:
    a, b = generate_year(_ctx(tmp_path)), generate_year(_ctx(tmp_path))
    c = generate_year(_ctx(tmp_path, seed=8))
    assert a.tickets.equals(b.tickets) and a.flows.equals(b.flows)
    assert not a.tickets.equals(c.tickets)


def test_streams_are_independent_per_name(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert ctx.rng("minyi.tickets").random() == ctx.rng("minyi.tickets").random()
    assert ctx.rng("minyi.tickets").random() != ctx.rng("pingan.work_orders").random()


def test_scale_sets_volumes_in_the_seed_proportions(tmp_path: Path) -> None:
    tickets = generate_year(_ctx(tmp_path, scale=0.004)).tickets
    clean = tickets.filter(pl.col("clean"))
    assert clean["self_collected"].sum() == round(SELF_COLLECTED_2024 * 0.004)
    assert clean.height == round(SELF_COLLECTED_2024 * 0.004) + round((TICKETS_2024 - SELF_COLLECTED_2024) * 0.004)


def test_mess_rates_are_configurable_and_validated(tmp_path: Path) -> None:
    messy = generate_year(_ctx(tmp_path, scale=0.01, missing_required=0.05)).tickets
    share = messy["anomaly"].eq("missing_required").fill_null(False).sum() / messy.height
    assert 0.04 < share < 0.06
    clean = generate_year(SimContext(scale=0.002, seed=7, out=tmp_path, as_of=datetime(2024, 12, 31),
                                     mess=MessConfig().scaled(0.0))).tickets
    assert clean["anomaly"].null_count() == clean.height
    with pytest.raises(ValueError, match="unknown mess kind"):
        MessConfig().with_overrides({"typo": 0.1})


def test_a_later_as_of_adds_tickets_and_updates_old_ones(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, seed=3)
    year = generate_year(ctx)
    t1 = project(year, ctx, datetime(2024, 6, 30))["ticket"]
    t2 = project(year, ctx, datetime(2024, 7, 31))["ticket"]
    assert t2.height > t1.height
    before = dict(zip(t1["ticket_id"], t1["updated_at"], strict=True))
    later = zip(t2["ticket_id"], t2["updated_at"], strict=True)
    changed = [tid for tid, at in later if tid in before and at > before[tid]]
    assert changed, "tickets still open at the first cut must change later (late updates)"
