"""Set up, start and stop Superset from the core environment.

Superset lives in its own uv environment (envs/superset: SQLAlchemy 1.4, its own Flask stack), so this module only
runs that environment's executables; it imports nothing from Superset.

- `init(settings)`: metadata DB migrations, admin user, roles/permissions, then the asset bundle from
  superset_assets/ rendered for this machine. Each half is skipped when a marker says it is already done.
- `start(settings)`: gunicorn in the background (pid file and log under settings.run_dir), waits for /health.
- `stop(settings)`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from common import processes
from common.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

ENV_DIR = REPO_ROOT / "envs" / "superset"
BIN_DIR = ENV_DIR / ".venv" / "bin"
ASSETS_DIR = REPO_ROOT / "superset_assets"
CONFIG_PATH = ASSETS_DIR / "superset_config.py"
IMPORT_SCRIPT = ASSETS_DIR / "import_bundle.py"
ACCESS_SCRIPT = ASSETS_DIR / "access.py"  # roles, row-level security, demo users
DATABASE_NAME = "govlake_serving"
BUNDLE_DIRS = ("databases", "datasets", "charts", "dashboards")
PROCESS_NAME = "superset"
DASHBOARD_SLUG = "cockpit"  # 一屏感知 · 领导驾驶舱


class SupersetError(RuntimeError):
    pass


def is_installed() -> bool:
    return (BIN_DIR / "superset").exists() and (BIN_DIR / "gunicorn").exists()


def home_dir(settings: Settings) -> Path:
    """Superset's own files (SQLite metadata DB, init marker) under DATA_DIR/superset."""
    return settings.data_dir.absolute() / "superset"


def base_url(settings: Settings) -> str:
    return f"http://{settings.superset_host}:{settings.superset_port}"


def dashboard_url(settings: Settings) -> str:
    return f"{base_url(settings)}/superset/dashboard/{DASHBOARD_SLUG}/"


def demo_users_text(settings: Settings) -> str:
    """The demo logins, one per line, for `govlake serve` / `make demo` to print."""
    from superset_assets.access import demo_users

    names = ", ".join(username for username, _, _ in demo_users())
    return f"demo users (password {settings.superset_demo_password}): {names}"


def superset_env(settings: Settings) -> dict[str, str]:
    """Environment for every Superset process (documented at the top of superset_config.py)."""
    env = {
        "SUPERSET_CONFIG_PATH": str(CONFIG_PATH),
        "SUPERSET_SECRET_KEY": settings.superset_secret_key,
        "SUPERSET_HOME": str(home_dir(settings)),
        "DATA_DIR": str(settings.data_dir.absolute()),
        "FLASK_APP": "superset",
        "SUPERSET_DEMO_PASSWORD": settings.superset_demo_password,
    }
    for name in ("SUPERSET_DATABASE_URI", "SUPERSET_LOCALE", "SERVING_CATALOG"):
        if value := getattr(settings, name.lower()):
            env[name] = value
    return env


def _require_installed() -> None:
    if not is_installed():
        raise SupersetError(
            f"the Superset environment is missing ({BIN_DIR}); run `uv sync --locked --project envs/superset`"
        )


def _run(settings: Settings, argv: list[str], what: str) -> None:
    started = time.monotonic()
    proc = subprocess.run(
        argv,
        env={**os.environ, **superset_env(settings)},
        cwd=home_dir(settings),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.run_dir / "superset-init.log", "a") as fh:
        fh.write(f"$ {' '.join(argv[:4])} ...\n{proc.stdout}{proc.stderr}\n")
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
        raise SupersetError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    log.info("superset: %s done in %.1fs", what, time.monotonic() - started)


# ---------------------------------------------------------------- asset bundle


def _bundle_files() -> list[Path]:
    files = [ASSETS_DIR / "metadata.yaml"]
    for sub in BUNDLE_DIRS:
        files += sorted((ASSETS_DIR / sub).rglob("*.yaml"))
    return files


def bundle() -> dict[str, str]:
    """Bundle file name (relative to superset_assets/) -> content (no environment values: the database YAML opens
    an in-memory DuckDB and superset_config.py attaches the served catalog on connect)."""
    return {
        path.relative_to(ASSETS_DIR).as_posix(): path.read_text(encoding="utf-8")
        for path in _bundle_files()
    }


