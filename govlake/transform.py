"""`govlake transform`: dbt build (seeds, models, tests, unit tests) into the working warehouse.

dbt is the single writer of the working DuckDB file; readers never open it (they read published snapshots), so a
failing build leaves what is served untouched.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from govlake import duck
from govlake.settings import REPO_ROOT, Settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


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
    """Run one dbt command in-process; True on success."""
    from dbt.cli.main import dbtRunner

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.update(dbt_env(settings))
    dbt_dir = settings.data_dir / "dbt"
    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str((dbt_dir / "target").resolve()),
            "--log-path", str((dbt_dir / "logs").resolve()),
        ]
    )
    return bool(result.success)


def transform(settings: Settings, select: str | None = None) -> bool:
    args = ["build"] + (["--select", select] if select else [])
    return run_dbt(settings, args)
