"""Background servers with pid files, so `govlake serve` can start them and `make stop` can stop them all."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path


def _pid_file(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.pid"


def is_running(run_dir: Path, name: str) -> bool:
    pid_file = _pid_file(run_dir, name)
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text()), 0)
    except (ProcessLookupError, ValueError):
        return False
    return True


def start(
    run_dir: Path, name: str, argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> int:
    """Start `argv` detached in its own process group; its output goes to RUN_DIR/NAME.log."""
    run_dir.mkdir(parents=True, exist_ok=True)
    log = open(run_dir / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        list(argv),
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    _pid_file(run_dir, name).write_text(str(proc.pid))
    return proc.pid


def _reap(pid: int) -> None:
    """Collect PID if it is our own exited child: a zombie would otherwise look alive to killpg(pid, 0)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def alive(pid: int) -> bool:
    """True while PID runs (an exited child of ours is reaped first, not mistaken for a live one)."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(run_dir: Path, name: str, timeout: float = 15.0) -> bool:
    """Stop the process group NAME was started in; True when something was stopped."""
    pid_file = _pid_file(run_dir, name)
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text())
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, ValueError):
        pid_file.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def wait_http(url: str, timeout: float = 120.0) -> None:
    """Block until URL answers with a non-5xx status, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
            last = exc
        except OSError as exc:
            last = exc
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s ({last})")
