"""Start and stop the serving side (marts API, Superset) in the background for `govlake serve` and `make stop`."""

from __future__ import annotations

import sys

from govlake import processes
from govlake.settings import Settings

API = "api"


def api_url(settings: Settings) -> str:
    return f"http://{settings.api_host}:{settings.api_port}"


def start_api(settings: Settings, timeout: float = 60.0) -> str:
    if not processes.is_running(settings.run_dir, API):
        argv = [sys.executable, "-m", "uvicorn", "services.api.main:app", "--host", settings.api_host,
                "--port", str(settings.api_port), "--workers", "1"]
        processes.start(settings.run_dir, API, argv, env={"DATA_DIR": str(settings.data_dir.resolve())})
    processes.wait_http(f"{api_url(settings)}/health", timeout=timeout)
    return api_url(settings)


def stop_api(settings: Settings) -> bool:
    return processes.stop(settings.run_dir, API)
