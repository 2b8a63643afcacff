"""Publishing: readers never see a half-built state or a lock error; a failed build never replaces what is served."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from common import processes
from tests.conftest import REPO, build_slice, free_port, run_govlake

pytestmark = pytest.mark.integration
URL = "/v1/marts/tickets-monthly-by-street"


def _total(data_dir: Path) -> int:
    con = duckdb.connect(str(data_dir / "serving" / "govlake.duckdb"), read_only=True)
    try:
        return int(con.execute("select sum(tickets) from agg_tickets_monthly_by_street").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


@pytest.fixture
def slice_with_api(tmp_path: Path) -> Any:
    """A slice published as of mid-year, and a real API server (uvicorn) on a free port reading it."""
    built = build_slice(tmp_path, scale="0.003", **{})
    env = dict(built["env"])
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.003", "--as-of", "2024-06-30T00:00:00")
    shutil.rmtree(tmp_path / "lake")  # start the lake again from the mid-year state
    # a lake started again needs the incremental models rebuilt from scratch, as after any reset of the inputs
    for args in (("ingest", "--all"), ("transform", "--full-refresh"), ("publish",)):
        run_govlake(env, *args)
    port = free_port()
    run_dir = tmp_path / "run"
    processes.start(run_dir, "api", [sys.executable, "-m", "uvicorn", "services.api.main:app", "--host", "127.0.0.1",
                                     "--port", str(port)], env=env, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    try:
        processes.wait_http(f"{base}/health", timeout=60)
        yield {"env": env, "base": base, "data_dir": tmp_path}
    finally:
        processes.stop(run_dir, "api")


def test_readers_see_the_old_or_the_new_snapshot_never_a_partial_one(slice_with_api: dict[str, Any]) -> None:
    env, base, data_dir = slice_with_api["env"], slice_with_api["base"], slice_with_api["data_dir"]
    before = _total(data_dir)
    seen: Counter[tuple[str, int]] = Counter()
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + 300  # bounded even if the writer hangs
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    r = client.get(URL, params={"limit": 1000})
                    if r.status_code != 200:
                        errors.append(f"{r.status_code}: {r.text[:200]}")
                        continue
                    body = r.json()
                    seen[(body["snapshot"], sum(i["tickets"] for i in body["items"]))] += 1
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        # the second half of the year arrives; transform and publish run while the readers read
        run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.003")
        for args in (("ingest", "--all"), ("transform",), ("publish",)):
            run_govlake(env, *args)
        time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join()
    after = _total(data_dir)
    assert not errors, errors[:5]
    assert after > before
    totals = {total for _, total in seen}
    assert totals <= {before, after}, f"a reader saw a total that is neither snapshot's: {totals - {before, after}}"
    assert {before, after} <= totals, "readers must have read both snapshots"
    assert sum(seen.values()) > 20


def test_a_failed_build_leaves_the_published_snapshot_serving(tmp_path: Path) -> None:
    built = build_slice(tmp_path, scale="0.002")
    env = built["env"]
    served = (tmp_path / "serving" / "govlake.duckdb").resolve()
    before = _total(tmp_path)
    shutil.rmtree(tmp_path / "lake" / "bronze" / "minyi" / "tickets")  # the build now cannot read its input

    # no new batch arrived, so a daily `transform` would have nothing to do: rebuild from the lake
    transform = subprocess.run([sys.executable, "-m", "govlake.cli", "transform", "--full-refresh"], env=env,
                               capture_output=True, text=True, check=False)
    assert transform.returncode == 1
    assert "previous snapshot is still served" in transform.stderr
    publish = subprocess.run([sys.executable, "-m", "govlake.cli", "publish"], env=env, capture_output=True,
                             text=True, check=False)
    assert publish.returncode == 1
    assert "last `govlake transform` failed" in publish.stderr
    assert (tmp_path / "serving" / "govlake.duckdb").resolve() == served
    assert _total(tmp_path) == before
