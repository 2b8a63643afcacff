"""`govlake transform`: dbt build (seeds, models, tests, unit tests) into the working warehouse.

dbt is the single writer of the working DuckDB file; readers never open it (they read published snapshots), so a
failing build leaves what is served untouched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from govlake import duck
from govlake.settings import REPO_ROOT, Settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
BRONZE_SOURCE_PREFIX = "bronze_"


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment the dbt profile reads (dbt_project/profiles.yml)."""
    lake = settings.lake
    lake_root = str(Path(lake.removeprefix("file://"))) if lake.startswith("file://") else lake
    return {
        "GOVLAKE_WAREHOUSE_PATH": str(settings.warehouse_path.resolve()),
        "GOVLAKE_DUCKDB_EXTENSIONS": str(duck.install_extensions(settings)),
        "GOVLAKE_LAKE_ROOT": lake_root.rstrip("/"),
        "S3_ACCESS_KEY": settings.s3_access_key,
        "S3_SECRET_KEY": settings.s3_secret_key,
        "S3_ENDPOINT": settings.s3_endpoint,
        "S3_REGION": settings.s3_region,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt(settings: Settings, args: Sequence[str]) -> bool:
    """Run one dbt command through its executable (its own process: it holds the warehouse lock only while it runs)."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    dbt_dir = settings.data_dir / "dbt"
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [
            str(dbt),
            *args,
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str((dbt_dir / "target").resolve()),
            "--log-path", str((dbt_dir / "logs").resolve()),
        ],
        env={**os.environ, **dbt_env(settings), "DATA_DIR": str(settings.data_dir.resolve())},
        check=False,
    )
    return result.returncode == 0


def bronze_source_tables() -> list[tuple[str, str]]:
    """(system, entity) of every bronze table the dbt sources declare (`bronze_<system>` sources in staging)."""
    tables = []
    for path in sorted((DBT_PROJECT_DIR / "models" / "staging").rglob("_*__sources.yml")):
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", []):
            if source["name"].startswith(BRONZE_SOURCE_PREFIX):
                system = source["name"].removeprefix(BRONZE_SOURCE_PREFIX)
                tables += [(system, table["name"]) for table in source.get("tables", [])]
    return tables


def sources_without_data(settings: Settings) -> list[tuple[str, str]]:
    """Bronze tables never committed yet (a system not ingested so far: only minyi, say, in a first run).

    Judged by the manifests, not by the Parquet files: a table whose committed batches have lost their files is
    damage, and the build must fail on it rather than quietly skip it.
    """
    from ingestion.lake import open_lake

    lake = open_lake(settings)

    def committed(system: str, entity: str) -> bool:
        keys = [k for k in lake.list(f"_manifests/{system}/{entity}/") if k.endswith(".json")]
        return any(lake.read_json(key).get("status") == "committed" for key in reversed(keys))

    return [(system, entity) for system, entity in bronze_source_tables() if not committed(system, entity)]


def build_args(missing: list[tuple[str, str]], select: str | None, full_refresh: bool) -> list[str]:
    """`dbt build`, leaving out whatever depends on a bronze table without data (its view could not even be read)."""
    args = ["build"]
    if select:
        args += ["--select", select]
    if missing:
        args += ["--exclude", *(f"source:{BRONZE_SOURCE_PREFIX}{system}.{entity}+" for system, entity in missing)]
    if full_refresh:
        args.append("--full-refresh")
    return args


def transform(settings: Settings, select: str | None = None, full_refresh: bool = False) -> bool:
    from govlake.publish import record_build

    missing = sources_without_data(settings)
    if len(missing) == len(bronze_source_tables()):
        print("nothing to transform: no source has been ingested yet (run `govlake ingest --all`)", flush=True)
        return False
    if missing:
        print(f"not built (no data ingested yet from {len(missing)} bronze tables, models downstream skipped): "
              + ", ".join(f"{system}.{entity}" for system, entity in missing), flush=True)
    record_build(settings, success=False)  # a crash mid-build must not look like a finished one
    ok = run_dbt(settings, build_args(missing, select, full_refresh))
    record_build(settings, success=ok)
    return ok


def source_freshness(settings: Settings) -> bool:
    """dbt source freshness over the bronze tables that have data (a table never loaded is reported by transform)."""
    missing = sources_without_data(settings)
    args = ["source", "freshness"]
    if missing:
        args += ["--exclude", *(f"source:{BRONZE_SOURCE_PREFIX}{system}.{entity}" for system, entity in missing)]
    return run_dbt(settings, args)
