"""API keys: a role, an optional jurisdiction, stored hashed (SHA-256 of a 256-bit random secret) in SQLite under
DATA_DIR or in PostgreSQL. The key itself (`glk_<id>_<secret>`) is shown once, at creation, and never stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa

ROLES = ("app", "street", "analyst", "admin")
Role = Literal["app", "street", "analyst", "admin"]
KEY_FORMAT = re.compile(r"^glk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")

metadata = sa.MetaData()
api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("key_id", sa.String(12), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("area_code", sa.String(32)),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("rate_limit", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)


class KeyError_(ValueError):
    """A key that cannot be created as asked (bad role, missing or unknown area)."""


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    role: str
    area_code: str | None
    rate_limit: int | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def area_level(self) -> str | None:
        if self.area_code is None:
            return None
        return {9: "street", 12: "community"}.get(len(self.area_code), "grid")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _row(r: sa.Row) -> ApiKey:  # type: ignore[type-arg]
    return ApiKey(r.key_id, r.name, r.role, r.area_code, r.rate_limit, r.created_at, r.revoked_at)


class KeyStore:
    def __init__(self, url: str, cache_seconds: float = 0.0) -> None:
        self.engine = sa.create_engine(url, pool_pre_ping=True)
        metadata.create_all(self.engine)
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, str, ApiKey | None]] = {}  # key id -> (when, secret digest, key)
        self._lock = threading.Lock()

    def create(self, name: str, role: str, area_code: str | None = None, rate_limit: int | None = None) -> tuple[
            ApiKey, str]:
        if role not in ROLES:
            raise KeyError_(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        if role == "street" and not area_code:
            raise KeyError_("a street key needs --area (a street or community code)")
        if role == "admin" and area_code:
            raise KeyError_("an admin key is district-wide: no --area")
        if area_code and not re.fullmatch(r"\d{9}|\d{12}", area_code):
            raise KeyError_(f"--area must be a 9-digit street or 12-digit community code, got {area_code!r}")
        if not name.strip():
            raise KeyError_("--name must not be empty")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        created = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(api_keys.insert().values(key_id=key_id, name=name.strip(), role=role, area_code=area_code,
                                                  secret_sha256=_digest(secret), rate_limit=rate_limit,
                                                  created_at=created))
        return ApiKey(key_id, name.strip(), role, area_code, rate_limit, created, None), f"glk_{key_id}_{secret}"

    def list(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(sa.select(api_keys).order_by(api_keys.c.created_at))]

    def revoke(self, key_id: str) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(api_keys.update().where(api_keys.c.key_id == key_id,
                                                        api_keys.c.revoked_at.is_(None))
                                .values(revoked_at=datetime.now(UTC))).rowcount
        with self._lock:
            self._cache.pop(key_id, None)
        return bool(done)

    def is_fresh(self, token: str) -> bool:
        """Whether `verify(TOKEN)` answers from this process's cache, without asking the store."""
        match = KEY_FORMAT.match(token)
        if not match:
            return True  # refused without asking anyone
        with self._lock:
            cached = self._cache.get(match.group(1))
        return cached is not None and time.monotonic() - cached[0] < self.cache_seconds

    def verify(self, token: str) -> ApiKey | None:
        """The live key TOKEN is, or None (malformed, unknown, wrong secret or revoked)."""
        match = KEY_FORMAT.match(token)
        if not match:
            return None
        key_id, secret = match.groups()
        now, digest = time.monotonic(), _digest(secret)
        with self._lock:
            cached = self._cache.get(key_id)
        if cached and now - cached[0] < self.cache_seconds and hmac.compare_digest(cached[1], digest):
            return cached[2]
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id)).first()
        key = None
        if row is not None and hmac.compare_digest(row.secret_sha256, digest) and row.revoked_at is None:
            key = _row(row)
        if self.cache_seconds and row is not None:
            with self._lock:
                self._cache[key_id] = (now, row.secret_sha256, key)
        return key

    def close(self) -> None:
        self.engine.dispose()