def write_bundle_zip(dest: Path) -> Path:
    """The ZIP Superset imports: every file under one root folder, as Superset's own exports are laid out."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in bundle().items():
            zf.writestr(f"govlake_assets/{name}", text)
    return dest


def _digest(parts: list[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


# ---------------------------------------------------------------- init


def _marker_path(settings: Settings) -> Path:
    return home_dir(settings) / "govlake-init.json"


def _read_marker(settings: Settings) -> dict[str, str]:
    try:
        data = json.loads(_marker_path(settings).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_marker(settings: Settings, marker: dict[str, str]) -> None:
    tmp = _marker_path(settings).with_suffix(".tmp")
    tmp.write_text(json.dumps(marker, indent=2))
    tmp.replace(_marker_path(settings))


def _metadata_db_key(settings: Settings) -> str:
    if uri := settings.superset_database_uri:
        return uri
    # default SQLite: if the file is gone, so is everything init did
    sqlite = home_dir(settings) / "superset.db"
    return f"sqlite:{sqlite}:{sqlite.stat().st_ino if sqlite.exists() else 'missing'}"


def _bootstrap_key(settings: Settings) -> str:
    # a new lock (new Superset version) may bring migrations and permissions, so it re-runs the bootstrap
    lock = (ENV_DIR / "uv.lock").read_text(encoding="utf-8") if (ENV_DIR / "uv.lock").exists() else ""
    return _digest([lock, _metadata_db_key(settings), settings.superset_admin_user])


def init(settings: Settings, *, force: bool = False) -> None:
    """Bring Superset's metadata DB and the dashboards up to date; fast when nothing changed."""
    _require_installed()
    home_dir(settings).mkdir(parents=True, exist_ok=True)
    marker = {} if force else _read_marker(settings)
    bin_superset = str(BIN_DIR / "superset")

    if marker.get("bootstrap") != _bootstrap_key(settings):
        _run(settings, [bin_superset, "db", "upgrade"], "superset db upgrade")
        # prints "already exists" and exits 0 when the user is there: safe to repeat
        _run(
            settings,
            [
                bin_superset, "fab", "create-admin",
                "--username", settings.superset_admin_user,
                "--firstname", "Admin",
                "--lastname", "govlake",
                "--email", f"{settings.superset_admin_user}@govlake.invalid",
                "--password", settings.superset_admin_password,
            ],
            "superset fab create-admin",
        )  # fmt: skip
        _run(settings, [bin_superset, "init"], "superset init")
        # the key includes the SQLite file's inode, which only exists now
        marker = {"bootstrap": _bootstrap_key(settings)}
        _write_marker(settings, marker)

    files = bundle()
    # the access rules follow the imported datasets (RLS is set per dataset): both re-run when either changes
    assets_key = _digest([f"{k}\n{v}" for k, v in sorted(files.items())]
                         + [ACCESS_SCRIPT.read_text(encoding="utf-8"), settings.superset_demo_password])
    if marker.get("assets") != assets_key:
        import_assets(settings)
        marker["assets"] = assets_key
        _write_marker(settings, marker)


def import_assets(settings: Settings) -> None:
    """Import the bundle (overwriting every object in it) and re-apply the access rules; a repeat changes nothing."""
    _require_installed()
    with tempfile.TemporaryDirectory(prefix="govlake-superset-") as tmp:
        zip_path = write_bundle_zip(Path(tmp) / "govlake_assets.zip")
        _run(
            settings,
            [str(BIN_DIR / "python"), str(IMPORT_SCRIPT), str(zip_path), settings.superset_admin_user],
            "import asset bundle",
        )
    _run(settings, [str(BIN_DIR / "python"), str(ACCESS_SCRIPT), DATABASE_NAME], "roles, RLS and demo users")


# ---------------------------------------------------------------- start / stop


def _log_tail(settings: Settings, lines: int = 40) -> str:
    path = settings.run_dir / f"{PROCESS_NAME}.log"
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start(settings: Settings, *, timeout: float = 180.0, workers: int = 2, threads: int = 4) -> str:
    """Start Superset in the background unless it already runs; return its base URL once /health answers.

    Two gthread workers of four threads: a dashboard sends all its chart-data requests at once, and even served from
    the cache each costs ~30 ms of Python (the query is rebuilt to find its cache key, access is checked); one
    process runs them one after another under the GIL (a warm cockpit's 19 answers came back one by one), two use
    both cores. A worker holds ~400 MB.
    """
    _require_installed()
    url = base_url(settings)
    if processes.is_running(settings.run_dir, PROCESS_NAME) and _healthy(f"{url}/health"):
        return url
    home_dir(settings).mkdir(parents=True, exist_ok=True)
    argv = [
        str(BIN_DIR / "gunicorn"),
        "--bind", f"{settings.superset_host}:{settings.superset_port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--timeout", "120",
        # explore URLs carry the form data; Superset's own image lifts these limits too
        "--limit-request-line", "0",
        "--limit-request-field_size", "0",
        "superset.app:create_app()",
    ]  # fmt: skip
    pid = processes.start(settings.run_dir, PROCESS_NAME, argv, env=superset_env(settings), cwd=home_dir(settings))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not processes.alive(pid):
            processes.stop(settings.run_dir, PROCESS_NAME)
            raise SupersetError(f"Superset exited during startup:\n{_log_tail(settings)}")
        if _healthy(f"{url}/health"):
            log.info("superset: up at %s", url)
            return url
        time.sleep(0.5)
    processes.stop(settings.run_dir, PROCESS_NAME)
    raise SupersetError(f"Superset did not answer {url}/health within {timeout:.0f}s:\n{_log_tail(settings)}")


def stop(settings: Settings) -> bool:
    """Stop the Superset started by `start`; True when one was running."""
    return processes.stop(settings.run_dir, PROCESS_NAME)
