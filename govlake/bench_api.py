"""The marts API under load, for `govlake bench`: ~200 requests/s for 60 s on loopback over a mix of endpoints,
with a publish in the middle.

The API runs as `govlake serve api` would (uvicorn, one worker per core) on a free port of the bench's data dir,
with a key of its own. Requests are sent on an open-loop schedule (request i at start + i / rate) by a pool of
threads with keep-alive clients, so a slow answer does not slow the offered load. Each answer's snapshot id (its
`X-Snapshot` header or `snapshot` field) is recorded: after the publish's commit returned, how
soon the first answer carried the new snapshot, and when the last answer still carrying the old one was sent.
"""

from __future__ import annotations

import contextlib
import gc
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from common import processes
from common.settings import Settings

# the load runs around a second run of this stage, from the same catalog state (govlake/bench.py): it lands mid-run
AROUND_STAGE = "publish (next day)"
RATE = 200.0
SECONDS = 60.0
THREADS = 24
WARM_UP_TIMES = 6
STREETS = [f"4403090{n:02d}" for n in range(1, 7)]
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
# (weight, path template): a list, filtered marts, the indicator values, Open311
MIX: list[tuple[int, str]] = [
    (1, "/v1/marts"),
    (4, "/v1/marts/tickets-monthly-by-street?street_code={street}&month={month}"),
    (2, "/v1/marts/tickets?street_code={street}&created_month={month}&limit=50"),
    (1, "/v1/marts/tickets-daily?street_code={street}&date_from={month}-01&date_to={month}-07&format=parquet"),
    (3, "/v1/kpi?period={month}&area_code={street}"),
    (2, "/open311/v2/requests.json?page_size=50&status=closed"),
    (1, "/open311/v2/services.json"),
]


@dataclass
class Sample:
    sent: float  # wall clock (time.time) when sent
    ms: float
    status: int
    snapshot: str | None
    path: str


def _paths(n: int, seed: int = 19) -> list[str]:
    rng = random.Random(seed)
    templates = [t for w, t in MIX for _ in range(w)]
    return [rng.choice(templates).format(street=rng.choice(STREETS), month=rng.choice(MONTHS)) for _ in range(n)]


def _snapshot(response: httpx.Response) -> str | None:
    if "x-snapshot" in response.headers:
        return response.headers["x-snapshot"]
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict) and "snapshot" in body:
            return str(body["snapshot"])
    return None


