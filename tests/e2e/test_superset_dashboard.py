"""The 民意速办 dashboard, as a leader sees it: Superset on the published snapshot, in headless Chromium.

Needs Debian's /usr/bin/chromium (+ fonts-noto-cjk) and the Superset environment
(`uv sync --locked --project envs/superset`). Without them the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from common.settings import REPO_ROOT, Settings
from govlake.bench_superset import (
    ALL_RENDERED_JS,
    CHART_STATE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    EMPTY_STATE_TEXTS,
    browser_login,
    dashboards,
    render_dashboard,
)
from serving import reader
from superset_assets import lifecycle as superset
from superset_assets.charts_yaml import NULL_TEXT

# the first test's setup builds the whole district (every system) and initialises Superset: minutes on 2 cores
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]

ARTIFACTS = REPO_ROOT / "test-artifacts"
GUANLAN = ("440309006", "观澜")


DASHBOARDS = dashboards()


def _require(ok: bool, reason: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: e2e prerequisites are mandatory)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def superset_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Superset initialised and running on a free loopback port against the published snapshot.

    published_env is read-only for tests, and Superset writes (its metadata DB, logs) and this module re-publishes.
    So Superset gets its own DATA_DIR with a copy of the published DuckLake catalog (the same Parquet files) and the
    extension directory the pipeline installed.
    """
    # check the cheap prerequisites before building the published data
    _require(CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    _require(superset.is_installed(), "Superset env missing: uv sync --locked --project envs/superset")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _require(False, "the playwright python package is missing from the core environment")

    published: Settings = request.getfixturevalue("district_env")["settings"]
    catalog = published.serving_dir / "catalog.sqlite"
    assert catalog.is_file(), f"nothing published at {catalog}"

    data_dir = tmp_path_factory.mktemp("superset_e2e")
    settings = published.model_copy(
        update={"data_dir": data_dir, "superset_host": "127.0.0.1", "superset_port": _free_port()}
    )
    settings.serving_dir.mkdir(parents=True)
    shutil.copyfile(catalog, settings.serving_dir / "catalog.sqlite")
    (data_dir / "duckdb_extensions").symlink_to(published.data_dir.resolve() / "duckdb_extensions")

    started = time.monotonic()
    superset.init(settings)
    initialised = time.monotonic()
    superset.start(settings)
    print(f"superset init {initialised - started:.1f}s, start {time.monotonic() - initialised:.1f}s")
    try:
        yield settings
    finally:
        superset.stop(settings)


@pytest.fixture(scope="module")
def api(superset_settings: Settings) -> Iterator[httpx.Client]:
    """A REST client logged in as the admin (JWT)."""
    s = superset_settings
    with httpx.Client(base_url=superset.base_url(s), timeout=60) as client:
        resp = client.post(
            "/api/v1/security/login",
            json={"username": s.superset_admin_user, "password": s.superset_admin_password, "provider": "db"},
        )
        resp.raise_for_status()
        client.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
        yield client


def _published(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    con = reader.connect(settings)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _dashboard_charts(api: httpx.Client, slug: str = "minyi-monthly-by-street") -> dict[str, dict[str, Any]]:
    resp = api.get(f"/api/v1/dashboard/{slug}/charts")
    resp.raise_for_status()
    return {chart["slice_name"]: chart for chart in resp.json()["result"]}


def _chart_data(api: httpx.Client, dataset_id: int, columns: list[Any], metrics: list[Any]) -> list[dict[str, Any]]:
    """Run a query through Superset's chart-data API (force: no cache), as the dashboard's charts do."""
    resp = api.post(
        "/api/v1/chart/data",
        json={
            "datasource": {"id": dataset_id, "type": "table"},
            "force": True,
            "queries": [{"columns": columns, "metrics": metrics, "row_limit": 10000, "orderby": []}],
            "result_format": "json",
            "result_type": "full",
        },
    )
    assert resp.status_code == 200, resp.text
    (result,) = resp.json()["result"]
    assert not result.get("error"), result
    return list(result["data"])


def _dataset_id(api: httpx.Client) -> int:
    datasource = _dashboard_charts(api)["各街道按时办结率"]["form_data"]["datasource"]  # "<id>__table"
    return int(str(datasource).split("__")[0])


MONTH_AXIS = {
    "columnType": "BASE_AXIS",
    "expressionType": "SQL",
    "sqlExpression": "month",
    "label": "month",
    "timeGrain": "P1M",
}

# the theme's overrides of every ECharts chart's options, from the page's bootstrap data (superset_config.py)
ECHARTS_OVERRIDES_JS = """
() => JSON.parse(document.getElementById('app').dataset.bootstrap).common.theme.default.echartsOptionsOverrides
"""
# the table chart prints a null as N/A in a cell of class dt-is-null: how the dashboard's CSS draws such a cell
NULL_CELL_JS = """
() => {
  const table = document.createElement('table');
  table.innerHTML = '<tbody><tr><td class="dt-is-null">N/A</td></tr></tbody>';
  document.body.appendChild(table);
  const cell = table.querySelector('td');
  const drawn = [getComputedStyle(cell).fontSize, getComputedStyle(cell, '::after').content];
  table.remove();
  return drawn;
}
"""


def _assert_rendered(title: str, chart_titles: set[str], charts: list[dict[str, Any]]) -> None:
    assert {c["title"] for c in charts} == chart_titles, title
    for chart in charts:
        assert chart["errors"] == 0, f"{title} / {chart['title']} shows an error: {chart['text'][:300]}"
        assert chart["drawn"] > 0 or any(ch.isdigit() for ch in chart["text"]), f"{chart['title']} not drawn"
        empty = [t for t in EMPTY_STATE_TEXTS if t in chart["text"]]
        assert not empty, f"{title} / {chart['title']} is empty: {empty}"


def test_every_dashboard_renders_every_chart_with_data_for_a_leader(superset_settings: Settings) -> None:
    from playwright.sync_api import Response, sync_playwright

    s = superset_settings
    base = superset.base_url(s)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data_responses: list[Response] = []
    console: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100}, locale="zh-CN")
            # chart data: /api/v1/chart/data, and the legacy /superset/explore_json/ the deck.gl map still uses
            page.on("response", lambda r: data_responses.append(r)
                    if "/api/v1/chart/data" in r.url or "/superset/explore_json/" in r.url else None)
            page.on("console", lambda m: console.append(m.text))
            browser_login(page, base, "leader", s.superset_demo_password)
            for slug, title, chart_titles in DASHBOARDS:
                data_responses.clear()
                page.set_viewport_size({"width": 1600, "height": 1100})
                render_dashboard(page, base, slug, len(chart_titles))
                # a full-page screenshot resizes the page, which re-lays the grid out: size it first, wait again
                height = page.evaluate("document.documentElement.scrollHeight")
                page.set_viewport_size({"width": 1600, "height": max(1100, height)})
                page.wait_for_function(ALL_RENDERED_JS, arg=len(chart_titles), timeout=120_000, polling=250)
                page.wait_for_timeout(1_500)  # let the grid settle before the screenshot
                page.screenshot(path=str(ARTIFACTS / f"superset_{slug}.png"), full_page=True)
                # the full-page screenshot may re-lay the grid out again (slowly on a busy machine): read the charts
                # once they are all drawn again, not in the middle of that
                page.wait_for_function(ALL_RENDERED_JS, arg=len(chart_titles), timeout=120_000, polling=250)
                charts = page.evaluate(f"({CHART_STATE_JS})()")
                page_text = page.inner_text("body")
                payloads = [(r.status, r.json()) for r in data_responses]

                assert title in page_text  # Chinese is text on the page, not an image
                _assert_rendered(title, chart_titles, charts)
                # ECharts draws without its entry animation; on a page with a table, a null number reads —, not N/A
                assert page.evaluate(ECHARTS_OVERRIDES_JS) == {"animation": False}, title
                if page.locator('[data-test="chart-container"] table').count():
                    assert page.evaluate(NULL_CELL_JS) == ["0px", f'"{NULL_TEXT}"'], title
                # the very queries the browser ran returned rows
                assert len(payloads) >= len(chart_titles), title
                for status, payload in payloads:
                    assert status == 200, payload
                    if "result" not in payload:  # explore_json: one payload, the layer's features
                        assert not payload.get("error"), payload
                        assert payload["rowcount"] > 0 and payload["data"]["features"], (title, payload.get("query"))
                        continue
                    for result in payload["result"]:
                        assert not result.get("error"), result
                        assert result["rowcount"] > 0, (title, result.get("query"))
            # the UI is in Chinese: the language pack loaded (also before login), the menus are translated
            assert not [m for m in console if "language pack" in m], console
            page.goto(f"{base}/dashboard/list/")
            page.wait_for_selector("text=看板", timeout=30_000)
        finally:
            browser.close()


