"""Superset configuration for govlake, loaded through SUPERSET_CONFIG_PATH.

Environment variables (set by `superset_assets.lifecycle`, or by docker-compose in the full stack):

- SUPERSET_SECRET_KEY    required; signs sessions and encrypts stored DB credentials. Never commit one.
- DATA_DIR               govlake's data root; Superset keeps its files under DATA_DIR/superset (default ./var).
- SUPERSET_DATABASE_URI  metadata database URI; default SQLite at DATA_DIR/superset/superset.db
                         (the full stack points it at PostgreSQL).
- SUPERSET_LOCALE        UI language, default "zh" (leaders read Chinese); "en" also available.
- SERVING_CATALOG        the served marts' DuckLake catalog (as in govlake's settings; default SQLite at
                         DATA_DIR/serving/catalog.sqlite). Every DuckDB connection Superset opens attaches it
                         read-only on connect (the hook below) and reads the snapshot current when its query runs.
- GOVLAKE_EXTENSION_DIR  where govlake installed DuckDB's extensions (default DATA_DIR/duckdb_extensions).
- SUPERSET_CACHE_REDIS_URL  Redis for Superset's caches (docker-compose sets redis://redis:6379/1); without it the
                         caches are files under DATA_DIR/superset/cache (the embedded default).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_secret_key = os.environ.get("SUPERSET_SECRET_KEY", "")
if not _secret_key:
    # Fail at startup rather than run with a guessable key.
    raise RuntimeError("SUPERSET_SECRET_KEY is not set")
SECRET_KEY = _secret_key

# Superset's own DATA_DIR setting (uploads etc.) lives inside govlake's DATA_DIR.
_govlake_data_dir = Path(os.environ.get("DATA_DIR") or Path(__file__).resolve().parent.parent / "var")
DATA_DIR = str((_govlake_data_dir / "superset").resolve())
Path(DATA_DIR).mkdir(parents=True, exist_ok=True)

SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_DATABASE_URI") or (
    f"sqlite:///{DATA_DIR}/superset.db?check_same_thread=false"
)

BABEL_DEFAULT_LOCALE = os.environ.get("SUPERSET_LOCALE", "zh")
# Superset disables the language picker by default (LANGUAGES = {}), which also pins the UI to English.
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "us", "name": "English"},
}
# Chinese number formatting and the district's currency.
D3_FORMAT = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["¥", ""]}
CURRENCIES = ["CNY"]

APP_NAME = "龙华区数据平台"

# ECharts animates every chart as it first draws (about a second of re-drawing frames per chart): on a dashboard of
# many charts those frames compete with the charts still drawing, and a leader waits for the picture, not the motion.
# A theme's echartsOptionsOverrides is merged into every ECharts chart's options (Superset 6). The themes are
# Superset's own (superset.config, which is loading this file and has defined them by now) with that one addition.
from superset.config import THEME_DARK as _SUPERSET_THEME_DARK  # noqa: E402
from superset.config import THEME_DEFAULT as _SUPERSET_THEME_DEFAULT  # noqa: E402

_NO_ECHARTS_ANIMATION = {"echartsOptionsOverrides": {"animation": False}}
THEME_DEFAULT = {**_SUPERSET_THEME_DEFAULT, **_NO_ECHARTS_ANIMATION}
THEME_DARK = {**_SUPERSET_THEME_DARK, **_NO_ECHARTS_ANIMATION} if _SUPERSET_THEME_DARK else None

# The UI fetches its language pack from /superset/language_pack/<lang>/ before anyone logs in (the login page is
# translated too). That view requires the permission `can_language_pack on Superset`, which anonymous users lack:
# the request is redirected to the login page's HTML and the browser logs "Failed to fetch language pack, falling
# back to default". Anonymous requests get the Public role, and superset_assets/access.py grants it exactly that one
# permission (the wheel ships translations/zh/LC_MESSAGES/messages.json).
AUTH_ROLE_PUBLIC = "Public"

# Caches: chart data, query results, dataset metadata, filter state and explore state. Redis in the full stack,
# files in the embedded default (a single gunicorn process or several on one machine share the directory).
_redis_url = os.environ.get("SUPERSET_CACHE_REDIS_URL", "")


def _cache(prefix: str, timeout: int) -> dict[str, Any]:
    if _redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_KEY_PREFIX": f"govlake_{prefix}_",
                "CACHE_REDIS_URL": _redis_url}
    directory = Path(DATA_DIR) / "cache" / prefix
    directory.mkdir(parents=True, exist_ok=True)
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_DIR": str(directory),
            "CACHE_THRESHOLD": 5000}


# A publish changes the served data at most a few times a day; chart data is cached ten minutes (a
# dashboard's refresh forces it); queries on the snapshot are fast even cold.
CACHE_CONFIG = _cache("metadata", 24 * 3600)
DATA_CACHE_CONFIG = _cache("data", 600)
FILTER_STATE_CACHE_CONFIG = _cache("filter_state", 90 * 24 * 3600)
EXPLORE_FORM_DATA_CACHE_CONFIG = _cache("explore", 7 * 24 * 3600)

# Drill by / drill to detail: the dashboards are read, not explored row by row (drill to detail would list raw
# rows), and with them on, a dashboard fetches each dataset's drill_info while it renders: one request per dataset.
FEATURE_FLAGS = {"DRILL_BY": False, "DRILL_TO_DETAIL": False}

# Superset's default CSP lets the UI load a telemetry pixel (scarf.sh), map tiles and web fonts from the internet.
# A government intranet deployment sends nothing out, and the offline one-map will serve its own tiles, so the
# policy allows this origin only (the browser then blocks the pixel without even a DNS lookup).
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}

# Queries on the serving snapshot take milliseconds; keep the default timeout short so a hung query is visible.
SUPERSET_WEBSERVER_TIMEOUT = 60
SQLLAB_TIMEOUT = 60


# The served marts are a DuckLake catalog: the database YAML opens a named in-memory DuckDB, and this hook attaches
# the catalog read-only on every new connection (Superset's NullPool opens one per query), then makes it the default
# database so datasets name tables as before. The same attach the govlake readers do (serving/reader.py).
# The in-memory database is named so that a process's connections share it, and one more connection, kept open,
# keeps it alive between queries: its extensions stay loaded and its catalog attached. Without that each chart query
# loaded ducklake and sqlite_scanner again (DuckDB checks an extension's signature on each load, hashing 70 MB) and
# attached the catalog: ~280 ms of CPU a query, against ~4 ms. Each connection is still its own transaction, so
# each query reads the snapshot that is current when it runs.
_SERVING_CATALOG = os.environ.get("SERVING_CATALOG") or (
    f"sqlite:{(_govlake_data_dir / 'serving' / 'catalog.sqlite').resolve()}")
_EXTENSION_DIR = os.environ.get("GOVLAKE_EXTENSION_DIR") or str((_govlake_data_dir / "duckdb_extensions").resolve())
_SERVING_DATABASE_NAME = "govlake_serving"  # the database YAML's database_name
_SHARED_DATABASE = f":memory:{_SERVING_DATABASE_NAME}"  # the database YAML's URI: duckdb:///:memory:govlake_serving
_kept: list[Any] = []
_attaching = threading.Lock()


def _keep_shared_database(cur: Any) -> None:
    """Open the connection that keeps the shared database alive (once per process; the caller holds _attaching).
    It must carry the same configuration as duckdb-engine's (its user agent), or DuckDB refuses it; if it is
    refused anyway, every query pays the loads and the attach as before."""
    import duckdb

    cur.execute("select current_setting('custom_user_agent')")
    agent = cur.fetchall()[0][0]
    try:
        _kept.append(duckdb.connect(_SHARED_DATABASE, config={"custom_user_agent": agent} if agent else {}))
    except duckdb.Error as exc:
        _kept.append(None)
        logging.getLogger(__name__).warning("the served marts' DuckDB is not kept between queries: %s", exc)


@event.listens_for(Engine, "connect")
def _attach_served_marts(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__.split(".")[0] not in ("duckdb", "duckdb_engine"):
        return  # the metadata database, or another engine
    cur = dbapi_connection.cursor()
    try:
        # one connection attaches at a time: the others would see the catalog half attached (its metadata catalog
        # not there yet) or fail to attach it again
        with _attaching:
            shared = bool(_kept) and _kept[0] is not None  # configured by an earlier connection, and kept
            cur.execute("select database_name from duckdb_databases()")  # duckdb-engine's execute returns None
            if "govlake" not in {r[0] for r in cur.fetchall()}:  # first, or detached in SQL Lab: attach again
                if not shared:
                    cur.execute(f"set extension_directory = '{_EXTENSION_DIR}'")
                cur.execute("load ducklake")
                cur.execute("load postgres_scanner" if _SERVING_CATALOG.startswith("postgres:")
                            else "load sqlite_scanner")
                cur.execute(f"attach 'ducklake:{_SERVING_CATALOG}' as govlake (read_only)")
            if not _kept:
                _keep_shared_database(cur)
                # Superset's DML check lets SET through (sqlglot does not count it as a mutation): on a shared
                # database one SQL Lab user's `set global memory_limit` would hold for every user's queries
                cur.execute("set lock_configuration = true")
        cur.execute("use govlake")
    finally:
        cur.close()


# SQL Lab on the served marts reads them and nothing else. Superset's DML check (what sqlglot counts as a mutation)
# lets through DuckDB statements that reach beyond them: COPY … TO a file, ATTACH of any file the process can read,
# LOAD, INSTALL, CALL, SET, DETACH. So every statement sent to the served marts (SQL Lab's and the charts') must be a
# query, DESCRIBE, SHOW or SUMMARIZE; and DuckDB's functions that read files or databases are refused in SQL Lab.
DISALLOWED_SQL_FUNCTIONS = {"duckdb": {
    "read_csv", "read_csv_auto", "sniff_csv", "read_json", "read_json_auto", "read_json_objects", "read_ndjson",
    "read_ndjson_auto", "read_ndjson_objects", "read_parquet", "parquet_scan", "parquet_metadata", "parquet_schema",
    "parquet_file_metadata", "parquet_kv_metadata", "read_text", "read_blob", "glob", "read_xlsx", "sqlite_scan",
    "sqlite_attach", "postgres_scan", "postgres_query", "postgres_attach", "delta_scan", "iceberg_scan",
    "ducklake_list_files", "query_table", "query",
}}


def SQL_QUERY_MUTATOR(sql: str, **kwargs: Any) -> str:  # noqa: N802 (Superset's name)
    """SQL unchanged, or refused when it is meant for the served marts and is not read-only (above)."""
    database = kwargs.get("database")
    if getattr(database, "database_name", None) != _SERVING_DATABASE_NAME:
        return sql
    import sqlglot
    from sqlglot import exp
    from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
    from superset.exceptions import SupersetErrorException

    allowed = (exp.Query, exp.Describe, exp.Show, exp.Summarize)
    try:
        statements = [s for s in sqlglot.parse(sql, dialect="duckdb") if s is not None]
    except sqlglot.errors.ParseError:
        statements = []
    if not statements or not all(isinstance(s, allowed) for s in statements):
        raise SupersetErrorException(SupersetError(
            message="平安底数数据库只读：只允许查询语句（SELECT、DESCRIBE、SHOW、SUMMARIZE）。",
            error_type=SupersetErrorType.DML_NOT_ALLOWED_ERROR, level=ErrorLevel.ERROR))
    return sql


# The one map (一图统览) draws deck.gl layers over a base map. Superset's default base maps are OpenStreetMap tiles
# and Mapbox styles: internet, and a token. Here the only base map is a plain tile this app serves itself, so the map
# works on an intranet and in a test without network (its boundaries are drawn by the layer, not the tiles).
def _blank_tile_png(rgb: tuple[int, int, int] = (244, 246, 248), size: int = 256) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size, 9)) + chunk(b"IEND", b""))


def _offline_map_blueprint() -> Any:
    from flask import Blueprint, Response

    blueprint = Blueprint("govlake_offline_map", __name__)
    tile = _blank_tile_png()

    @blueprint.route("/govlake/blank-tile.png")
    def blank_tile() -> Response:
        return Response(tile, mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"})

    return blueprint


BLUEPRINTS = [_offline_map_blueprint()]
DECKGL_BASE_MAP = [["tile:///govlake/blank-tile.png", "空白底图（离线）"]]