def _drive(clients: list[httpx.Client], paths: list[str], rate: float, samples: list[Sample],
           errors: list[str]) -> None:
    """Send PATHS on the open-loop schedule, one thread per client (CLIENTS: kept across runs, so that a run pays
    neither making clients nor opening connections: a new httpx client costs the client process ~20-50 ms of CPU,
    which a timed run would bill to the API's first answers)."""
    start = time.perf_counter() + 0.2
    wall = time.time() - time.perf_counter()
    lock = threading.Lock()
    counter = iter(range(len(paths)))

    def worker(client: httpx.Client) -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            try:
                response = client.get(paths[i])
                took = (time.perf_counter() - sent) * 1000
                sample = Sample(wall + sent, took, response.status_code, _snapshot(response), paths[i])
            except httpx.HTTPError as exc:
                sample = Sample(wall + sent, (time.perf_counter() - sent) * 1000, 0, None, paths[i])
                with lock:
                    errors.append(f"{paths[i]}: {exc!r}")
            with lock:
                samples.append(sample)

    threads = [threading.Thread(target=worker, args=(client,), daemon=True) for client in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _window(samples: list[Sample], start: float, end: float) -> dict[str, Any]:
    ms = [s.ms for s in samples if start <= s.sent < end]
    return {"requests": len(ms), "p50_ms": round(statistics.median(ms), 2) if ms else None,
            "p99_ms": round(_percentile(ms, 0.99), 2) if ms else None}


def summarise(samples: list[Sample], errors: list[str], seconds: float, old: str | None, new: str | None,
              committed: float | None, publish: tuple[float, float] | None = None) -> dict[str, Any]:
    """The figures of a run; PUBLISH: when the publish ran (wall clock), to split the latencies around it."""
    ms = [s.ms for s in samples]
    failed = [s for s in samples if s.status not in (200, 304)]
    report: dict[str, Any] = {
        "requests": len(samples), "seconds": round(seconds, 1), "rate_per_s": round(len(samples) / seconds, 1),
        "p50_ms": round(statistics.median(ms), 2) if ms else None, "p99_ms": round(_percentile(ms, 0.99), 2),
        "max_ms": round(max(ms), 1) if ms else None, "errors": len(failed),
        "error_examples": sorted({f"{s.status} {s.path}" for s in failed})[:5] + errors[:3],
        "snapshot_before": old, "snapshot_after": new,
    }
    by_path: dict[str, list[float]] = {}
    for s in samples:
        by_path.setdefault(s.path.split("?")[0], []).append(s.ms)
    report["p99_ms_by_endpoint"] = {p: round(_percentile(v, 0.99), 2) for p, v in sorted(by_path.items())}
    if publish is not None:
        report["by_window"] = {"before the publish": _window(samples, 0, publish[0]),
                               "during the publish": _window(samples, *publish),
                               "after the publish": _window(samples, publish[1], float("inf"))}
    if committed is not None and new is not None and new != old:
        first_new = min((s.sent + s.ms / 1000 for s in samples if s.snapshot == new), default=None)
        last_old = max((s.sent for s in samples if s.snapshot == old and s.sent > committed), default=committed)
        report["new_snapshot_first_served_s"] = round(first_new - committed, 3) if first_new else None
        report["old_snapshot_last_sent_s"] = round(last_old - committed, 3)
    return report


def _key(settings: Settings, env: dict[str, str]) -> str:
    from services.api.keystore import KeyStore

    store = KeyStore(env["API_KEY_STORE"])
    try:
        return store.create("govlake bench", "admin", rate_limit=1_000_000)[1]
    finally:
        store.close()


def _latest(settings: Settings) -> str | None:
    """The id of the newest published snapshot."""
    from serving.reader import Reader

    reader = Reader(settings)
    try:
        return str(reader.snapshots()[-1].id)
    finally:
        reader.close()


def _committed_at(settings: Settings) -> float | None:
    """When the last publish's commit returned (a DuckLake snapshot's own time is its transaction's start, before
    the publish wrote anything: counting from it would bill the publish's writes to the API)."""
    import json
    from datetime import datetime

    from serving.publish import last_publish_path

    path = last_publish_path(settings)
    committed = json.loads(path.read_text()).get("committed_at") if path.exists() else None
    return datetime.fromisoformat(committed).timestamp() if committed else None


def _warm_ups(url: str, committed: float | None, asks: int = 20) -> list[dict[str, Any]]:
    """Each worker's last warm-up (`/health`), asked on new connections until every worker has answered (the kernel
    picks the worker of a connection), with how long after the commit it switched to the new snapshot."""
    found: dict[int, dict[str, Any]] = {}
    for _ in range(asks):
        with contextlib.suppress(httpx.HTTPError, ValueError, TypeError):
            warmed = httpx.get(f"{url}/health", timeout=10).json().get("warm_up") or {}
            if "worker" in warmed:
                if committed is not None and warmed.get("switched_at"):
                    warmed["switched_s_after_commit"] = round(warmed["switched_at"] - committed, 3)
                    if warmed.get("seen_at"):  # its poll saw the commit (then the carry-over and warm-up)
                        warmed["seen_s_after_commit"] = round(warmed["seen_at"] - committed, 3)
                found[warmed["worker"]] = warmed
        if len(found) >= (os.cpu_count() or 1):
            break
    return list(found.values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def api_load(settings: Settings, env: dict[str, str], report: dict[str, Any], rate: float = RATE,
             seconds: float = SECONDS) -> Iterator[None]:
    """Serve the API and drive it for SECONDS; the body (a publish) runs from mid-way; REPORT gets the figures."""
    port = _free_port()
    api_dir = settings.data_dir / "api"
    api_dir.mkdir(parents=True, exist_ok=True)
    env = {**env, "API_KEY_STORE": f"sqlite:///{(api_dir / 'bench-keys.sqlite').resolve()}",
           "API_AUDIT_DIR": str(api_dir / "bench-audit")}
    token = _key(settings, env)
    log = (api_dir / "bench-api.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.api.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(os.cpu_count() or 1), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    stack = contextlib.ExitStack()
    try:
        url = f"http://127.0.0.1:{port}"
        processes.wait_http(f"{url}/health", timeout=60)
        old = _latest(settings)
        paths = _paths(int(rate * seconds))
        # a served API is warm: before the timed run, each distinct request six times (the kernel picks each
        # connection's worker, so a request sent twice can reach the same worker both times and miss in the other
        # during the timed run), reported apart as what a just-started API answers
        clients = [stack.enter_context(httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                                    timeout=10.0)) for _ in range(THREADS)]
        warm: list[Sample] = []
        _drive(clients, sorted(set(paths)) * WARM_UP_TIMES, max(rate, 300.0), warm, [])
        report["warm_up_pass"] = {"requests": len(warm), "times_each": WARM_UP_TIMES,
                                  "p99_ms": round(_percentile([w.ms for w in warm], 0.99), 2),
                                  "max_ms": round(max((w.ms for w in warm), default=0.0), 1)}
        gc.freeze()  # this client's own garbage collections are not the API's latency
        samples: list[Sample] = []
        errors: list[str] = []
        driver = threading.Thread(target=_drive, args=(clients, paths, rate, samples, errors), daemon=True)
        began = time.perf_counter()
        driver.start()
        time.sleep(seconds / 2)
        publish_started = time.time()
        yield  # the publish
        publish_ended = time.time()
        driver.join()
        elapsed = time.perf_counter() - began
        new = _latest(settings)
        report.update(summarise(samples, errors, elapsed, old, new, _committed_at(settings) if new != old else None,
                                (publish_started, publish_ended)))
        report["workers"] = os.cpu_count() or 1
        report["warm_up_by_worker"] = _warm_ups(url, _committed_at(settings) if new != old else None)
        report["target"] = "p99 < 20 ms, 0 errors, the new snapshot served within 1 s (at scale 1.0)"
    finally:
        stack.close()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
