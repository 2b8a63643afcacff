"""Per-key rate limit: a fixed one-minute window. In-process by default (each worker counts alone), shared through
Redis when API_REDIS_URL is set (INCR + EXPIRE on `govlake:rl:<key>:<minute>`, one round trip)."""

from __future__ import annotations

import threading
import time
from typing import Protocol

WINDOW = 60


class Limiter(Protocol):
    def hit(self, key_id: str, limit: int) -> int:
        """0 when the request may go on, else the seconds until the window ends (Retry-After)."""
        ...


class MemoryLimiter:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key_id: str, limit: int) -> int:
        now = time.time()
        window = int(now // WINDOW)
        with self._lock:
            start, count = self._counts.get(key_id, (window, 0))
            count = count + 1 if start == window else 1
            self._counts[key_id] = (window, count)
        return 0 if count <= limit else max(1, int((window + 1) * WINDOW - now + 0.999))


class RedisLimiter:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1.0)

    def hit(self, key_id: str, limit: int) -> int:
        now = time.time()
        window = int(now // WINDOW)
        name = f"govlake:rl:{key_id}:{window}"
        pipe = self.client.pipeline()
        pipe.incr(name)
        pipe.expire(name, WINDOW + 5)
        count = int(pipe.execute()[0])
        return 0 if count <= limit else max(1, int((window + 1) * WINDOW - now + 0.999))


def make_limiter(redis_url: str) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else MemoryLimiter()
