"""A real Open311 client reads our GeoReport v2 endpoint over HTTP: `georeport` (PyPI, a GeoReport v2 wrapper on
requests + xmltodict) lists the services, reads a service definition, the requests and one request, in JSON and in
XML, from the API served by uvicorn as `govlake serve api` runs it.

The client has no discovery call (no maintained Python client does: `three` and `open311` are Python 2 only), so
discovery is read the way a client would — with the client's own stack (requests, xmltodict) — checked against the
fields of the Open311 Service Discovery spec (changeset, contact, key_service, endpoints of specification, url,
changeset, type, formats), and its endpoint URL is what the client is then pointed at."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import xmltodict
from georeport import GeoReport

from common import processes
from serving import reader
from tests.conftest import REPO, free_port

pytestmark = pytest.mark.integration
SPEC = "http://wiki.open311.org/GeoReport_v2"
CODES = "010101,010102"
WINDOW = {"start_date": "2024-01-01T00:00:00+08:00", "end_date": "2024-04-01T00:00:00+08:00"}


@pytest.fixture(scope="module")
def live_api(published_env: dict[str, Any]) -> Iterator[str]:
    """The API in its own uvicorn process on a free loopback port, over the published slice."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.api.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=REPO, env={**published_env["env"], "API_AUDIT_DIR": str(published_env["data_dir"] / "api/audit-311")},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        processes.wait_http(f"{url}/health", timeout=60)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def _sql(published_env: dict[str, Any], query: str) -> list[tuple[Any, ...]]:
    con = reader.connect(published_env["settings"])
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _as_xml_text(value: Any) -> str | None:
    """A JSON value as the XML answer writes it (xmltodict reads an empty element as None)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _same(json_item: dict[str, Any], xml_item: dict[str, Any]) -> None:
    assert set(xml_item) == set(json_item)
    assert {k: _as_xml_text(v) for k, v in json_item.items()} == dict(xml_item)


def _discover(url: str) -> dict[str, dict[str, Any]]:
    as_json = requests.get(f"{url}/open311/v2/discovery.json", timeout=10)
    as_xml = requests.get(f"{url}/open311/v2/discovery.xml", timeout=10)
    assert as_json.status_code == as_xml.status_code == 200
    assert as_xml.headers["content-type"].startswith("text/xml")
    return {"json": as_json.json(), "xml": xmltodict.parse(as_xml.content)["discovery"]}


def test_discovery_points_a_client_at_the_endpoint(live_api: str) -> None:
    found = _discover(live_api)
    for doc in found.values():
        assert {"changeset", "contact", "key_service", "endpoints"} <= set(doc)
    endpoint = found["json"]["endpoints"][0]
    assert endpoint["specification"] == SPEC and endpoint["type"] == "production"
    assert endpoint["url"] == f"{live_api}/open311/v2/"
    assert {"application/json", "text/xml"} <= {f.split(";")[0] for f in endpoint["formats"]}
    xml_endpoint = found["xml"]["endpoints"]["endpoint"]  # one endpoint: xmltodict gives the element itself
    assert {k: xml_endpoint[k] for k in ("specification", "url", "changeset", "type")} == \
        {k: endpoint[k] for k in ("specification", "url", "changeset", "type")}
    assert xml_endpoint["formats"]["format"] == endpoint["formats"]
    # the client, configured from discovery, answers
    assert GeoReport(endpoint["url"], jurisdiction="440309").get_service_list()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_reads_services_and_a_definition(live_api: str, published_env: dict[str, Any], fmt: str) -> None:
    url = _discover(live_api)["json"]["endpoints"][0]["url"]
    client = GeoReport(url, jurisdiction="440309", output_format=fmt)
    services = client.get_service_list()
    categories = _sql(published_env, "select category_code, l3_name from ref_ticket_categories order by 1")
    assert [(s["service_code"], s["service_name"]) for s in services] == categories
    first = services[0]
    assert first["type"] == "batch" and str(first["metadata"]).lower() == "false" and first["group"]
    definition = client.get_service_definition(first["service_code"])
    assert definition["service_code"] == first["service_code"]
    assert definition["attributes"] in ([], None)  # no attributes: JSON [] or an empty XML element
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_definition("999999")
    assert refused.value.response.status_code == 404


def test_the_client_reads_requests_alike_in_json_and_xml(live_api: str, published_env: dict[str, Any]) -> None:
    as_json = GeoReport(f"{live_api}/open311/v2", jurisdiction="440309")
    as_xml = GeoReport(f"{live_api}/open311/v2", jurisdiction="440309", output_format="xml")
    query = {"service_code": CODES, "status": "closed", **WINDOW}
    json_items, xml_items = as_json.get_service_requests(**query), as_xml.get_service_requests(**query)
    expected = _sql(published_env, "select count(*) from fct_tickets where category_code in ('010101', '010102') "
                                   "and status = 'closed' and created_at >= timestamp '2024-01-01' "
                                   "and created_at < timestamp '2024-04-01'")[0][0]
    assert len(json_items) == len(xml_items) == expected > 1
    for j, x in zip(json_items, xml_items, strict=True):
        _same(j, x)
    assert {r["service_code"] for r in json_items} <= set(CODES.split(",")) and \
        {r["status"] for r in json_items} == {"closed"}
    # one request, by id, in both formats: the same as in the list
    one = json_items[0]
    assert as_json.get_service_request(one["service_request_id"]) == one
    _same(one, as_xml.get_service_request(one["service_request_id"]))
    # several by id (the spec's comma list): the other filters are ignored
    ids = ",".join(r["service_request_id"] for r in json_items[:3])
    assert {r["service_request_id"] for r in as_json.get_service_requests(service_request_id=ids, status="open")} \
        == set(ids.split(","))
    # the default window (the 90 days up to the data's latest request): what the client gets with no filter
    latest_window = as_json.get_service_requests()
    assert 0 < len(latest_window) <= 1000
    with pytest.raises(requests.HTTPError) as refused:
        as_xml.get_service_request("NOPE")
    assert refused.value.response.status_code == 404
    assert xmltodict.parse(refused.value.response.content)["errors"]["error"]["code"] == "404"