def test_chromium_has_a_font_for_chinese() -> None:
    """Chromium draws CJK text with the fonts fontconfig offers for zh; without one every character is a box."""
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True).stdout
    assert "Noto Sans CJK" in listed or "Noto Serif CJK" in listed, listed


def test_the_language_pack_is_served_before_login(superset_settings: Settings) -> None:
    resp = httpx.get(f"{superset.base_url(superset_settings)}/superset/language_pack/zh/", timeout=30)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json"), resp.text[:200]
    assert resp.json()["locale_data"]["superset"]["Dashboards"] == ["看板"]


def test_chart_queries_return_the_published_numbers(superset_settings: Settings, api: httpx.Client) -> None:
    s = superset_settings
    dataset_id = _dataset_id(api)

    # 按时办结率 by street: recomputed from sums, one row per street, equal to the published mart's numbers
    expected_rates = dict(
        _published(
            s,
            "select street_name, sum(closed_on_time) / nullif(sum(tickets_due), 0) "
            "from main.agg_tickets_monthly_by_street group by street_name",
        )
    )
    rows = _chart_data(api, dataset_id, ["street_name"], ["on_time_rate"])
    got_rates = {row["street_name"]: row["on_time_rate"] for row in rows}
    assert got_rates.keys() == expected_rates.keys() and len(got_rates) >= 1
    for street, rate in got_rates.items():
        assert rate == pytest.approx(expected_rates[street])
        assert rate is None or 0 <= rate <= 1

    # 事件量 by month and street: every (month, street) cell, same total as the mart
    ((cells, total),) = _published(s, "select count(*), sum(tickets) from main.agg_tickets_monthly_by_street")
    rows = _chart_data(api, dataset_id, [MONTH_AXIS, "street_name"], ["event_count"])
    assert len(rows) == cells
    assert sum(row["event_count"] for row in rows) == total


