"""The simulated REST upstreams over real HTTP: paging, updated_since, auth, 429 + Retry-After, injected 5xx."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import polars as pl
import pytest

from simulator.context import SimContext
from simulator.systems import community, video
from simulator.upstream_http import start

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
TOKEN = "t-all"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("upstream")
    ctx = SimContext(scale=0.01, seed=9, out=out, as_of=datetime(2024, 12, 31, 23, 59, 59))
    community.generate(ctx)
    video.generate(ctx)
    return out


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    tokens = {TOKEN: ["community", "video"], "t-video": ["video"]}
    with start(data_dir, token=tokens, rate_limit_per_s=0) as s:
        yield s.url


def _all_pages(client: httpx.Client, url: str, **params: object) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    page = 1
    while True:
        r = client.get(url, params={**params, "page": page}, headers=AUTH)
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        items += data["items"]
        if page >= data["pages"]:
            assert len(items) == data["total"]
            return items
        page += 1


@pytest.mark.parametrize("resource,file,key,size", [("apps", "apps", "app_id", 4),
                                                    ("app-record-counts", "app_record_counts", "stat_id", 997),
                                                    ("work-stats", "work_stats", "stat_id", 5000)])
def test_paging_returns_every_row_exactly_once(server: str, data_dir: Path, resource: str, file: str, key: str,
                                               size: int) -> None:
    with httpx.Client(base_url=server) as c:
        items = _all_pages(c, f"/api/workbench/v1/{resource}", page_size=size)
    served = pl.DataFrame(items)
    stored = pl.read_parquet(data_dir / "community" / f"{file}.parquet")
    assert served.height == stored.height
    # duplicates planted in the source stay duplicates; every other row comes exactly once
    assert sorted(served[key].to_list()) == sorted(stored[key].to_list())
    stamps = served["updated_at"].to_list()
    assert stamps == sorted(stamps)  # stable (updated_at, key) order


def test_updated_since_is_inclusive_and_complete(server: str, data_dir: Path) -> None:
    stored = pl.read_parquet(data_dir / "community" / "app_record_counts.parquet")
    since = datetime(2024, 11, 15, 23, 30)
    with httpx.Client(base_url=server) as c:
        items = _all_pages(c, "/api/workbench/v1/app-record-counts", page_size=500,
                           updated_since=since.isoformat())
    expected = stored.filter(pl.col("updated_at") >= since)
    assert len(items) == expected.height > 0
    assert min(str(i["updated_at"]) for i in items) == "2024-11-15T23:30:00"


def test_video_status_cursor_pages_cover_the_day(server: str, data_dir: Path) -> None:
    with httpx.Client(base_url=server, headers={"Authorization": "Bearer t-video"}) as c:
        dates = c.get("/api/video/v1/status/dates").json()["data"]["items"]
        assert len(dates) == 366 and dates[0] == "2024-01-01"
        got: list[dict[str, object]] = []
        r = c.get("/api/video/v1/status", params={"date": "2024-03-15", "limit": 100}).json()["data"]
        got += r["items"]
        while r["next_cursor"]:
            r = c.get("/api/video/v1/status", params={"cursor": r["next_cursor"], "limit": 100}).json()["data"]
            got += r["items"]
        assert c.get("/api/video/v1/status", params={"date": "2023-01-01"}).status_code == 404
        assert c.get("/api/video/v1/status", params={"cursor": "%%%"}).status_code == 400
    lines = [json.loads(x) for x in gzip.decompress(
        (data_dir / "video" / "status" / "2024-03-15.jsonl.gz").read_bytes()).splitlines()]
    assert got == lines


def test_auth_missing_invalid_and_out_of_scope(server: str) -> None:
    with httpx.Client(base_url=server) as c:
        assert c.get("/health").status_code == 200
        r = c.get("/api/workbench/v1/apps")
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.json()["code"] == 40100
        r = c.get("/api/workbench/v1/apps", headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401 and "invalid_token" in r.headers["WWW-Authenticate"]
        r = c.get("/api/workbench/v1/apps", headers={"Authorization": "Bearer t-video"})
        assert r.status_code == 403 and r.json()["message"]
        r = c.get("/api/workbench/v1/nope", headers=AUTH)
        assert r.status_code == 404 and r.json()["code"] == 40400
        assert c.get("/api/workbench/v1/apps", params={"page_size": 0}, headers=AUTH).status_code == 400


def test_rate_limit_answers_429_with_retry_after(data_dir: Path) -> None:
    with start(data_dir, token=TOKEN, rate_limit_per_s=5) as s, httpx.Client(base_url=s.url, headers=AUTH) as c:
        codes = [c.get("/api/workbench/v1/tasks", params={"page_size": 1}) for _ in range(12)]
        limited = [r for r in codes if r.status_code == 429]
        assert limited and codes[0].status_code == 200
        assert int(limited[0].headers["Retry-After"]) >= 1 and limited[0].json()["code"] == 42900
        time.sleep(int(limited[0].headers["Retry-After"]))
        assert c.get("/api/workbench/v1/tasks", params={"page_size": 1}).status_code == 200


def test_injected_5xx_are_deterministic_and_a_retry_succeeds(data_dir: Path) -> None:
    def statuses(seed: int) -> list[int]:
        with start(data_dir, token=TOKEN, rate_limit_per_s=0, error_rate=0.3, seed=seed) as s, \
                httpx.Client(base_url=s.url, headers=AUTH) as c:
            return [c.get("/api/workbench/v1/apps", params={"page": p, "page_size": 10}).status_code
                    for p in range(1, 31)]

    a = statuses(1)
    assert a == statuses(1) and a != statuses(2)
    failures = [x for x in a if x >= 500]
    assert 3 <= len(failures) <= 18 and set(failures) <= {500, 502, 503}
    # a client that retries gets every page
    with start(data_dir, token=TOKEN, rate_limit_per_s=0, error_rate=0.3, seed=1) as s, \
            httpx.Client(base_url=s.url, headers=AUTH) as c:
        for page in range(1, 31):
            for _ in range(10):
                r = c.get("/api/workbench/v1/apps", params={"page": page, "page_size": 10})
                if r.status_code == 200:
                    break
                assert r.json()["code"] == r.status_code * 100
            assert r.status_code == 200


def test_cli_entry_point_serves_until_stopped(data_dir: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "simulator.upstream_http", "--data-dir", str(data_dir),
                             "--port", str(port), "--token", "cli"], cwd=REPO)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/workbench/v1/indicators",
                              headers={"Authorization": "Bearer cli"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["data"]["total"] == 9
    finally:
        proc.terminate()
        assert proc.wait(10) is not None
