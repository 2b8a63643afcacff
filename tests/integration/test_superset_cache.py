"""Superset's caches: files in the embedded default, Redis when SUPERSET_CACHE_REDIS_URL is set (docker-compose)."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from superset_assets import lifecycle

pytestmark = pytest.mark.integration

# runs in the Superset environment: load the config, store and read one value through each data cache
PROBE = """
import runpy, sys
from flask import Flask
from flask_caching import Cache
config = runpy.run_path(sys.argv[1])
app = Flask("probe")
for name in ("CACHE_CONFIG", "DATA_CACHE_CONFIG", "FILTER_STATE_CACHE_CONFIG", "EXPLORE_FORM_DATA_CACHE_CONFIG"):
    cache = Cache(app, config=config[name])
    with app.app_context():
        cache.set(sys.argv[2], name)
        assert cache.get(sys.argv[2]) == name, name
        cache.delete(sys.argv[2])
print(config["DATA_CACHE_CONFIG"]["CACHE_TYPE"])
"""


def _probe(tmp_path: Path, **env: str) -> str:
    if not lifecycle.is_installed():
        pytest.skip("Superset env missing: uv sync --locked --project envs/superset")
    proc = subprocess.run(
        [str(lifecycle.BIN_DIR / "python"), "-c", PROBE, str(lifecycle.CONFIG_PATH), f"govlake-probe-{uuid.uuid4()}"],
        env={**{k: v for k, v in os.environ.items() if k != "SUPERSET_CACHE_REDIS_URL"},
             "SUPERSET_SECRET_KEY": "test", "DATA_DIR": str(tmp_path), **env},
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


def test_the_embedded_default_caches_in_files(tmp_path: Path) -> None:
    assert _probe(tmp_path) == "FileSystemCache"
    assert (tmp_path / "superset" / "cache" / "data").is_dir()


def test_with_a_redis_url_the_caches_are_in_redis(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.settimeout(1)
        if sock.connect_ex(("127.0.0.1", 6379)) != 0:
            if os.environ.get("CI") == "true":
                pytest.fail("Redis is not running on 127.0.0.1:6379")
            pytest.skip("Redis is not running on 127.0.0.1:6379")
    assert _probe(tmp_path, SUPERSET_CACHE_REDIS_URL="redis://127.0.0.1:6379/15") == "RedisCache"