def test_database_is_read_only_and_follows_each_publish(superset_settings: Settings, api: httpx.Client) -> None:
    """A publish commits a new snapshot to the catalog; Superset's next query sees it without a restart."""
    s = superset_settings
    dataset = api.get(f"/api/v1/dataset/{_dataset_id(api)}").json()["result"]
    database = api.get(f"/api/v1/database/{dataset['database']['id']}").json()["result"]
    assert database["allow_dml"] is False

    ((total,),) = _published(s, "select sum(tickets) from main.agg_tickets_monthly_by_street")
    writer = reader.open_connection(s)
    try:
        # the copied catalog keeps the published lake's data path: new files go beside the published ones
        writer.execute(f"attach 'ducklake:{s.serving_catalog_uri}' as govlake")
        writer.execute("update govlake.main.agg_tickets_monthly_by_street set tickets = tickets * 2")  # a publish
        rows = _chart_data(api, _dataset_id(api), [], ["event_count"])
        assert rows[0]["event_count"] == 2 * total
        writer.execute("update govlake.main.agg_tickets_monthly_by_street set tickets = tickets // 2")
    finally:
        writer.close()
    rows = _chart_data(api, _dataset_id(api), [], ["event_count"])
    assert rows[0]["event_count"] == total


def _login(settings: Settings, username: str, password: str) -> contextlib.closing[httpx.Client]:
    """A REST client logged in as USERNAME, closed when its `with` block ends."""
    client = httpx.Client(base_url=superset.base_url(settings), timeout=60)
    resp = client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db"})
    assert resp.status_code == 200, f"{username}: {resp.text}"
    client.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    return contextlib.closing(client)


