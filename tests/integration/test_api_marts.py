"""Every contracted mart is served from its contract: listing, filters, sort, keyset paging, four formats, ETag,
precise 4xx, and an OpenAPI that documents each mart's parameters and columns."""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from serving import reader

pytestmark = pytest.mark.integration


def _served(published_env: dict[str, Any]) -> set[str]:
    con = reader.connect(published_env["settings"])
    try:
        return {r[0] for r in con.execute("select table_name from duckdb_tables() where database_name = "
                                          "current_database()").fetchall()}
    finally:
        con.close()


def _count(published_env: dict[str, Any], table: str, where: str = "true") -> int:
    con = reader.connect(published_env["settings"])
    try:
        return int(con.execute(f"select count(*) from {table} where {where}").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def test_the_list_holds_every_contracted_mart_with_its_columns(admin: Any, published_env: dict[str, Any]) -> None:
    manifest = json.loads((published_env["data_dir"] / "dbt/target/manifest.json").read_text())
    contracted = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"
                  and n["original_file_path"].startswith("models/marts/")
                  and (n["config"].get("contract") or {}).get("enforced")}
    body = admin.get("/v1/marts").json()
    assert {m["table"] for m in body["items"]} == contracted and len(contracted) == 62
    tickets = next(m for m in body["items"] if m["mart"] == "tickets")
    assert tickets["title"] == "民意速办工单事实表" and tickets["key"] == ["ticket_id"]
    assert {"street_code", "created_month_from", "category_code"} <= set(tickets["filters"])
    assert next(c for c in tickets["columns"] if c["name"] == "ticket_id")["description"].startswith("工单编号")
    served = _served(published_env)
    assert {m["table"] for m in body["items"] if m["published"]} == contracted & served


def test_every_published_mart_answers_and_counts_right(admin: Any, published_env: dict[str, Any]) -> None:
    marts = admin.get("/v1/marts").json()["items"]
    published = [m for m in marts if m["published"]]
    assert len(published) >= 10
    for mart in published:
        r = admin.get(f"/v1/marts/{mart['mart']}", params={"limit": 5})
        assert r.status_code == 200, (mart["mart"], r.text)
        body = r.json()
        assert body["total"] == _count(published_env, mart["table"])
        assert len(body["items"]) == min(5, body["total"])
        assert set(body["items"][0]) == {c["name"] for c in mart["columns"]} if body["items"] else True
    unpublished = next(m for m in marts if not m["published"])
    r = admin.get(f"/v1/marts/{unpublished['mart']}")
    assert r.status_code == 404 and "not in the published snapshot" in r.text


def test_cursor_pages_through_the_whole_filtered_mart_once(admin: Any, published_env: dict[str, Any]) -> None:
    params: dict[str, Any] = {"street_code": "440309002", "created_month_from": "2024-03",
                              "created_month_to": "2024-05", "limit": 97, "sort": "-created_at"}
    seen: list[str] = []
    last_created = None
    while True:
        body = admin.get("/v1/marts/tickets", params=params).json()
        for item in body["items"]:
            assert item["street_code"] == "440309002" and "2024-03-01" <= item["created_month"] <= "2024-05-01"
            if last_created is not None:
                assert item["created_at"] <= last_created  # the sort holds across pages
            last_created = item["created_at"]
            seen.append(item["ticket_id"])
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    expected = _count(published_env, "fct_tickets", "street_code = '440309002' and created_month between "
                                                    "date '2024-03-01' and date '2024-05-01'")
    assert len(seen) == len(set(seen)) == expected == body["total"] and expected > 200


def test_keyset_handles_null_key_columns(admin: Any, published_env: dict[str, Any]) -> None:
    """tickets-daily's grain has community_code, null for tickets without one: paging must neither skip nor
    repeat them."""
    params: dict[str, Any] = {"limit": 1000, "date_from": "2024-01-01", "date_to": "2024-03-31"}
    keys = []
    while True:
        body = admin.get("/v1/marts/tickets-daily", params=params).json()
        keys += [(i["date"], i["street_code"], i["community_code"], i["channel_code"]) for i in body["items"]]
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    assert len(keys) == len(set(keys)) == _count(published_env, "agg_tickets_daily",
                                                 "date between date '2024-01-01' and date '2024-03-31'")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "arrow"])
