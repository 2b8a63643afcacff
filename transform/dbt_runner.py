"""Running dbt: its executable in its own process, the environment its profile reads, the shared saved parse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from common import duck
from common.settings import REPO_ROOT, Settings

DEFAULT_DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# GOVLAKE_DBT_PROJECT_DIR: another copy of the project (tests build a copy holding a deliberately failing test)
DBT_PROJECT_DIR = Path(os.environ.get("GOVLAKE_DBT_PROJECT_DIR") or DEFAULT_DBT_PROJECT_DIR).resolve()
# the last saved dbt parse of any data dir: it depends on the code, not on the data (see dbt_env); only the
# checkout's own project shares it
PARSE_CACHE = REPO_ROOT / ".cache" / "dbt" / "partial_parse.msgpack"
SHARE_PARSE = DEFAULT_DBT_PROJECT_DIR.resolve() == DBT_PROJECT_DIR


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
        # the alerts ledgers (Airflow's task failures and freshness breaches), read by log_pipeline_alerts
        "GOVLAKE_ALERTS_DIR": _from_data_dir(settings, str(settings.data_dir / "alerts")),
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
    # a saved parse holds its project's absolute paths (seeds are loaded from them): one of another project copy
    # (GOVLAKE_DBT_PROJECT_DIR) is thrown away, not re-checked; no marker means the checkout's own project
    owner = target / "partial_parse.project"
    parsed_for = owner.read_text() if owner.exists() else str(DEFAULT_DBT_PROJECT_DIR.resolve())
    if saved.exists() and parsed_for != str(DBT_PROJECT_DIR):
        saved.unlink()
    if SHARE_PARSE and not saved.exists() and PARSE_CACHE.exists():
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
    if target.exists():
        owner.write_text(str(DBT_PROJECT_DIR))
    if SHARE_PARSE:
        _share_parse(saved, PARSE_CACHE)
    return result.returncode == 0


