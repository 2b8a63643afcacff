"""`govlake bench`: time every stage of the pipeline on a fresh data dir, each stage in its own process.

Each stage runs as `govlake <stage>` in a child process so its wall time and peak resident memory (from wait4's
rusage) are its own, not the benchmark's. Later issues add their stages and targets here.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from common.settings import Settings
from govlake import airflow_bench
from govlake.bench_api import AROUND_STAGE as API_LOAD_AROUND
from govlake.bench_api import api_load
from govlake.pipeline import pipeline
from serving.publish import last_publish_path


def _run_stage(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of `govlake ARGS` in a child process."""
    # write back what earlier stages left in the page cache first (the simulator writes GBs): its writeback, seen
    # billed to the next-day ingest (21 s instead of 5 s at scale 1), belongs to no stage
    os.sync()
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
    if stage.startswith("simulate"):
        truth = json.loads((settings.sources_dir / "truth.json").read_text())
        return int(sum(truth["counts"].values()))
    if stage.startswith("ingest"):
        from common.lake import open_lake
        from quality.manifests import list_manifests

        return sum(m["received"] for m in list_manifests(open_lake(settings)))
    if stage.startswith("publish"):
        from serving.reader import session

        with session(settings) as s:
            return int(s.rows("select count(*) as n from fct_tickets")[0]["n"])
    if stage.startswith("transform"):
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            return int(con.execute("select count(*) from fct_tickets").fetchone()[0])  # type: ignore[index]
        finally:
            con.close()
    return 0


# stage name -> CLI arguments ({scale} is filled in); each stage needs the ones before it. The pipeline's own steps
# (govlake/pipeline.py) and the runs that judge them: a repeated ingest, a full parse, the day after, a full rebuild.
_FIRST = {step.name: list(step.args) for step in pipeline("{scale}")}
_NEXT = {step.name: list(step.args) for step in pipeline("{scale}", as_of=datetime(2025, 1, 1, 23, 59, 59))}
STAGES: dict[str, list[str]] = {
    "simulate": _FIRST["simulate"],
    "ingest": _FIRST["ingest"],
    "ingest (no change)": _FIRST["ingest"],
    # a full parse of the dbt project: paid once per code change (later data dirs start from the saved parse)
    "dbt parse (full)": ["transform", "--parse"],
    "transform": _FIRST["transform"],
    "publish": _FIRST["publish"],
    "catalog": _FIRST["catalog"],  # the data dictionary (dbt docs) after the publish, timed apart from it
    # the day after: the sources one day later (new rows, late updates), and the daily incremental run
    "simulate (next day)": _NEXT["simulate"],
    "ingest (next day)": _NEXT["ingest"],
    "transform (next day)": _NEXT["transform"],
    "publish (next day)": _NEXT["publish"],
    "catalog (next day)": _NEXT["catalog"],
    # the baseline the incremental run is judged against: the same data rebuilt from scratch
    "transform (full refresh)": ["transform", "--full-refresh"],
    # real Airflow services through one simulated day (run it alone: `--only "airflow (orchestrate 1 day)"`)
    airflow_bench.STAGE: airflow_bench.STAGE_ARGS,
}


# targets from the issues, judged only on a run at scale 1.0 (smaller runs show the target for reference)
TARGETS: dict[str, dict[str, float]] = {
    "simulate": {"max_seconds": 300, "max_peak_rss_mib": 4096},
    "ingest": {"min_rows_per_s": 200_000, "max_peak_rss_mib": 4096},
    "ingest (next day)": {"max_seconds": 15},
    "transform": {"max_seconds": 60, "max_peak_rss_mib": 8192},
    "transform (next day)": {"max_seconds": 10},
    "publish (next day)": {"max_seconds": 2},
}


def _judge(stage: dict[str, Any], scale: float) -> None:
    target = TARGETS.get(stage["stage"])
    if not target:
        return
    parts = []
    ok = True
    if "max_seconds" in target:
        parts.append(f"≤ {target['max_seconds']:.0f} s")
        ok &= stage["seconds"] <= target["max_seconds"]
    if "max_peak_rss_mib" in target:
        parts.append(f"≤ {target['max_peak_rss_mib']:.0f} MiB")
        ok &= stage["peak_rss_mib"] <= target["max_peak_rss_mib"]
    if "min_rows_per_s" in target:
        parts.append(f"≥ {target['min_rows_per_s']:,.0f} rows/s")
        ok &= (stage["rows_per_s"] or 0) >= target["min_rows_per_s"]
    stage["target"] = ", ".join(parts)
    stage["verdict"] = ("met" if ok else "MISSED") if scale >= 1.0 else "n/a below scale 1.0"