def test_formats_carry_the_same_rows_as_json(admin: Any, fmt: str) -> None:
    params = {"street_code": "440309006", "sort": "month", "limit": 7}
    rows = admin.get("/v1/marts/tickets-monthly-by-street", params=params).json()["items"]
    r = admin.get("/v1/marts/tickets-monthly-by-street", params={**params, "format": fmt})
    accept = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet",
              "arrow": "application/vnd.apache.arrow.stream"}[fmt]
    by_accept = admin.get("/v1/marts/tickets-monthly-by-street", params=params, headers={"Accept": accept})
    assert r.status_code == by_accept.status_code == 200 and r.content == by_accept.content
    assert r.headers["content-type"].startswith(accept) and r.headers["x-next-cursor"]
    data = io.BytesIO(r.content)
    table = (pa_csv.read_csv(data) if fmt == "csv" else pq.read_table(data) if fmt == "parquet"
             else pa.ipc.open_stream(data).read_all())
    got = table.to_pylist()
    assert [(str(g["month"])[:10], str(g["street_code"]), g["tickets"]) for g in got] == \
           [(i["month"], i["street_code"], i["tickets"]) for i in rows]


def test_etag_answers_304_until_the_query_changes(admin: Any) -> None:
    url = "/v1/marts/tickets-monthly-by-street"
    first = admin.get(url, params={"street_code": "440309002"})
    etag = first.headers["etag"]
    assert etag.startswith(f'W/"{first.json()["snapshot"]}-')
    again = admin.get(url, params={"street_code": "440309002"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = admin.get(url, params={"street_code": "440309003"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


@pytest.mark.parametrize(
    ("url", "params", "status", "needle"),
    [
        ("/v1/marts/tickets", {"limit": "ten"}, 422, "limit"),
        ("/v1/marts/tickets", {"created_month": "2024-13"}, 422, "created_month"),
        ("/v1/marts/tickets", {"created_date_from": "2024-02-30"}, 422, "created_date_from"),
        ("/v1/marts/tickets", {"sort": "nope"}, 422, "sort"),
        ("/v1/marts/tickets", {"cursor": "garbage!"}, 422, "cursor"),
        ("/v1/marts/tickets", {"format": "xml"}, 422, "format"),
        ("/v1/marts/tickets", {"community_code": "440309002999"}, 404, "unknown community_code 440309002999"),
        ("/v1/marts/tickets", {"grid": "x"}, 400, "unknown query parameter(s): grid"),
        ("/v1/marts/tickets", [("street_code", "440309002"), ("street_code", "440309003")],
         400, "repeated query parameter(s): street_code"),
        ("/v1/marts/no-such-mart", {}, 404, "unknown mart 'no-such-mart'"),
        ("/v1/marts/no-such-mart", {"street_code": "440309006"}, 404, "unknown mart 'no-such-mart'"),
    ],
)
def test_bad_requests(admin: Any, url: str, params: Any, status: int, needle: str) -> None:
    r = admin.get(url, params=params)
    assert r.status_code == status, r.text
    assert needle in r.text


def test_a_cursor_of_another_sort_is_refused(admin: Any) -> None:
    cursor = admin.get("/v1/marts/tickets", params={"limit": 1}).json()["next_cursor"]
    r = admin.get("/v1/marts/tickets", params={"limit": 1, "sort": "created_at", "cursor": cursor})
    assert r.status_code == 422 and "sort" in r.text


def test_openapi_documents_each_mart(admin: Any) -> None:
    spec = admin.get("/openapi.json").json()
    op = spec["paths"]["/v1/marts/tickets"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"street_code", "created_month", "created_month_from", "sort", "cursor", "limit", "format"} <= names
    assert op["summary"] == "民意速办工单事实表"
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    items = spec["components"]["schemas"][ref]["properties"]["items"]["items"]["$ref"].split("/")[-1]
    row = spec["components"]["schemas"][items]["properties"]
    assert row["ticket_id"]["description"].startswith("工单编号")
    assert sum(1 for p in spec["paths"] if p.startswith("/v1/marts/")) == 62
