"""The API's memory of recent queries, which a new snapshot's warm-up replays: bounded, the dearest first."""

from __future__ import annotations

from services.api.snapshot import RecentQueries


def test_the_dearest_queries_come_first_and_a_cache_hit_keeps_the_cost() -> None:
    recent = RecentQueries(size=3)
    recent.used("rows", "cheap", (), 0.001)
    recent.used("rows", "dear", (1,), 0.050)
    recent.used("arrow", "middling", (), 0.010)
    recent.used("rows", "dear", (1,))  # answered from the cache: its last run's cost stays
    assert [sql for _, sql, _ in recent.costliest_first()] == ["dear", "middling", "cheap"]


def test_it_forgets_the_least_recently_used() -> None:
    recent = RecentQueries(size=2)
    recent.used("rows", "a", (), 0.3)
    recent.used("rows", "b", (), 0.1)
    recent.used("rows", "a", ())  # used again: now the most recent
    recent.used("rows", "c", (), 0.2)
    assert [sql for _, sql, _ in recent.costliest_first()] == ["a", "c"]