def _sql_lab(client: httpx.Client, database_id: int, sql: str) -> httpx.Response:
    csrf = client.get("/api/v1/security/csrf_token/")
    if csrf.status_code != 200:  # a user without SQL Lab may not even get a token
        return csrf
    client.headers["X-CSRFToken"] = csrf.json()["result"]
    return client.post("/api/v1/sqllab/execute/",
                       json={"database_id": database_id, "sql": sql, "schema": "main", "runAsync": False})


COUNT_ROWS = {"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "rows"}


def _street_charts(api: httpx.Client) -> list[tuple[str, str, int]]:
    """(dashboard slug, chart title, dataset id) of every chart whose dataset carries street_code."""
    found = []
    columns: dict[int, set[str]] = {}
    for slug, _, _ in DASHBOARDS:
        for title, chart in _dashboard_charts(api, slug).items():
            dataset_id = int(str(chart["form_data"]["datasource"]).split("__")[0])
            if dataset_id not in columns:
                result = api.get(f"/api/v1/dataset/{dataset_id}").json()["result"]
                columns[dataset_id] = {c["column_name"] for c in result["columns"]}
            if "street_code" in columns[dataset_id]:
                found.append((slug, title, dataset_id))
    return found


def test_a_street_officer_sees_only_their_street_and_no_sql_lab(superset_settings: Settings,
                                                                 api: httpx.Client) -> None:
    from playwright.sync_api import sync_playwright

    s = superset_settings
    street_charts = _street_charts(api)
    assert len(street_charts) > 20  # most charts are over a dataset with street_code
    datasets = {dataset_id for _, _, dataset_id in street_charts}
    for dataset_id in datasets:  # the admin (and a leader) sees every street with rows
        assert len(_chart_data(api, dataset_id, ["street_code"], [COUNT_ROWS])) > 1, dataset_id
    with _login(s, "leader", s.superset_demo_password) as leader:
        for dataset_id in datasets:
            assert len(_chart_data(leader, dataset_id, ["street_code"], [COUNT_ROWS])) > 1, dataset_id
    cockpit = _dashboard_charts(api, "cockpit")
    ranking_dataset = int(str(cockpit["街道排名"]["form_data"]["datasource"]).split("__")[0])
    database_id = api.get(f"/api/v1/dataset/{ranking_dataset}").json()["result"]["database"]["id"]
    with _login(s, "street_440309006", s.superset_demo_password) as guanlan:
        seen = 0
        for slug, title, dataset_id in street_charts:
            rows = _chart_data(guanlan, dataset_id, ["street_code", "street_name"], [COUNT_ROWS])
            streets = {(r["street_code"], r["street_name"]) for r in rows}
            assert streets <= {GUANLAN}, (slug, title, streets)  # (a small district may have none of a kind)
            seen += bool(streets)
        assert seen > 0.9 * len(street_charts)
        ranking = _chart_data(guanlan, ranking_dataset, ["street_name"], ["on_time_rate", "event_count"])
        assert [r["street_name"] for r in ranking] == ["观澜"]
        refused = _sql_lab(guanlan, database_id, "select count(*) from agg_tickets_monthly")
        assert refused.status_code in (401, 403), refused.text

    # and in the browser: the cockpit's street ranking has one row, 观澜
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100}, locale="zh-CN")
            browser_login(page, superset.base_url(s), "street_440309006", s.superset_demo_password)
            cockpit_titles = next(t for slug, _, t in DASHBOARDS if slug == "cockpit")
            render_dashboard(page, superset.base_url(s), "cockpit", len(cockpit_titles))
            page.wait_for_timeout(1_000)
            page.screenshot(path=str(ARTIFACTS / "superset_cockpit_street_440309006.png"), full_page=True)
            ranking_rows = page.evaluate("""() => {
              const holder = [...document.querySelectorAll('[data-test="chart-grid-component"]')]
                .find(h => h.querySelector('[data-test="editable-title"]')?.innerText.trim() === '街道排名');
              return [...holder.querySelectorAll('tbody tr')].map(tr => tr.innerText);
            }""")
        finally:
            browser.close()
    assert len(ranking_rows) == 1 and "观澜" in ranking_rows[0], ranking_rows


