"""Fixtures of the API tests: keys in a store of the test's own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def new_key(api_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """new_key(role, area=None, rate_limit=None) -> a key (token) of a key store and audit log of this test's own."""
    from services.api.auth import key_store, reset_auth

    monkeypatch.setenv("API_KEY_STORE", f"sqlite:///{tmp_path / 'keys.sqlite'}")
    monkeypatch.setenv("API_AUDIT_DIR", str(tmp_path / "audit"))
    reset_auth()

    def make(role: str, area: str | None = None, rate_limit: int | None = None) -> str:
        return key_store().create(f"test {role}", role, area, rate_limit)[1]

    yield make
    reset_auth()


@pytest.fixture
def admin_token(new_key: Callable[..., str]) -> str:
    """An admin key that no rate limit stops."""
    return new_key("admin", rate_limit=1_000_000)


@pytest.fixture
def admin(api_client: Any, admin_token: str) -> Any:
    """The shared test client, sending an admin key."""
    api_client.headers["Authorization"] = f"Bearer {admin_token}"
    return api_client
