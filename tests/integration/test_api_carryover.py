"""After a publish, the API keeps the cached answers the publish did not change (services/api/carryover.py): every
answer it carries over equals the new snapshot's own, a page whose rows the publish changed is not carried, nor is
anything read from a table the publish replaced; and concurrent misses of one answer compute it once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from services.api.carryover import PATCHED, SAME, ChangedRows, RowFilter, table_status
from services.api.snapshot import ApiSession, HotTables, Watcher
from serving.reader import Reader, ResultCache
from tests.conftest import build_slice, run_govlake

pytestmark = pytest.mark.integration
STREETS = [f"4403090{n:02d}" for n in range(1, 7)]
MONTHS = [f"2024-{m:02d}-01" for m in range(1, 13)]
PAGE = ('select *, count(*) over () as n from "fct_tickets" where {c} '
        'order by "ticket_id" limit ? offset ?')
CONDITION = '"street_code" = ? and "created_month" = cast(? as date)'


def _ask(session: ApiSession, tables: list[str]) -> None:
    """What the API asks: a page of tickets per street and month (with its row filter), as rows and as Arrow; each
    table's count; a join with no filter given."""
    for street in STREETS:
        for month in MONTHS:
            rows = RowFilter("fct_tickets", CONDITION, (street, month))
            session.rows(PAGE.format(c=CONDITION), [street, month, 20, 0], rows)
            session.arrow(PAGE.format(c=CONDITION), [street, month, 5, 0], rows)
    for table in tables:
        session.rows(f'select count(*) as n from "{table}"')
    session.rows("select t.status, count(*) as n from fct_tickets t join ref_streets s using (street_code) "
                 "group by all order by all")


def _publish_next_day(env: dict[str, str], as_of: str = "2025-01-01T23:59:59") -> None:
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.003", "--as-of", as_of)
    run_govlake(env, "ingest", "minyi")
    run_govlake(env, "transform")
    run_govlake(env, "publish", "--no-catalog")


def test_answers_a_publish_did_not_change_are_carried_over_and_equal_the_new_snapshots(tmp_path: Path) -> None:
    # every keyed table patched by its changed rows, as the big marts are at scale
    built = build_slice(tmp_path, scale="0.003", SERVING_REPLACE_MAX_ROWS="0")
    reader = Reader(built["settings"], cache=ResultCache(size=4096))
    watcher = Watcher(reader, HotTables(reader), warm_seconds=0)  # no warm-up: the new snapshot's cache is carried
    try:
        first = watcher.refresh()
        assert first is not None
        session = ApiSession(first, reader, watcher)
        tables = sorted(watcher.hot.sizes(first))  # type: ignore[union-attr]
        _ask(session, tables)
        session.close()
        _publish_next_day(built["env"])
        second = watcher.refresh()
        assert second is not None and second > first

        cur = reader._connection().cursor()
        status = table_status(cur, first, second, watcher.hot.ids(first), watcher.hot.ids(second))  # type: ignore[union-attr]
        cur.close()
        assert status is not None and status["fct_tickets"] == PATCHED and status["ref_streets"] == SAME
        assert set(tables) - set(status), "the publish replaced some tables (those with no row key)"

        assert reader.cache is not None
        carried: dict[Any, Any] = dict(reader.cache.entries(second))
        carried_arrow = dict(watcher.arrows.entries(second))
        assert watcher.warmed["carried"] == len(carried) + len(carried_arrow) > 0
        # each carried answer is the new snapshot's own
        with reader.session(str(second)) as fresh:
            for (_, sql, params), answer in carried.items():
                assert fresh.con.execute(sql, list(params)).fetchall() == [tuple(r.values()) for r in answer], sql
            for (_, sql, params), table in carried_arrow.items():
                assert fresh.con.execute(sql, list(params)).to_arrow_table().equals(table), sql
            # pages: the ones whose rows the publish changed were left to be computed again, the others kept
            changed_pages = 0
            for street in STREETS:
                for month in MONTHS:
                    key = (second, PAGE.format(c=CONDITION), (street, month, 20, 0))
                    before = reader.cache.get((first, *key[1:]))
                    now = [tuple(r) for r in fresh.con.execute(key[1], list(key[2])).fetchall()]
                    if [tuple(r.values()) for r in before] != now:
                        changed_pages += 1
                        assert key not in carried, f"a page the publish changed was carried: {street} {month}"
        pages = [k for k in carried if k[1].startswith('select *, count')]
        assert changed_pages and 0 < len(pages) < len(STREETS) * len(MONTHS)
        # a query with no row filter is carried exactly when its table is the same table, untouched
        assert {t for t in tables if (second, f'select count(*) as n from "{t}"', ()) in carried} \
            == {t for t in tables if status.get(t) == SAME}
        assert not any(" join " in sql for _, sql, _ in carried), "a patched table read with no row filter"

        _assert_changes_read_from_files(reader, watcher, first, second)

        # the small tables the publish left untouched are copied from the last snapshot's copies, and equal the lake
        hot = watcher.hot
        assert hot is not None
        from_memory = [t for t in sorted(hot.sizes(second)) if status.get(t) == SAME and t in hot.copied(first)
                       and t not in hot.copied(second)]
        copied_from_memory: list[str] = []
        real = hot._copy_from_memory

        def spy(con: Any, snapshot: int, table: str) -> bool:
            done = real(con, snapshot, table)
            copied_from_memory.extend([table] if done else [])
            return done

        hot._copy_from_memory = spy  # type: ignore[method-assign]
        hot.ensure(second, sorted(hot.sizes(second)))
        assert from_memory and sorted(copied_from_memory) == from_memory
        with reader.session(str(second)) as fresh:
            for table in sorted(hot.copied(second)):
                copy = f'select * from {hot.alias(second)}.main."{table}" order by all'
                assert fresh.con.execute(copy).fetchall() == \
                    fresh.con.execute(f'select * from "{table}" order by all').fetchall(), table
        # a day later: rows deleted from files that already had deletes, and from the file the last day added
        _publish_next_day(built["env"], "2025-01-02T23:59:59")
        third = watcher.refresh()
        assert third is not None and third > second
        _assert_changes_read_from_files(reader, watcher, second, third)
    finally:
        watcher.stop()
        reader.close()


