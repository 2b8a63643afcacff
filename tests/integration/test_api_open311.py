"""Open311 GeoReport v2 read side: services.json and requests.json validate against the spec's shapes (JSON
schemas written from http://wiki.open311.org/GeoReport_v2), XML parses, filters and errors follow the spec, and no
personal data is served."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from serving import reader

pytestmark = pytest.mark.integration
BASE = "/open311/v2"

W3 = {"type": ["string", "null"], "format": "date-time",
      "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)$"}
SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
    "properties": {
        "service_code": {"type": "string", "minLength": 1}, "service_name": {"type": "string"},
        "description": {"type": ["string", "null"]}, "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]}, "keywords": {"type": ["string", "null"]},
        "group": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
SERVICES = {"type": "array", "items": SERVICE, "minItems": 1}
REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_name", "service_code", "requested_datetime",
                 "updated_datetime", "address", "lat", "long"],
    "properties": {
        "service_request_id": {"type": "string", "minLength": 1}, "status": {"enum": ["open", "closed"]},
        "status_notes": {"type": ["string", "null"]}, "service_name": {"type": ["string", "null"]},
        "service_code": {"type": ["string", "null"]}, "description": {"type": ["string", "null"]},
        "agency_responsible": {"type": ["string", "null"]}, "service_notice": {"type": ["string", "null"]},
        "requested_datetime": W3, "updated_datetime": W3, "expected_datetime": W3,
        "address": {"type": ["string", "null"]}, "address_id": {"type": ["string", "null"]},
        "zipcode": {"type": ["string", "null"]}, "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "media_url": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
REQUESTS = {"type": "array", "items": REQUEST}
ERRORS = {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["code", "description"],
                                                    "properties": {"code": {"type": "integer"},
                                                                   "description": {"type": "string"}}}}
CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


def _valid(instance: Any, schema: dict[str, Any]) -> None:
    jsonschema.validate(instance, schema, format_checker=CHECKER)


def _sql(published_env: dict[str, Any], query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = reader.connect(published_env["settings"])
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def test_services_validate_and_cover_the_catalogue(api_client: Any, published_env: dict[str, Any]) -> None:
    services = api_client.get(f"{BASE}/services.json").json()
    _valid(services, SERVICES)
    assert len(services) == _sql(published_env, "select count(*) from ref_ticket_categories")[0][0]
    xml = ET.fromstring(api_client.get(f"{BASE}/services.xml").content)
    assert xml.tag == "services" and len(xml.findall("service")) == len(services)
    assert xml.find("service/service_code").text == services[0]["service_code"]  # type: ignore[union-attr]
    definition = api_client.get(f"{BASE}/services/{services[0]['service_code']}.json").json()
    assert definition == {"service_code": services[0]["service_code"], "attributes": []}
    discovery = api_client.get(f"{BASE}/discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_requests_validate_with_the_default_window_and_paging(api_client: Any, published_env: dict[str, Any]) -> None:
    body = api_client.get(f"{BASE}/requests.json").json()
    _valid(body, REQUESTS)
    latest = _sql(published_env, "select max(created_at) from fct_tickets")[0][0]
    in_window = _sql(published_env, "select count(*) from fct_tickets where created_at > ? - interval 90 day",
                     [latest])[0][0]
    assert len(body) == min(1000, in_window) and len(body) > 100  # the spec's 90 days and at most 1000
    page2 = api_client.get(f"{BASE}/requests.json", params={"page": 2, "page_size": 50}).json()
    assert [r["service_request_id"] for r in page2] == [r["service_request_id"] for r in body[50:100]]
    xml = ET.fromstring(api_client.get(f"{BASE}/requests.xml", params={"page_size": 3}).content)
    assert xml.tag == "service_requests" and [r.findtext("service_request_id") for r in xml.findall("request")] == \
        [r["service_request_id"] for r in body[:3]]


def test_request_filters(api_client: Any, published_env: dict[str, Any]) -> None:
    params = {"service_code": "010101,010102", "status": "closed", "start_date": "2024-01-01T00:00:00+08:00",
              "end_date": "2024-07-01T00:00:00+08:00"}
    body = api_client.get(f"{BASE}/requests.json", params=params).json()
    _valid(body, REQUESTS)
    expected = _sql(published_env, "select count(*) from fct_tickets where category_code in ('010101', '010102') "
                                   "and status = 'closed' and created_at >= timestamp '2024-01-01' "
                                   "and created_at < timestamp '2024-07-01'")[0][0]
    assert len(body) == expected > 0
    assert {r["service_code"] for r in body} <= {"010101", "010102"} and {r["status"] for r in body} == {"closed"}


def test_one_request_has_its_status_and_dates(api_client: Any, published_env: dict[str, Any]) -> None:
    ticket_id, status, created, closed = _sql(
        published_env, "select ticket_id, status, created_at, closed_at from fct_tickets where status = 'closed' "
                       "order by ticket_id limit 1")[0]
    [one] = api_client.get(f"{BASE}/requests/{ticket_id}.json").json()
    _valid([one], REQUESTS)
    assert one["service_request_id"] == ticket_id and one["status"] == status
    assert one["requested_datetime"] == created.isoformat(timespec="seconds") + "+08:00"
    assert one["updated_datetime"] >= one["requested_datetime"] and closed is not None
    xml = ET.fromstring(api_client.get(f"{BASE}/requests/{ticket_id}.xml").content)
    assert xml.findtext("request/status") == status


def test_no_personal_data(api_client: Any, published_env: dict[str, Any]) -> None:
    body = api_client.get(f"{BASE}/requests.json", params={"page_size": 1000}).json()
    callers = {r[0] for r in _sql(published_env, "select caller_key from fct_tickets where caller_key is not null")}
    text = str(body)
    assert not any(c in text for c in list(callers)[:500])
    for r in body:
        assert r["address"].startswith("深圳市龙华区") and r["address"].endswith(("社区", "街道"))
        assert r["lat"] is None or round(r["lat"], 2) == r["lat"]  # ~1 km: the community's centre, rounded
        assert r["long"] is None or round(r["long"], 2) == r["long"]


@pytest.mark.parametrize(
    ("url", "status", "needle"),
    [
        (f"{BASE}/requests/NOPE.json", 404, "no service request NOPE"),
        (f"{BASE}/services/999999.json", 404, "unknown service_code"),
        (f"{BASE}/requests.json?start_date=yesterday", 400, "start_date"),
        (f"{BASE}/requests.json?status=pending", 400, "status"),
        (f"{BASE}/requests.json?page_size=5000", 400, "page_size"),
        (f"{BASE}/requests.json?jurisdiction_id=110000", 404, "jurisdiction_id"),
        (f"{BASE}/requests.json?foo=1", 400, "unknown query parameter(s): foo"),
        (f"{BASE}/requests.json?status=open&status=closed", 400, "repeated"),
    ],
)
def test_errors_in_the_spec_format(api_client: Any, url: str, status: int, needle: str) -> None:
    r = api_client.get(url)
    assert r.status_code == status
    _valid(r.json(), ERRORS)
    assert r.json()[0]["code"] == status and needle in r.json()[0]["description"]
    xml = ET.fromstring(api_client.get(url.replace(".json", ".xml")).content)
    assert xml.tag == "errors" and xml.findtext("error/code") == str(status)