def test_an_analyst_reads_the_snapshot_in_sql_lab_and_cannot_write(superset_settings: Settings,
                                                                   api: httpx.Client) -> None:
    s = superset_settings
    dataset_id = _dataset_id(api)
    database_id = api.get(f"/api/v1/dataset/{dataset_id}").json()["result"]["database"]["id"]
    ((total,),) = _published(s, "select sum(tickets) from main.agg_tickets_monthly_by_street")
    with _login(s, "analyst", s.superset_demo_password) as analyst:
        read = _sql_lab(analyst, database_id, "select sum(tickets) as total from agg_tickets_monthly_by_street")
        assert read.status_code == 200, read.text
        assert read.json()["data"][0]["total"] == total
        write = _sql_lab(analyst, database_id, "create table stolen as select 1 as x")
        assert write.status_code >= 400 or write.json().get("status") == "failed", write.text
        # nothing but queries, and no file: statements Superset's DML check lets through are refused too (the
        # process's connections also share one DuckDB, whose configuration a SET would change for everyone)
        for statement in ("copy (select 1 as x) to 'stolen.csv'", "attach ':memory:' as other", "load httpfs",
                          "set global memory_limit = '1MB'", "use memory; detach govlake", "call pragma_version()",
                          "select * from read_csv('/etc/passwd')", "select * from glob('/*')"):
            refused = _sql_lab(analyst, database_id, statement)
            assert refused.status_code >= 400 or refused.json().get("status") == "failed", (statement, refused.text)
        again = _sql_lab(analyst, database_id, "select sum(tickets) as total from agg_tickets_monthly_by_street")
        assert again.status_code == 200 and again.json()["data"][0]["total"] == total, again.text
    assert not _published(s, "select * from information_schema.tables where table_name = 'stolen'")


