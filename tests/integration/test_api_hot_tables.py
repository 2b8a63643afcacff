"""The API's in-memory copies of a snapshot's small tables answer exactly what the lake answers; a table over the
size limit is read from the lake; a query naming a table without a copy runs on the lake."""

from __future__ import annotations

import time
from typing import Any

import pytest

pytestmark = pytest.mark.integration
QUERIES = [
    ("select * from agg_tickets_monthly_by_street where street_code = ? order by month, street_code", ["440309002"]),
    ("select count(*) as n, sum(tickets) as t from agg_tickets_monthly_by_street", []),
    ("select t.ticket_id, c.l3_name from fct_tickets t left join ref_ticket_categories c using (category_code) "
     "where t.street_code = ? order by t.ticket_id limit 20", ["440309006"]),
]


def _ask(reader: Any, watcher: Any) -> tuple[int, list[Any], Any]:
    """(the current snapshot, the rows of QUERIES, the first query as Arrow), through one ApiSession."""
    from services.api.snapshot import ApiSession

    snapshot = watcher.refresh()
    assert snapshot is not None
    session = ApiSession(snapshot, reader, watcher)
    try:
        return snapshot, [session.rows(sql, params) for sql, params in QUERIES], session.arrow(*QUERIES[0])
    finally:
        session.close()


def _answers(published_env: dict[str, Any], table_max: int) -> tuple[list[Any], set[str]]:
    from services.api.snapshot import HotTables, Watcher
    from serving.reader import Reader

    reader = Reader(published_env["settings"])
    watcher = Watcher(reader, HotTables(reader, table_max=table_max))
    try:
        snapshot, answers, arrow = _ask(reader, watcher)
        answers.append(arrow.to_pylist())
        return answers, watcher.hot.copied(snapshot)  # type: ignore[union-attr]
    finally:
        watcher.stop()
        reader.close()


def test_copies_answer_as_the_lake(published_env: dict[str, Any]) -> None:
    copied_answers, copied = _answers(published_env, table_max=64 * 1024 * 1024)
    lake_answers, none = _answers(published_env, table_max=0)
    assert copied >= {"agg_tickets_monthly_by_street", "fct_tickets", "ref_ticket_categories"} and not none
    assert copied_answers == lake_answers and len(lake_answers[0]) > 1 and len(lake_answers[2]) == 20


def test_a_big_table_stays_in_the_lake(published_env: dict[str, Any]) -> None:
    from services.api.snapshot import HotTables, Watcher
    from serving.reader import Reader

    reader = Reader(published_env["settings"])
    try:
        snapshot = Watcher(reader).refresh()
        assert snapshot is not None
        sizes = HotTables(reader).sizes(snapshot)
        limit = sizes["fct_tickets"] - 1  # fct_tickets over the limit, the small tables under it
        hot = HotTables(reader, table_max=limit)
        hot.ensure(snapshot, ["fct_tickets", "ref_ticket_categories", "no_such_table"])
        assert hot.copied(snapshot) == {"ref_ticket_categories"}
        hot.release([snapshot])
        assert hot.copied(snapshot) == set()
    finally:
        reader.close()


def test_a_new_snapshot_is_warmed_with_the_recent_queries(published_env: dict[str, Any]) -> None:
    """The watcher's warm-up runs the worker's recent queries (rows and Arrow), the dearest first, into the result
    caches, so the first requests on a new snapshot hit; its own replays do not count as recent."""
    from services.api.snapshot import HotTables, Watcher
    from serving.reader import Reader, ResultCache

    reader = Reader(published_env["settings"], cache=ResultCache())
    watcher = Watcher(reader, HotTables(reader), warm_seconds=60)
    try:
        snapshot, answers, arrow = _ask(reader, watcher)
        recent = watcher.recent.costliest_first()
        assert len(recent) == len(QUERIES) + 1 and {kind for kind, _, _, _ in recent} == {"rows", "arrow"}
        # as if the publish had just made this snapshot: nothing cached for it yet
        assert reader.cache is not None
        reader.cache = ResultCache()
        watcher.arrows = ResultCache()
        watcher._warm(snapshot, time.perf_counter())
        assert watcher.warmed["queries"] == len(recent)
        assert [reader.cache.get((snapshot, sql, tuple(params))) for sql, params in QUERIES] == answers
        assert watcher.arrows.get((snapshot, QUERIES[0][0], tuple(QUERIES[0][1]))).equals(arrow)
        assert watcher.recent.costliest_first() == recent, "the warm-up's replays are not recent queries"
    finally:
        watcher.stop()
        reader.close()


def test_a_query_made_from_the_data_is_warmed_as_the_new_snapshot_makes_it(published_env: dict[str, Any]) -> None:
    """A query whose parameters come from the snapshot's data (Open311's default window ends at the newest ticket)
    is asked by the warm-up as the new snapshot makes it, not with the old parameters."""
    from services.api.snapshot import ApiSession, HotTables, Watcher
    from serving.reader import Reader, ResultCache

    reader = Reader(published_env["settings"], cache=ResultCache())
    watcher = Watcher(reader, HotTables(reader), warm_seconds=60)
    made: list[int] = []

    def window(session: Any) -> tuple[str, list[object]]:
        newest = session.rows("select max(created_at) as m from fct_tickets")[0]["m"]
        made.append(session.snapshot)
        return "select count(*) as n from fct_tickets where created_at <= ?", [newest]

    try:
        snapshot = watcher.refresh()
        assert snapshot is not None
        session = ApiSession(snapshot, reader, watcher)
        sql, params = window(session)
        asked = session.rows(sql, params, again=window)
        session.close()
        assert reader.cache is not None
        reader.cache = ResultCache()  # as if the publish had just made this snapshot: nothing cached for it yet
        watcher._warm(snapshot, time.perf_counter())
        assert made == [snapshot, snapshot] and reader.cache.get((snapshot, sql, tuple(params))) == asked
    finally:
        watcher.stop()
        reader.close()
