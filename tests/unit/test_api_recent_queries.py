"""The API's memory of recent queries, which a new snapshot's warm-up replays: bounded, the dearest first."""

from __future__ import annotations

from services.api.snapshot import RecentQueries


def test_the_dearest_queries_come_first_and_a_cache_hit_keeps_the_cost() -> None:
    recent = RecentQueries(size=3)
    recent.used("rows", "cheap", (), 0.001)
    recent.used("rows", "dear", (1,), 0.050)
    recent.used("arrow", "middling", (), 0.010)
    recent.used("rows", "dear", (1,))  # answered from the cache: its last run's cost stays
    assert [sql for _, sql, _, _ in recent.costliest_first()] == ["dear", "middling", "cheap"]


def test_it_forgets_the_least_recently_used() -> None:
    recent = RecentQueries(size=2)
    recent.used("rows", "a", (), 0.3)
    recent.used("rows", "b", (), 0.1)
    recent.used("rows", "a", ())  # used again: now the most recent
    recent.used("rows", "c", (), 0.2)
    assert [sql for _, sql, _, _ in recent.costliest_first()] == ["a", "c"]


def test_a_query_asked_often_outranks_a_dearer_one_asked_once() -> None:
    """Missing a page that many requests ask costs each of them: the rank is the cost times the times asked."""
    recent = RecentQueries()
    recent.used("rows", "rare and dear", (), 0.040)
    recent.used("rows", "frequent", (), 0.010)
    for _ in range(9):
        recent.used("rows", "frequent", ())
    assert [sql for _, sql, _, _ in recent.costliest_first()] == ["frequent", "rare and dear"]


def test_a_query_made_from_the_data_is_kept_with_how_to_ask_it_again() -> None:
    recent = RecentQueries()

    def again(session: object) -> tuple[str, list[object]]:
        return "select 2", []

    recent.used("rows", "select 1", (), 0.01, again=again)
    assert recent.costliest_first() == [("rows", "select 1", (), again)]