@contextlib.contextmanager
def _upstream(settings: Settings, env: dict[str, str]) -> Iterator[None]:
    """The REST upstream (community) on a free loopback port, fresh for each ingest stage (it caches what it serves)."""
    from simulator.upstream_http import start

    with start(settings.sources_dir, token=settings.community_api_token, rate_limit_per_s=0) as server:
        env["COMMUNITY_API_URL"] = server.url
        try:
            yield
        finally:
            env.pop("COMMUNITY_API_URL", None)


# (name, stage, baseline stage): a stage's time against the run it must beat, printed side by side
RATIOS = (
    ("incremental daily build vs full rebuild", "transform (next day)", "transform (full refresh)"),
    ("next-day ingest vs first ingest", "ingest (next day)", "ingest"),
    ("daily publish vs cold publish", "publish (next day)", "publish"),
)
# a day's source change until it is servable: the stages that carry it, summed
SERVABLE = ("ingest (next day)", "transform (next day)", "publish (next day)")


def _last_publish(settings: Settings) -> dict[str, Any]:
    return dict(json.loads(last_publish_path(settings).read_text()))


def _in_process_seconds(settings: Settings) -> float:
    return float(_last_publish(settings)["seconds"])


def _copy_catalog(settings: Settings) -> Path:
    """A copy of the served catalog as it is (the publisher's directory: the catalog, its row-hash store). A publish
    only adds data files and nothing expires within a bench, so the catalog alone restores the served state."""
    copy = settings.data_dir / "serving-before-publish"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(settings.serving_dir, copy)
    return copy


def _restore_catalog(settings: Settings, copy: Path) -> None:
    shutil.rmtree(settings.serving_dir)
    copy.rename(settings.serving_dir)


def _read_latency(settings: Settings, reads: int = 50) -> dict[str, float]:
    """A small filtered read as the API does it (one reader reused, one session a read, results cached by
    snapshot), in milliseconds: the first read attaches the catalog, the second runs the query, the rest hit the
    cache."""
    import statistics
    import time

    from serving.reader import Reader, ResultCache

    reader = Reader(settings, cache=ResultCache())
    times = []
    try:
        for _ in range(reads):
            started = time.perf_counter()
            with reader.session() as s:
                s.rows("select * from agg_tickets_monthly_by_street where street_code = ? and month = ?",
                       ["440309006", "2024-03-01"])
            times.append((time.perf_counter() - started) * 1000)
    finally:
        reader.close()
    return {"first_ms": round(times[0], 1), "uncached_ms": round(times[1], 1),
            "median_ms": round(statistics.median(times[2:]), 2), "max_ms": round(max(times[2:]), 1)}


def publish_floor(settings: Settings, tables: int, rounds: int = 3) -> dict[str, Any]:
    """What DuckLake alone costs a publish that changes TABLES tables: as many one-row tables, all rewritten in one
    transaction of a scratch catalog set up as the served one (SQLite, WAL, nothing inlined), timed from the first
    write to the end of the commit; the median of ROUNDS. The daily publish is this floor plus the day's data, so
    the floor says how far its share of a cold publish can fall on this machine."""
    import statistics

    from serving.reader import open_connection

    with tempfile.TemporaryDirectory(prefix="govlake-floor-") as tmp:
        con = open_connection(settings)
        try:
            con.execute(f"attach 'ducklake:sqlite:{tmp}/catalog.sqlite' as floor (data_path '{tmp}/data/')")
            con.execute("call floor.set_option('data_inlining_row_limit', 0)")
            row = "select 1::bigint as id, 'x'::varchar as name, now()::timestamp as built_at"
            for i in range(tables):
                con.execute(f"create table floor.t{i} as {row}")
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                con.execute("begin transaction")
                for i in range(tables):
                    con.execute(f"create or replace table floor.t{i} as {row}")
                con.execute("commit")
                times.append(time.perf_counter() - started)
        finally:
            con.close()
    return {"tables": tables, "seconds": round(statistics.median(times), 3)}


