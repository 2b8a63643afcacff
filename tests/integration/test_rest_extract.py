"""The REST connector against the simulated upstream server: every row once, through 5xx, 429 and a crash."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from common.lake import LocalLake
from ingestion.rest_extract import PagedEndpoint, RestClient, RestError, fetch_to_landing, landed_rows
from simulator import upstream_http

pytestmark = pytest.mark.integration
TOKEN = "test-token"
APPS = PagedEndpoint("/api/workbench/v1/apps", style="page", page_size=40)
STATUS = PagedEndpoint("/api/video/v1/status", style="cursor", page_size=50, size_param="limit")


@pytest.fixture(scope="module")
def upstream_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("upstream")
    (root / "community").mkdir()
    base = datetime(2024, 1, 1)
    pl.DataFrame({
        "app_id": [f"APP{i:05d}" for i in range(1, 501)],
        "app_name": [f"社区应用{i}" for i in range(1, 501)],
        "updated_at": [base + timedelta(hours=7 * i) for i in range(500)],
    }).write_parquet(root / "community" / "apps.parquet")
    (root / "video" / "status").mkdir(parents=True)
    lines = "\n".join(json.dumps({"device_id": f"44030900001310000{i:03d}", "status": "online"}) for i in range(230))
    (root / "video" / "status" / "2024-03-01.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    return root


def _client(server: upstream_http.UpstreamServer, token: str = TOKEN, **kw: float) -> RestClient:
    return RestClient(server.url, token, base_delay=0.01, max_delay=2.0, **kw)  # type: ignore[arg-type]


def test_every_row_exactly_once_through_injected_5xx(upstream_data: Path, tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    with upstream_http.start(upstream_data, token=TOKEN, rate_limit_per_s=0, error_rate=0.3, seed=1) as server:
        client = _client(server)
        pages = fetch_to_landing(client, APPS, {}, lake, "landing/community/apps/b1")
    rows = landed_rows(lake, "landing/community/apps/b1")
    assert pages == 13
    assert rows.height == 500 and rows["app_id"].n_unique() == 500
    assert client.attempts_made > pages, "the 5xx answers were retried"


def test_updated_since_and_cursor_paging(upstream_data: Path, tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    with upstream_http.start(upstream_data, token=TOKEN, rate_limit_per_s=0) as server:
        client = _client(server)
        fetch_to_landing(client, APPS, {"updated_since": "2024-03-01T00:00:00"}, lake, "l/apps")
        fetch_to_landing(client, STATUS, {"date": "2024-03-01"}, lake, "l/status")
    apps = landed_rows(lake, "l/apps")
    assert apps.height == sum(datetime(2024, 1, 1) + timedelta(hours=7 * i) >= datetime(2024, 3, 1) for i in range(500))
    status = landed_rows(lake, "l/status")
    assert status.height == 230 and status["device_id"].n_unique() == 230


def test_rate_limit_is_honoured_with_retry_after(upstream_data: Path, tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    with upstream_http.start(upstream_data, token=TOKEN, rate_limit_per_s=5) as server:
        client = _client(server)
        pages = fetch_to_landing(client, APPS, {}, lake, "l/apps")
    assert pages == 13 and landed_rows(lake, "l/apps").height == 500
    assert client.attempts_made > pages and client.waited >= 1.0, "429s were answered by waiting Retry-After"


def test_a_refused_token_fails_at_once_with_the_upstreams_reason(upstream_data: Path, tmp_path: Path) -> None:
    with upstream_http.start(upstream_data, token=TOKEN, rate_limit_per_s=0) as server:
        client = _client(server, token="wrong")
        with pytest.raises(RestError, match="401.*invalid token"):
            fetch_to_landing(client, APPS, {}, LocalLake(tmp_path / "lake"), "l/apps")
    assert client.attempts_made == 1


def test_a_batch_that_died_mid_way_resumes_after_its_last_page(upstream_data: Path, tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    with upstream_http.start(upstream_data, token=TOKEN, rate_limit_per_s=0) as server:
        dying = _client(server)
        real_get = dying.get_json
        calls = {"n": 0}

        def get_then_die(path: str, params: dict[str, object]) -> dict[str, object]:
            calls["n"] += 1
            if calls["n"] > 5:
                raise ConnectionError("network gone")
            return real_get(path, params)

        dying.get_json = get_then_die  # type: ignore[method-assign]
        with pytest.raises(ConnectionError):
            fetch_to_landing(dying, APPS, {}, lake, "l/apps")
        assert len(lake.list("l/apps")) == 5

        resumed = _client(server)
        assert fetch_to_landing(resumed, APPS, {}, lake, "l/apps") == 13
    assert resumed.attempts_made == 8, "only the missing pages were asked for"
    rows = landed_rows(lake, "l/apps")
    assert rows.height == 500 and rows["app_id"].n_unique() == 500
