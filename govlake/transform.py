"""`govlake transform`: dbt build (seeds, models, data tests) into the working warehouse.

dbt is the single writer of the working DuckDB file; readers never open it (they read published snapshots), so a
failing build leaves what is served untouched. The first build builds everything; later ones build only what the
batches committed since the last successful build touch (the daily build), unless the code changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

import duckdb
import yaml

from govlake import duck
from govlake.settings import REPO_ROOT, Settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
BRONZE_SOURCE_PREFIX = "bronze_"
BUILD_STATE = "build_state.json"  # what the last successful automatic build saw (beside dbt's target/)
BUILD_STATUS = "last_build.json"  # whether the last build finished cleanly (beside the warehouse; publish reads it)
# the last saved dbt parse of any data dir: it depends on the code, not on the data (see dbt_env)
PARSE_CACHE = REPO_ROOT / ".cache" / "dbt" / "partial_parse.msgpack"


def lake_root(settings: Settings) -> str:
    """The lake as dbt's sources and DuckDB read it: a local path or s3://bucket/prefix."""
    lake = settings.lake
    return (str(Path(lake.removeprefix("file://"))) if lake.startswith("file://") else lake).rstrip("/")


def _from_data_dir(settings: Settings, path: str) -> str:
    """PATH relative to the data dir when it lies inside it (dbt runs there), else as given."""
    if "://" in path:
        return path
    resolved, data_dir = Path(path).resolve(), settings.data_dir.resolve()
    return str(resolved.relative_to(data_dir)) if resolved.is_relative_to(data_dir) else str(resolved)


DBT_THREADS = 2  # dbt_project/profiles.yml: how many nodes dbt runs at once


