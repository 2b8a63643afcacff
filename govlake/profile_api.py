"""The API's CPU cost per request, endpoint by endpoint: `python -m govlake.profile_api` (DATA_DIR published).

Wall-clock latency on a shared machine measures the neighbours; CPU time spent by the server process does not. One
uvicorn worker serves the bench's mix (govlake/bench_api.py) to a single client, one request at a time; the server's
user + system CPU time (/proc/<pid>/stat) is read around each endpoint's requests:

- `miss`: every distinct request of the bench's mix once, on a fresh snapshot (the caches hold nothing of it: what
  the first second after a publish costs);
- `hit`: the same requests again (what the steady state costs: the answers are cached per snapshot).

Prints a table and JSON: CPU ms per request for each endpoint and pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from common import processes
from common.settings import get_settings
from govlake.bench_api import MIX, MONTHS, STREETS, _free_port

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def distinct_paths(template: str) -> list[str]:
    return sorted({template.format(street=s, month=m) for s in STREETS for m in MONTHS})


def profile(repeat: int = 3) -> dict[str, dict[str, float]]:
    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="govlake-profile-") as tmp:
        env = {**os.environ, "API_KEY_STORE": f"sqlite:///{tmp}/keys.sqlite", "API_AUDIT_DIR": f"{tmp}/audit",
               "DATA_DIR": str(settings.data_dir)}
        from services.api.keystore import KeyStore

        store = KeyStore(env["API_KEY_STORE"])
        token = store.create("profile", "admin", rate_limit=1_000_000)[1]
        store.close()
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "services.api.main:app", "--host", "127.0.0.1",
                                   "--port", str(port), "--workers", "1", "--log-level", "warning"], env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            processes.wait_http(f"{url}/health", timeout=60)
            results: dict[str, dict[str, float]] = {}
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
                client.get("/v1/streets")  # the snapshot attached, the key checked: not any endpoint's cost
                for _, template in MIX:
                    paths = distinct_paths(template)
                    name = template.split("?")[0]
                    before = _cpu_seconds(server.pid)
                    started = time.perf_counter()
                    for path in paths:
                        r = client.get(path)
                        if r.status_code not in (200, 503):
                            raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
                    miss = _cpu_seconds(server.pid) - before
                    miss_wall = time.perf_counter() - started
                    before = _cpu_seconds(server.pid)
                    for _ in range(repeat):
                        for path in paths:
                            client.get(path)
                    hit = _cpu_seconds(server.pid) - before
                    results[name] = {"requests": len(paths), "miss_cpu_ms": round(miss / len(paths) * 1000, 2),
                                     "miss_wall_ms": round(miss_wall / len(paths) * 1000, 2),
                                     "hit_cpu_ms": round(hit / (len(paths) * repeat) * 1000, 2)}
            return results
        finally:
            server.terminate()
            server.wait(timeout=20)


def main() -> None:
    results = profile()
    load = os.getloadavg()
    print(f"{'endpoint':<48} {'n':>4} {'miss CPU ms':>12} {'miss wall ms':>13} {'hit CPU ms':>11}")
    for name, r in results.items():
        print(f"{name:<48} {r['requests']:>4} {r['miss_cpu_ms']:>12} {r['miss_wall_ms']:>13} {r['hit_cpu_ms']:>11}")
    print(json.dumps({"load_average": [round(x, 2) for x in load], "endpoints": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
