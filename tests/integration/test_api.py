"""The marts API answers filters with exactly what the published mart holds, and refuses bad requests precisely."""

from __future__ import annotations

from typing import Any

import pytest

from serving import reader

pytestmark = pytest.mark.integration
URL = "/v1/marts/tickets-monthly-by-street"


def _sql(published_env: dict[str, Any], query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = reader.connect(published_env["settings"])
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def test_filters_by_street_and_month(admin: Any, published_env: dict[str, Any]) -> None:
    r = admin.get(URL, params={"street_code": "440309006", "month": "2024-03"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 1
    [item] = body["items"]
    expected = _sql(published_env, "select tickets, closed_on_time, tickets_due from agg_tickets_monthly_by_street "
                                   "where street_code = '440309006' and month = date '2024-03-01'")[0]
    assert (item["street_name"], item["month"]) == ("观澜", "2024-03-01")
    assert (item["tickets"], item["closed_on_time"], item["tickets_due"]) == expected


def test_month_range_and_paging(admin: Any, published_env: dict[str, Any]) -> None:
    r = admin.get(URL, params={"month_from": "2024-04", "month_to": "2024-06", "limit": 5, "offset": 5})
    body = r.json()
    expected_total = _sql(published_env, "select count(*) from agg_tickets_monthly_by_street "
                                         "where month between date '2024-04-01' and date '2024-06-01'")[0][0]
    assert body["total"] == expected_total == 18
    assert len(body["items"]) == 5
    assert {i["month"] for i in body["items"]} <= {"2024-04-01", "2024-05-01", "2024-06-01"}


def test_whole_mart_sums_to_the_tickets_in_bronze(admin: Any, published_env: dict[str, Any]) -> None:
    body = admin.get(URL, params={"limit": 1000}).json()
    assert sum(i["tickets"] for i in body["items"]) == _sql(published_env, "select count(*) from fct_tickets")[0][0]
    assert admin.get("/v1/streets").json()["items"][5] == {"street_code": "440309006", "street_name": "观澜"}


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"street_code": "4403"}, 422, "street_code"),
        ({"month": "2024-13"}, 422, "month"),
        ({"month": "2024-3"}, 422, "month"),
        ({"limit": 0}, 422, "limit"),
        ({"limit": 5000}, 422, "limit"),
        ({"month_from": "2024-06", "month_to": "2024-01"}, 422, "after"),
        ({"month": "2024-01", "month_from": "2024-01"}, 422, "either"),
        ({"street_code": "440309999"}, 404, "unknown street_code 440309999"),
        ({"steet_code": "440309006"}, 400, "unknown query parameter(s): steet_code"),
        ([("month", "2024-01"), ("month", "2024-02")], 400, "repeated query parameter(s): month"),
    ],
)
def test_bad_requests_get_a_precise_4xx(admin: Any, params: Any, status: int, needle: str) -> None:
    r = admin.get(URL, params=params)
    assert r.status_code == status
    assert needle in r.text


def test_health_names_the_snapshot(admin: Any) -> None:
    body = admin.get("/health").json()
    assert body["status"] == "ok" and body["snapshot"].isdigit()  # the DuckLake snapshot id answering now
    assert body["built_at"].startswith("20") and body["marts"] == 62  # when it was published; the contracted marts
    assert admin.get("/v1/streets").json()["snapshot"] == body["snapshot"]


def test_kpi_refuses_a_repeated_period(admin: Any) -> None:
    r = admin.get("/v1/kpi", params=[("period", "2024"), ("period", "2023")])
    assert r.status_code == 400 and "period" in r.json()["detail"]
    # once, it passes the parameter check (the demand slice has no indicator mart: 503 names it)
    once = admin.get("/v1/kpi", params={"period": "2024"})
    assert once.status_code == 200 or (once.status_code == 503 and "fct_indicator_values" in once.text)