def duckdb_threads_per_node() -> int:
    """DuckDB threads for each of dbt's concurrent nodes: the cores this process may use, shared between them."""
    return max(1, len(os.sched_getaffinity(0)) // DBT_THREADS)


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment the dbt profile and sources read (dbt_project/profiles.yml, models/staging/*/_*__sources.yml).

    dbt runs in the data dir and both paths are relative to it when they lie inside it: dbt's saved parse depends on
    the values of these variables, and so every data dir can start from the same parse (see PARSE_CACHE)."""
    return {
        "GOVLAKE_WAREHOUSE_PATH": _from_data_dir(settings, str(settings.warehouse_path)),
        "GOVLAKE_DUCKDB_EXTENSIONS": str(duck.install_extensions(settings)),
        "GOVLAKE_LAKE_ROOT": _from_data_dir(settings, lake_root(settings)),
        "GOVLAKE_DUCKDB_THREADS": str(duckdb_threads_per_node()),
        "S3_ACCESS_KEY": settings.s3_access_key,
        "S3_SECRET_KEY": settings.s3_secret_key,
        "S3_ENDPOINT": settings.s3_endpoint,
        "S3_REGION": settings.s3_region,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _share_parse(saved: Path, cache: Path) -> None:
    """Offer this run's saved parse to the next data dir (written aside, then renamed: readers never see half)."""
    if not saved.exists() or (cache.exists() and cache.stat().st_mtime >= saved.stat().st_mtime):
        return
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_name(f"{cache.name}.{os.getpid()}")
    shutil.copy2(saved, partial)
    partial.replace(cache)


def run_dbt(settings: Settings, args: Sequence[str]) -> bool:
    """Run one dbt command through its executable (its own process: it holds the warehouse lock only while it runs).

    Parsing the project costs a full parse (~10 s) in a data dir that has none saved yet; a new data dir starts from
    the last saved parse of any data dir instead, which dbt re-checks file by file (checksums, env vars, profile)."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    dbt_dir = (settings.data_dir / "dbt").resolve()
    target = dbt_dir / "target"
    saved = target / "partial_parse.msgpack"
    if not saved.exists() and PARSE_CACHE.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PARSE_CACHE, saved)
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [
            str(dbt),
            *args,
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(target),
            "--log-path", str(dbt_dir / "logs"),
        ],
        cwd=settings.data_dir,
        env={**os.environ, **dbt_env(settings), "DATA_DIR": str(settings.data_dir.resolve())},
        check=False,
    )
    _share_parse(saved, PARSE_CACHE)
    return result.returncode == 0


def build_status_path(settings: Settings) -> Path:
    return settings.warehouse_path.parent / BUILD_STATUS


def record_build(settings: Settings, success: bool) -> None:
    """Whether this build finished cleanly: publish refuses to serve one that did not."""
    path = build_status_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"success": success, "finished_at": datetime.now(UTC).isoformat()}))


def last_build_succeeded(settings: Settings) -> bool:
    status = build_status_path(settings)
    return status.exists() and bool(json.loads(status.read_text())["success"])


def bronze_source_tables() -> list[tuple[str, str]]:
    """(system, entity) of every bronze table the dbt sources declare (`bronze_<system>` sources in staging)."""
    tables = []
    for path in sorted((DBT_PROJECT_DIR / "models" / "staging").rglob("_*__sources.yml")):
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", []):
            if source["name"].startswith(BRONZE_SOURCE_PREFIX):
                system = source["name"].removeprefix(BRONZE_SOURCE_PREFIX)
                tables += [(system, table["name"]) for table in source.get("tables", [])]
    return tables


def lake_batches(settings: Settings) -> dict[tuple[str, str], tuple[str, bool]]:
    """(system, entity) -> (digest of its batches and their statuses, whether any batch is committed), from the
    manifests (one small JSON file per batch, read in one DuckDB scan, local or on S3)."""
    root = lake_root(settings)
    con = duck.connect(settings)
    try:
        rows = con.execute(f"""
            with manifests as (
                select
                    content ->> '$.source' as source,
                    content ->> '$.entity' as entity,
                    content ->> '$.batch_id' as batch_id,
                    content ->> '$.status' as status
                from read_text('{root}/_manifests/*/*/*.json')
            )
            select source, entity, md5(string_agg(batch_id || ':' || status, ',' order by batch_id)),
                   bool_or(status = 'committed')
            from manifests group by all
        """).fetchall()
    except duckdb.IOException:  # no manifest at all yet
        return {}
    finally:
        con.close()
    return {(source, entity): (digest, committed) for source, entity, digest, committed in rows}


def sources_without_data(settings: Settings, batches: dict[tuple[str, str], tuple[str, bool]] | None = None,
                         ) -> list[tuple[str, str]]:
    """Bronze tables never committed yet (a system not ingested so far: only minyi, say, in a first run).

    Judged by the manifests, not by the Parquet files: a table whose committed batches have lost their files is
    damage, and the build must fail on it rather than quietly skip it.
    """
    batches = lake_batches(settings) if batches is None else batches
    return [table for table in bronze_source_tables() if not batches.get(table, ("", False))[1]]


def project_fingerprint(settings: Settings) -> str:
    """What decides the models' output besides the data: the dbt project's files, the dbt version, the UDF code and
    the pseudonym key. A change in any of them makes the next transform build everything."""
    digest = hashlib.sha256()
    files = [p for p in sorted(DBT_PROJECT_DIR.rglob("*"))
             if p.is_file() and not {"target", "logs", "dbt_packages"} & set(p.relative_to(DBT_PROJECT_DIR).parts)]
    for path in [*files, Path(__file__).with_name("dbt_udfs.py"), Path(__file__).with_name("pseudonym.py")]:
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes())
    digest.update(version("dbt-core").encode() + version("dbt-duckdb").encode() + settings.pseudonym_key.encode())
    return digest.hexdigest()


def _state_path(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / BUILD_STATE


def changed_since_last_build(settings: Settings, batches: dict[tuple[str, str], tuple[str, bool]],
                             fingerprint: str) -> list[tuple[str, str]] | None:
    """Bronze tables whose batches changed since the last successful full or daily build; None when everything must
    be built (no such build, a new warehouse, changed code, or a failed build since)."""
    path = _state_path(settings)
    if not path.exists() or not settings.warehouse_path.exists() or not last_build_succeeded(settings):
        return None  # a failed or interrupted build may have left any model half-way: build everything
    state = json.loads(path.read_text())
    if state.get("fingerprint") != fingerprint:
        return None
    before = state.get("batches", {})
    return [(system, entity) for (system, entity), (digest, _) in batches.items()
            if before.get(f"{system}.{entity}") != digest]


def _save_state(settings: Settings, batches: dict[tuple[str, str], tuple[str, bool]], fingerprint: str) -> None:
    path = _state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"fingerprint": fingerprint,
                                "batches": {f"{s}.{e}": digest for (s, e), (digest, _) in sorted(batches.items())}},
                               indent=1))


def build_args(missing: list[tuple[str, str]], select: str | list[str] | None, full_refresh: bool,
               exclude: Sequence[str] = (), flags: Sequence[str] = ()) -> list[str]:
    """`dbt build`, leaving out whatever depends on a bronze table without data (its view could not even be read).

    dbt's unit tests check model logic on fixed inputs, not data: like dbt's own advice for production runs, the
    build leaves them out, and `govlake transform --unit-tests` (run by the test suite) runs them.
    """
    args = ["build", "--exclude-resource-type", "unit_test", *flags]
    if select:
        args += ["--select", *([select] if isinstance(select, str) else select)]
    excluded = [*exclude, *(f"source:{BRONZE_SOURCE_PREFIX}{system}.{entity}+" for system, entity in missing)]
    if excluded:
        args += ["--exclude", *excluded]
    if full_refresh:
        args.append("--full-refresh")
    return args


# A view is a stored query over the lake: new data shows through it without rebuilding it, and it changes only with
# the code (which makes the next build a full one). So a daily build leaves views, and the tests that re-run them
# over all of bronze, to full builds; it tests every table it rebuilds.
DAILY_EXCLUDE = ("config.materialized:view",)
# The manifest is the last full build's (same code) and rewriting it costs ~2 s: a daily build writes no JSON
# artefacts (its results are in dbt.log)
DAILY_FLAGS = ("--no-write-json",)


def daily_selection(changed: list[tuple[str, str]]) -> list[str]:
    """What new batches touch: every model downstream of a changed bronze table, and of the batch log (the quality
    marts). Every staging model also reads its own entity's manifests (committed batches only), and those changed
    exactly when the entity's batches did."""
    return ["stg_lake__batches+", *(f"source:{BRONZE_SOURCE_PREFIX}{system}.{entity}+" for system, entity in changed)]


class BuildPlan(NamedTuple):
    select: list[str] | str | None
    exclude: tuple[str, ...]
    flags: tuple[str, ...]
    full_refresh: bool
    message: str


def plan_build(settings: Settings, batches: dict[tuple[str, str], tuple[str, bool]], fingerprint: str,
               select: str | None, full_refresh: bool) -> BuildPlan | None:
    """What this run builds; None when nothing is new since the last build.

    An automatic run (no --select) after a successful one with the same code is a daily build of what new batches
    touch. Any other automatic run rebuilds everything from scratch: incremental models computed by other code, or
    left behind by a failed build, cannot be trusted to carry on."""
    if select is not None or full_refresh:
        return BuildPlan(select, (), (), full_refresh, "")
    changed = changed_since_last_build(settings, batches, fingerprint)
    if changed is None:
        return BuildPlan(None, (), (), True, "full build: first build, changed code or an unfinished last build")
    if not changed:
        return None
    return BuildPlan(daily_selection(changed), DAILY_EXCLUDE, DAILY_FLAGS, False,
                     f"daily build: models downstream of {len(changed)} bronze tables with new batches")


def transform(settings: Settings, select: str | None = None, full_refresh: bool = False) -> bool:
    """Build the warehouse. Without --select or --full-refresh, a run after a successful one builds only the models
    downstream of bronze tables that received batches since (an incremental daily build); the first run, and any run
    after the dbt project changed or a build failed, rebuilds everything from scratch."""
    batches = lake_batches(settings)
    missing = sources_without_data(settings, batches)
    if len(missing) == len(bronze_source_tables()):
        print("nothing to transform: no source has been ingested yet (run `govlake ingest --all`)", flush=True)
        return False
    if missing:
        print(f"not built (no data ingested yet from {len(missing)} bronze tables, models downstream skipped): "
              + ", ".join(f"{system}.{entity}" for system, entity in missing), flush=True)
    fingerprint = project_fingerprint(settings)
    plan = plan_build(settings, batches, fingerprint, select, full_refresh)
    if plan is None:
        print("nothing new since the last build: the warehouse is up to date", flush=True)
        return True
    if plan.message:
        print(plan.message, flush=True)
    record_build(settings, success=False)  # a crash mid-build must not look like a finished one
    ok = run_dbt(settings, build_args(missing, plan.select, plan.full_refresh, plan.exclude, plan.flags))
    record_build(settings, success=ok)
    if ok and select is None:
        _save_state(settings, batches, fingerprint)
    return ok


def unit_tests(settings: Settings) -> bool:
    """dbt's unit tests (every KPI formula, the 失驾 logic ...) against the built warehouse's relations."""
    return run_dbt(settings, ["test", "--select", "test_type:unit"])


def source_freshness(settings: Settings) -> bool:
    """dbt source freshness over the bronze tables that have data (a table never loaded is reported by transform)."""
    missing = sources_without_data(settings)
    args = ["source", "freshness"]
    if missing:
        args += ["--exclude", *(f"source:{BRONZE_SOURCE_PREFIX}{system}.{entity}" for system, entity in missing)]
    return run_dbt(settings, args)
