"""`govlake bench`: time every stage of the pipeline on a fresh data dir, each stage in its own process.

Each stage runs as `govlake <stage>` in a child process so its wall time and peak resident memory (from wait4's
rusage) are its own, not the benchmark's. Later issues add their stages and targets here.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from govlake.settings import Settings


def _run_stage(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of `govlake ARGS` in a child process."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "govlake.cli", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"`govlake {' '.join(args)}` failed:\n{stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


def _rows(settings: Settings, stage: str) -> int:
    if stage == "simulate":
        truth = json.loads((settings.sources_dir / "truth.json").read_text())
        return int(sum(truth["counts"].values()))
    if stage == "ingest":
        from ingestion.lake import open_lake
        from ingestion.manifests import list_manifests

        return sum(m["received"] for m in list_manifests(open_lake(settings)))
    if stage in ("transform", "publish"):
        con = duckdb.connect(str(settings.serving_path.resolve() if stage == "publish" else settings.warehouse_path),
                             read_only=True)
        try:
            return int(con.execute("select count(*) from fct_tickets").fetchone()[0])  # type: ignore[index]
        finally:
            con.close()
    return 0


def run_bench(scale: float) -> dict[str, Any]:
    stages: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="govlake-bench-") as tmp:
        env = {**os.environ, "DATA_DIR": tmp}
        env.pop("LAKE_URI", None)
        env.pop("SOURCE_MINYI_URL", None)
        settings = Settings(data_dir=Path(tmp))
        plan = [
            ("simulate", ["simulate", "--scale", str(scale)]),
            ("ingest", ["ingest", "--all"]),
            ("ingest (no change)", ["ingest", "--all"]),
            ("transform", ["transform"]),
            ("publish", ["publish"]),
        ]
        for name, args in plan:
            seconds, peak = _run_stage(args, env)
            rows = 0 if name.endswith("(no change)") else _rows(settings, name)
            stages.append({"stage": name, "rows": rows, "seconds": round(seconds, 3),
                           "rows_per_s": round(rows / seconds) if rows else None, "peak_rss_mib": round(peak, 1)})
    return {
        "scale": scale,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__},
        "stages": stages,
        "total_seconds": round(sum(s["seconds"] for s in stages), 3),
    }
