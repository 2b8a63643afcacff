"""DuckDB connections configured the same way everywhere: extensions loaded from their PyPI packages, S3 secret.

DuckDB cannot download extensions here, so each `duckdb-extension-<name>` package's file is installed into a
project-local extension directory once, after which `LOAD name` works offline (and dbt-duckdb's INSTALL is a no-op).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import duckdb

from common.settings import Settings

# ducklake and its SQLite or PostgreSQL catalog: the served marts (serving/)
EXTENSIONS = ("httpfs", "ducklake", "sqlite_scanner", "postgres_scanner")


def extension_dir(settings: Settings) -> Path:
    return (settings.data_dir / "duckdb_extensions").resolve()


def install_extensions(settings: Settings) -> Path:
    """Copy the packaged extension files into the extension directory (idempotent, fast when done)."""
    target = extension_dir(settings)
    version = duckdb.__version__
    con = duckdb.connect(config={"extension_directory": str(target)})
    try:
        for name in EXTENSIONS:
            if any(target.glob(f"v{version}/*/{name}.duckdb_extension")):
                continue
            pkg = importlib.import_module(f"duckdb_extension_{name}")
            path = Path(pkg.__file__).parent / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
            con.execute(f"INSTALL '{path}'")
    finally:
        con.close()
    return target


def s3_secret_sql(settings: Settings) -> str:
    return (
        "CREATE OR REPLACE SECRET govlake_s3 (TYPE s3, "
        f"KEY_ID '{settings.s3_access_key}', SECRET '{settings.s3_secret_key}', ENDPOINT '{settings.s3_endpoint}', "
        f"URL_STYLE 'path', USE_SSL {str(settings.s3_secure).lower()}, REGION '{settings.s3_region}')"
    )


def connect(settings: Settings, path: str | Path = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection that can read the lake, local or S3."""
    config = {"extension_directory": str(install_extensions(settings))}
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    if settings.lake.startswith("s3://"):
        con.execute("LOAD httpfs")
        con.execute(s3_secret_sql(settings))
    return con