def test_an_engineer_sees_data_quality_with_data_runs_sql_lab_and_no_other_dashboard(
        superset_settings: Settings, api: httpx.Client) -> None:
    """`engineer` (access.py): the data-quality datasets only, so the 数据质量 dashboard, and SQL Lab on them."""
    from playwright.sync_api import sync_playwright

    s = superset_settings
    base = superset.base_url(s)
    quality_titles = next(t for slug, _, t in DASHBOARDS if slug == "data-quality")
    database_id = api.get("/api/v1/database/").json()["result"][0]["id"]
    ((batches,),) = _published(s, "select count(*) from main.fct_ingestion_batches")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100}, locale="zh-CN")
            browser_login(page, base, "engineer", s.superset_demo_password)
            # the dashboard list offers 数据质量 and nothing else
            listed = page.request.get(f"{base}/api/v1/dashboard/?q=(page_size:100)").json()["result"]
            assert [d["slug"] for d in listed] == ["data-quality"], listed
            render_dashboard(page, base, "data-quality", len(quality_titles))
            page.wait_for_timeout(1_500)
            page.screenshot(path=str(ARTIFACTS / "superset_data-quality_engineer.png"), full_page=True)
            charts = page.evaluate(f"({CHART_STATE_JS})()")
            assert {c["title"] for c in charts} == quality_titles
            for chart in charts:
                assert chart["errors"] == 0, f"{chart['title']}: {chart['text'][:300]}"
            numbers = {c["title"]: c["text"].strip() for c in charts}
            assert numbers["批次数"].replace(",", "") == str(batches), numbers["批次数"]
            # every other dashboard is not found for them, in the browser and through the API
            for slug, _, _ in DASHBOARDS:
                if slug == "data-quality":
                    continue
                assert page.request.get(f"{base}/api/v1/dashboard/{slug}").status == 404, slug
                page.goto(f"{base}/superset/dashboard/{slug}/")
                page.wait_for_load_state("networkidle")
                assert not page.query_selector('[data-test="chart-grid-component"]'), slug
            # SQL Lab, in the same browser session: a select on a quality mart runs, one on another mart is refused
            page.goto(f"{base}/sqllab/")
            page.wait_for_selector("text=SQL", timeout=60_000)
            csrf = page.request.get(f"{base}/api/v1/security/csrf_token/").json()["result"]

            def run(sql: str) -> Any:
                return page.request.post(f"{base}/api/v1/sqllab/execute/", headers={"X-CSRFToken": csrf},
                                         data={"database_id": database_id, "sql": sql, "schema": "main",
                                               "runAsync": False})

            read = run("select count(*) as n from fct_ingestion_batches")
            assert read.status == 200, read.text()
            assert read.json()["data"][0]["n"] == batches
            refused = run("select count(*) as n from agg_tickets_monthly")
            assert refused.status >= 400, refused.text()
            assert "agg_tickets_monthly" in refused.text()
        finally:
            browser.close()


def test_access_is_idempotent(superset_settings: Settings) -> None:
    """A second init with nothing changed re-imports nothing; forcing it changes no user or rule."""
    started = time.monotonic()
    superset.init(superset_settings)
    assert time.monotonic() - started < 5  # nothing to do: the marker says the bundle and access are current


def _export(api: httpx.Client) -> dict[str, str]:
    """Every dashboard exported (with its charts, datasets and database): file name -> text."""
    ids = [d["id"] for d in api.get("/api/v1/dashboard/", params={"q": "(page_size:100)"}).json()["result"]]
    resp = api.get("/api/v1/dashboard/export/", params={"q": f"!({','.join(map(str, sorted(ids)))})"})
    assert resp.status_code == 200, resp.text[:500]
    with zipfile.ZipFile(io.BytesIO(resp.content)) as zf:
        return {name.split("/", 1)[1]: zf.read(name).decode() for name in zf.namelist()
                if not name.endswith("metadata.yaml")}


def _counts(api: httpx.Client) -> dict[str, int]:
    return {what: api.get(f"/api/v1/{what}/", params={"q": "(page_size:1)"}).json()["count"]
            for what in ("dashboard", "chart", "dataset", "rowlevelsecurity")}


def test_a_second_import_changes_nothing_and_an_export_imports_back(superset_settings: Settings,
                                                                    api: httpx.Client) -> None:
    s = superset_settings
    before, counts = _export(api), _counts(api)
    assert counts["dashboard"] == len(DASHBOARDS)
    superset.import_assets(s)  # the bundle and the access rules again, unconditionally
    assert _export(api) == before
    assert _counts(api) == counts

    # the export, imported back, is the same installation
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in before.items():
            zf.writestr(f"roundtrip/{name}", text)
        zf.writestr("roundtrip/metadata.yaml", "version: 1.0.0\ntype: Dashboard\ntimestamp: '2026-01-01T00:00:00'\n")
    csrf = api.get("/api/v1/security/csrf_token/").json()["result"]
    resp = api.post("/api/v1/dashboard/import/", headers={"X-CSRFToken": csrf},
                    files={"formData": ("roundtrip.zip", buffer.getvalue(), "application/zip")},
                    data={"overwrite": "true"})
    assert resp.status_code == 200, resp.text
    assert _export(api) == before
    assert _counts(api) == counts
