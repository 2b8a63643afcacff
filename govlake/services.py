"""Background servers for `govlake serve`/`demo` and `make stop`: the marts API and the simulated upstreams."""

from __future__ import annotations

import os
import sys

from common import processes
from common.settings import Settings

API = "api"


def api_url(settings: Settings) -> str:
    return f"http://{settings.api_host}:{settings.api_port}"


def start_api(settings: Settings, timeout: float = 60.0) -> str:
    if not processes.is_running(settings.run_dir, API):
        argv = [sys.executable, "-m", "uvicorn", "services.api.main:app", "--host", settings.api_host,
                "--port", str(settings.api_port), "--workers", str(os.cpu_count() or 1)]
        processes.start(settings.run_dir, API, argv, env={"DATA_DIR": str(settings.data_dir.resolve())})
    processes.wait_http(f"{api_url(settings)}/health", timeout=timeout)
    return api_url(settings)


def stop_api(settings: Settings) -> bool:
    return processes.stop(settings.run_dir, API)


UPSTREAM = "upstream"
UPSTREAM_PORT = 8765  # where the community source looks when COMMUNITY_API_URL is not set


def start_upstream(settings: Settings, timeout: float = 60.0) -> str:
    """The simulated REST upstreams (community, video platform) in the background, for the demo."""
    url = f"http://127.0.0.1:{UPSTREAM_PORT}"
    if not processes.is_running(settings.run_dir, UPSTREAM):
        argv = [sys.executable, "-m", "simulator.upstream_http", "--data-dir", str(settings.sources_dir.resolve()),
                "--port", str(UPSTREAM_PORT), "--token", settings.community_api_token, "--rate-limit", "0"]
        processes.start(settings.run_dir, UPSTREAM, argv)
    processes.wait_http(f"{url}/health", timeout=timeout)
    return url


def stop_upstream(settings: Settings) -> bool:
    return processes.stop(settings.run_dir, UPSTREAM)
