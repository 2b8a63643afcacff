"""DuckDB connections configured the same way everywhere: extensions loaded from their PyPI packages, S3 secret.

DuckDB cannot download extensions here, so each `duckdb-extension-<name>` package's file is installed into a
project-local extension directory once, after which `LOAD name` works offline (and dbt-duckdb's INSTALL is a no-op).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from pathlib import Path

import duckdb

from common.settings import Settings

# DuckDB's Python binding imports pandas for every query parameter it converts (to recognise pandas values). Where
# pandas is not installed (the project's own environment), each of those imports searches sys.path again and
# fails: ~0.12 ms a parameter, 50 ms for the API's check of 144 row filters after a publish. This finder, first on
# sys.meta_path, fails it at once with the error the search would end with (pandera and polars read that error).


class _Absent(importlib.abc.MetaPathFinder):
    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == self.name:
            raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)


if importlib.util.find_spec("pandas") is None and not any(isinstance(f, _Absent) for f in sys.meta_path):
    sys.meta_path.insert(0, _Absent("pandas"))

# ducklake and its SQLite or PostgreSQL catalog: the served marts (serving/)
EXTENSIONS = ("httpfs", "ducklake", "sqlite_scanner", "postgres_scanner")


def extension_dir(settings: Settings) -> Path:
    return (settings.data_dir / "duckdb_extensions").resolve()


def install_extensions(settings: Settings) -> Path:
    """Copy the packaged extension files into the extension directory (idempotent, fast when done). Each file's
    signature is checked as it is installed (a LOAD checks it), so that a reader may skip the check later."""
    target = extension_dir(settings)
    version = duckdb.__version__
    missing = [name for name in EXTENSIONS if not any(target.glob(f"v{version}/*/{name}.duckdb_extension"))]
    if not missing:
        return target
    con = duckdb.connect(config={"extension_directory": str(target)})
    try:
        for name in missing:
            pkg = importlib.import_module(f"duckdb_extension_{name}")
            path = Path(pkg.__file__).parent / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
            con.execute(f"INSTALL '{path}'")
            con.execute(f"LOAD {name}")
    finally:
        con.close()
    return target


def s3_secret_sql(settings: Settings) -> str:
    return (
        "CREATE OR REPLACE SECRET govlake_s3 (TYPE s3, "
        f"KEY_ID '{settings.s3_access_key}', SECRET '{settings.s3_secret_key}', ENDPOINT '{settings.s3_endpoint}', "
        f"URL_STYLE 'path', USE_SSL {str(settings.s3_secure).lower()}, REGION '{settings.s3_region}')"
    )


def connect(settings: Settings, path: str | Path = ":memory:", read_only: bool = False,
            checked_extensions: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection that can read the lake, local or S3. CHECKED_EXTENSIONS: load the installed extensions without
    checking their signatures again — they were checked when installed (install_extensions), and each check hashes
    the whole file: ~140 ms a process for ducklake and sqlite_scanner. Only for a process that runs no one else's
    SQL (the publisher): with it, DuckDB would load any unsigned extension a statement names."""
    config: dict[str, str | bool] = {"extension_directory": str(install_extensions(settings))}
    if checked_extensions:
        config["allow_unsigned_extensions"] = True
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    if settings.lake.startswith("s3://"):
        con.execute("LOAD httpfs")
        con.execute(s3_secret_sql(settings))
    return con
