"""The append-only audit log: one JSON line per /v1 request (key id, endpoint, parameters, rows, status, time).

Files are opened in append mode only (`O_APPEND`: each line is one write, whole even with several workers), one per
UTC day under DATA_DIR/api/audit/. Nothing personal is written: no key secret, no client address, no response data;
parameters are area, period and code filters, which the key's own scope already bounds.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class AuditLog:
    def __init__(self, directory: Callable[[], Path]) -> None:
        self.directory = directory  # asked at each write: the settings in force (tests, reloads)
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._fd: int | None = None

    def _descriptor(self, day: str) -> int:
        path = self.directory() / f"{day}.jsonl"
        if self._fd is None or path != self._path:
            if self._fd is not None:
                os.close(self._fd)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            self._path = path
        return self._fd

    def write(self, **entry: Any) -> None:
        now = datetime.now(UTC)
        line = json.dumps({"at": now.isoformat(timespec="milliseconds"), **entry}, ensure_ascii=False,
                          separators=(",", ":"), default=str) + "\n"
        with self._lock:
            os.write(self._descriptor(now.strftime("%Y-%m-%d")), line.encode())

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
            self._fd = None