def _assert_changes_read_from_files(reader: Reader, watcher: Watcher, first: int, second: int) -> None:
    """The changed rows the carry-over checks filters on, read from the tables' files, are DuckLake's own record of
    the changes between the two snapshots: every column of every patched table."""
    cur = reader._connection().cursor()
    try:
        status = table_status(cur, first, second, watcher.hot.ids(first), watcher.hot.ids(second))  # type: ignore[union-attr]
        assert status is not None and PATCHED in status.values()
        for table in sorted(t for t, s in status.items() if s == PATCHED):
            columns = [c for (c,) in cur.execute(
                "select column_name from duckdb_columns() where database_name = 'govlake' and table_name = ? "
                "order by column_index", [table]).fetchall()]
            every = RowFilter(table, " and ".join(f'"{c}" is not null' for c in columns))
            changed = ChangedRows(cur, first, second, [every])
            changed.matches([every])
            assert table in changed.from_files, f"{table}: its changes not read from its files"
            listed = ", ".join(f'"{c}"' for c in sorted(columns))
            assert cur.execute(f'select {listed} from "_changed_{table}" order by all').fetchall() == cur.execute(
                f"select distinct {listed} from ducklake_table_changes('govlake', 'main', ?, ?, ?) order by all",
                [table, first + 1, second]).fetchall(), table
    finally:
        cur.close()


def test_concurrent_misses_of_one_answer_compute_it_once(published_env: dict[str, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    reader = Reader(published_env["settings"], cache=ResultCache())
    watcher = Watcher(reader, HotTables(reader))
    executed: list[str] = []
    real = ApiSession._execute

    def counted(self: ApiSession, sql: str, params: list[object] | None) -> Any:
        executed.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(ApiSession, "_execute", counted)
    try:
        snapshot = watcher.refresh()
        assert snapshot is not None
        sql = "select street_code, count(*) as n, max(created_at) as last from fct_tickets group by all order by 1"
        answers: list[Any] = []

        def ask() -> None:
            session = ApiSession(snapshot, reader, watcher)
            answers.append(session.rows(sql))
            session.close()

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert executed.count(sql) == 1 and len(answers) == 8 and all(a == answers[0] for a in answers)
    finally:
        watcher.stop()
        reader.close()
