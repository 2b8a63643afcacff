"""What the API's carry-over of cached answers (services/api/carryover.py) reads off a query: the tables it reads
and the columns a filter names, or that it cannot tell (then nothing is carried); and one computation per answer."""

from __future__ import annotations

import threading
import time

from services.api.carryover import PATCHED, SAME, RowFilter, columns_named, table_status, tables_read
from services.api.snapshot import InFlight, RecentQueries


def test_the_tables_a_query_reads() -> None:
    assert tables_read('select "a", count(*) over () from "agg_x" where "a" = ? order by "a" limit ? offset ?') \
        == {"agg_x"}
    # comma joins, joins and subqueries count; a common table expression is not a table
    assert tables_read("with q as (select 1 from r) select * from q, s join t on s.k = t.k "
                       "where s.b in (select c from w)") == {"r", "s", "t", "w"}
    assert tables_read("select * from main.fct_tickets") == {"fct_tickets"}


def test_a_query_whose_tables_cannot_be_told_is_none() -> None:
    assert tables_read("select * from read_parquet(?)") is None  # a table function
    assert tables_read("select * from other.main.fct_tickets") is None  # another catalog
    assert tables_read("select * from hot_v3.main.fct_tickets") is None
    assert tables_read("select from where") is None  # does not parse


def test_the_columns_a_filter_names() -> None:
    assert columns_named('"street_code" = ? and ("created_month" >= ? or t.status is null)') \
        == {"street_code", "created_month", "status"}
    assert columns_named("x in (select y from z where w = ?)") == {"x", "y", "w"}


def test_recent_queries_keep_the_row_filter_given_with_them() -> None:
    recent = RecentQueries()
    rows = RowFilter("fct_tickets", '"street_code" = ?', ("440309002",))
    recent.used("rows", "select 1 from fct_tickets where street_code = ?", ("440309002",), 0.01, rows)
    recent.used("rows", "select 2", (), 0.01)
    assert recent.filters() == {("select 1 from fct_tickets where street_code = ?", ("440309002",)): rows}


def test_in_flight_lets_one_thread_compute_a_key_at_a_time() -> None:
    in_flight = InFlight()
    inside: list[int] = []
    overlapped = threading.Event()

    def compute(key: str) -> None:
        with in_flight(key):
            inside.append(1)
            if len(inside) > 1:
                overlapped.set()
            time.sleep(0.02)
            inside.pop()

    threads = [threading.Thread(target=compute, args=("same",)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not overlapped.is_set()
    assert not in_flight._locks, "a key's lock goes once nobody holds or waits for it"


class _Snapshots:
    """Stands in for the catalog's `ducklake_snapshots()` listing: (snapshot id, changes) rows."""

    def __init__(self, rows: list[tuple[int, dict[str, list[str]]]]) -> None:
        self.rows = rows

    def execute(self, sql: str, params: list[int]) -> _Snapshots:
        low, high = params
        self.found = [r for r in self.rows if low < r[0] <= high]
        return self

    def fetchall(self) -> list[tuple[int, dict[str, list[str]]]]:
        return self.found


def test_table_status_from_the_snapshots_changes() -> None:
    before = {"fct_tickets": 7, "dim_areas": 3, "agg_x": 9}
    after = {"fct_tickets": 7, "dim_areas": 3, "agg_x": 12, "agg_new": 13}
    listing = _Snapshots([(4, {"tables_inserted_into": ["7"], "tables_deleted_from": ["7"]}),
                          (5, {"tables_created": ["main.agg_x", "main.agg_new"], "tables_dropped": ["9"]})])
    assert table_status(listing, 3, 5, before, after) == {"fct_tickets": PATCHED, "dim_areas": SAME}  # type: ignore[arg-type]
    # a change of another kind between them (a compaction, a schema change): nothing is known to be the same
    assert table_status(_Snapshots([(4, {"tables_altered": ["3"]})]), 3, 4, before, before) is None  # type: ignore[arg-type]
    # a snapshot in between no longer listed (expired): its changes are unknown
    assert table_status(_Snapshots([(5, {})]), 3, 5, before, before) is None  # type: ignore[arg-type]


def test_filters_checked_together_say_what_each_says_alone() -> None:
    """The changed rows of a table are checked against all its filters in one query: each filter's verdict must be
    the one it gets alone, values typed by their own comparison (a date compared with a string, an integer with a
    float), and a filter that cannot be evaluated spoils only itself (True: not carried)."""
    import duckdb

    from services.api.carryover import ChangedRows

    con = duckdb.connect()
    con.execute('create temp table "_changed_t" as select * from (values '
                "('440309002', date '2024-06-03', 3), ('440309005', date '2024-07-01', 10)) v(street_code, day, n)")
    changed = ChangedRows(con, 1, 2, [])
    changed._made.add("t")
    filters = [
        RowFilter("t", '"street_code" = ?', ("440309002",)),
        RowFilter("t", '"street_code" = ?', ("440309001",)),
        RowFilter("t", '"day" >= ? and "day" < ?', ("2024-06-01", "2024-07-01")),
        RowFilter("t", '"day" >= ? and "day" < ?', ("2024-08-01", "2024-09-01")),
        RowFilter("t", '"n" > ?', (9.5,)),
        RowFilter("t", '"n" > ?', (10,)),
        RowFilter("t", '"street_code" in (?, ?) and "n" = ?', ("440309005", "x", 10)),
    ]
    alone = {f: changed._check('"_changed_t"', f) for f in filters}
    assert list(alone.values()) == [True, False, True, False, True, False, True]
    assert changed._check_together('"_changed_t"', filters) == alone  # one query, which must not fail here
    assert changed.matches(filters) == alone
    broken = RowFilter("t", '"no_such_column" = ?', (1,))
    assert changed.matches([*filters, broken]) == {**alone, broken: True}
