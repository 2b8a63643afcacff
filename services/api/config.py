"""The API's own settings (keys, audit, rate limit), read from the environment and `.env` like common.settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.settings import REPO_ROOT, get_settings


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=REPO_ROOT / ".env", extra="ignore")

    api_key_store: str = Field(default="", description="SQLAlchemy URL of the key store; empty = SQLite at "
                                                       "DATA_DIR/api/keys.sqlite")
    api_redis_url: str = Field(default="", description="redis://… shares the rate limit between workers and "
                                                       "hosts; empty = per process")
    api_rate_limit: int = Field(default=1200, ge=1, description="requests per minute per key unless the key says")
    api_key_cache_seconds: float = Field(default=2.0, ge=0, description="how long a checked key is trusted "
                                                                        "without asking the store (revocation lag)")
    api_audit_dir: str = Field(default="", description="where the append-only audit log goes; empty = "
                                                       "DATA_DIR/api/audit")

    @property
    def data_dir(self) -> Path:
        return get_settings().data_dir

    @property
    def key_store_url(self) -> str:
        if self.api_key_store:
            return self.api_key_store
        path = (self.data_dir / "api" / "keys.sqlite").resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"

    @property
    def audit_dir(self) -> Path:
        return Path(self.api_audit_dir) if self.api_audit_dir else self.data_dir / "api" / "audit"


@lru_cache
def api_settings() -> ApiSettings:
    return ApiSettings()
