"""The simulator is deterministic and behaves like a live system over time."""

from __future__ import annotations

from datetime import datetime

from simulator.minyi import SELF_COLLECTED_2024, TICKETS_2024, generate_year, project


def test_same_seed_same_data_and_other_seed_other_data() -> None:
    a, fa = generate_year(0.002, seed=7, mess_rate=0.01)
    b, fb = generate_year(0.002, seed=7, mess_rate=0.01)
    c, _ = generate_year(0.002, seed=8, mess_rate=0.01)
    assert a.equals(b) and fa.equals(fb)
    assert not a.equals(c)


def test_scale_sets_volumes_in_the_seed_proportions() -> None:
    tickets, _ = generate_year(0.004, seed=1, mess_rate=0.0)
    assert tickets.height == round(SELF_COLLECTED_2024 * 0.004) + round((TICKETS_2024 - SELF_COLLECTED_2024) * 0.004)


def test_a_later_as_of_adds_tickets_and_updates_old_ones() -> None:
    tickets, flows = generate_year(0.002, seed=3, mess_rate=0.0)
    t1, _ = project(tickets, flows, datetime(2024, 6, 30))
    t2, _ = project(tickets, flows, datetime(2024, 7, 31))
    assert t2.height > t1.height
    before = dict(zip(t1["ticket_id"], t1["updated_at"], strict=True))
    later = {tid: at for tid, at in zip(t2["ticket_id"], t2["updated_at"], strict=True) if tid in before}
    changed = [tid for tid, at in later.items() if at > before[tid]]
    assert changed, "tickets still open at the first cut must change later (late updates)"
    open_then = set(t1.filter(t1["status"] == "open")["ticket_id"])
    assert set(changed) <= open_then | set(t1.filter(t1["status"] == "closed")["ticket_id"])