def _ratios(stages: list[dict[str, Any]]) -> dict[str, float]:
    seconds = {s["stage"]: s["seconds"] for s in stages}
    ratios = {name: round(seconds[stage] / seconds[base], 3)
              for name, stage, base in RATIOS if stage in seconds and seconds.get(base)}
    own = {s["stage"]: s["in_process_seconds"] for s in stages if "in_process_seconds" in s}
    if own.get("publish") and "publish (next day)" in own:
        ratios["daily publish vs cold publish, in the process"] = round(own["publish (next day)"] / own["publish"], 3)
    return ratios


def _reconcile(settings: Settings) -> dict[str, Any] | None:
    """The published kpi mart's 2024 district values vs the ground truth and the seed (`govlake kpi --reconcile`)."""
    from govlake.kpi import KpiError, indicators
    from simulator.reconcile import mismatches, reconcile_rows
    from simulator.run import TRUTH_FILE

    try:
        rows = reconcile_rows(settings.sources_dir / TRUTH_FILE, indicators(settings, "2024"))
    except KpiError as exc:  # a partial run (--only) may publish no kpi mart
        return {"error": str(exc)}
    return {
        "indicators": len(rows),
        "match_ground_truth": sum(r["matches_truth"] for r in rows),
        "within_seed_tolerance": sum(r["within_seed_tolerance"] for r in rows),
        "mismatches": mismatches(rows),
    }


def run_bench(scale: float, only: list[str] | None = None, servers: bool = True) -> dict[str, Any]:
    """Every stage (or ONLY these); SERVERS: also the API under load, the dashboards in Chromium and Airflow."""
    stages: list[dict[str, Any]] = []
    reconciliation: dict[str, Any] | None = None
    read_latency: dict[str, float] | None = None
    airflow: dict[str, Any] | None = None
    superset_dashboards: dict[str, Any] | None = None
    api_report: dict[str, Any] = {}
    floor: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="govlake-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCE_") and k != "LAKE_URI"}
        env["DATA_DIR"] = tmp
        settings = Settings(data_dir=Path(tmp))
        names = only or [n for n in STAGES if servers or n != airflow_bench.STAGE]
        for name in names:
            args = [a.format(scale=scale) for a in STAGES[name]]
            before = _rows(settings, name) if name.startswith("ingest") else 0
            under_load = servers and name == API_LOAD_AROUND
            # the publish of the day after is timed alone, then published again from the same catalog state while
            # the API is under load: each figure is its own, neither slowed by the other's measurement
            before_publish = _copy_catalog(settings) if under_load else None
            with _upstream(settings, env) if name.startswith("ingest") else contextlib.nullcontext():
                seconds, peak = _run_stage(args, env)
            rows = _rows(settings, name) - before  # ingest stages count what this run received
            stages.append({"stage": name, "rows": rows, "seconds": round(seconds, 3),
                           "rows_per_s": round(rows / seconds) if rows else None, "peak_rss_mib": round(peak, 1)})
            if name.startswith("publish"):  # the publish's own time, without the process start (~0.5 s)
                stages[-1]["in_process_seconds"] = _in_process_seconds(settings)
            _judge(stages[-1], scale)
            if before_publish is not None:
                _restore_catalog(settings, before_publish)
                with api_load(settings, env, api_report):
                    again, _ = _run_stage(args, env)
                api_report["publish_seconds"] = round(again, 3)
                api_report["publish_in_process_seconds"] = _in_process_seconds(settings)
            if name == "publish":
                reconciliation = _reconcile(settings)
            if name == "publish (next day)":
                read_latency = _read_latency(settings)
                changed = int(_last_publish(settings)["changed"])
                floor = publish_floor(settings, changed) if changed else None
            if name == airflow_bench.STAGE:
                airflow = airflow_bench.report(settings)
                airflow_bench.print_report(airflow, lambda line: print(line, file=sys.stderr))
        if servers and "publish" in names:  # the dashboards on what was published (govlake/bench_superset.py)
            from govlake import bench_superset

            superset_dashboards = bench_superset.render_times(settings)
    seconds = {s["stage"]: s["seconds"] for s in stages}
    return {
        "source_change_to_servable_seconds": (round(sum(seconds[s] for s in SERVABLE), 3)
                                              if all(s in seconds for s in SERVABLE) else None),
        "read_latency": read_latency,
        "publish_floor": floor,
        "superset_dashboards": superset_dashboards,
        "api_load": api_report or None,
        "kpi_reconciliation": reconciliation,
        "airflow": airflow,
        "scale": scale,
        "ratios": _ratios(stages),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__},
        "stages": stages,
        "total_seconds": round(sum(s["seconds"] for s in stages), 3),
    }
