"""API keys end to end: the CLI creates, lists and revokes them (stored hashed); every /v1 request needs one; the
role × mart matrix; a key for 民治 (440309002) never sees a row of another street on any endpoint, format or
filter; the audit log; the rate limit in process and in Redis; the key store on PostgreSQL."""

from __future__ import annotations

import io
import json
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from tests.conftest import require, run_govlake

pytestmark = pytest.mark.integration
MINZHI = "440309002"
AREA_COLUMNS = ("street_code", "community_code", "grid_code", "area_code")


@pytest.fixture
def keys(api_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., dict[str, str]]]:
    """Make keys in a store of this test's own: keys(role, area=None, rate_limit=None) -> request headers."""
    from services.api.auth import key_store, reset_auth

    monkeypatch.setenv("API_KEY_STORE", f"sqlite:///{tmp_path / 'keys.sqlite'}")
    monkeypatch.setenv("API_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.setenv("API_KEY_CACHE_SECONDS", "0")
    reset_auth()

    def make(role: str, area: str | None = None, rate_limit: int | None = None) -> dict[str, str]:
        _, token = key_store().create(f"test {role}", role, area, rate_limit)
        return {"Authorization": f"Bearer {token}"}

    yield make
    reset_auth()


def _rows(response: Any, fmt: str) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    if fmt == "json":
        return list(response.json()["items"])
    data = io.BytesIO(response.content)
    if fmt == "csv":
        table = pa_csv.read_csv(data, convert_options=pa_csv.ConvertOptions(
            column_types={c: pa.string() for c in AREA_COLUMNS}, strings_can_be_null=True))
    else:
        table = pq.read_table(data) if fmt == "parquet" else pa.ipc.open_stream(data).read_all()
    return list(table.to_pylist())


def _foreign(rows: list[dict[str, Any]], area: str) -> list[dict[str, Any]]:
    return [r for r in rows for c in AREA_COLUMNS if r.get(c) is not None and not str(r[c]).startswith(area)]


def test_cli_creates_lists_and_revokes_keys_stored_hashed(api_client: Any, published_env: dict[str, Any],
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.api.auth import reset_auth

    store = tmp_path / "cli-keys.sqlite"
    env = {**published_env["env"], "API_KEY_STORE": f"sqlite:///{store}", "API_AUDIT_DIR": str(tmp_path / "a")}
    out = run_govlake(env, "api-key", "create", "--name", "民治综治中心", "--role", "street", "--area", MINZHI).stdout
    token = out.strip().splitlines()[-1]
    assert token.startswith("glk_")
    key_id = token.split("_")[1]
    assert token.split("_", 2)[2].encode() not in store.read_bytes()  # only the hash is kept
    listing = run_govlake(env, "api-key", "list").stdout
    assert key_id in listing and MINZHI in listing and token not in listing

    for name, value in env.items():
        if name.startswith("API_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("API_KEY_CACHE_SECONDS", "0")
    reset_auth()
    headers = {"Authorization": f"Bearer {token}"}
    assert api_client.get("/v1/streets", headers=headers).status_code == 200
    run_govlake(env, "api-key", "revoke", key_id)
    r = api_client.get("/v1/streets", headers=headers)
    assert r.status_code == 401 and "revoked" in r.text
    reset_auth()


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer glk_000000000000_" + "x" * 43, "Basic abc", "glk_x"])
def test_no_or_bad_key_is_401(keys: Any, api_client: Any, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    for url in ("/v1/marts", "/v1/marts/tickets", "/v1/streets", "/v1/kpi?period=2024", "/v1/marts/nope?x=1"):
        r = api_client.get(url, headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer"), (url, r.text)


def test_role_matrix(keys: Any, api_client: Any) -> None:
    app, analyst, street, admin = keys("app"), keys("analyst"), keys("street", MINZHI), keys("admin")
    for headers in (app, analyst):
        r = api_client.get("/v1/marts/key-persons", headers=headers)
        assert r.status_code == 403 and "individual people" in r.text
        listed = {m["mart"]: m for m in api_client.get("/v1/marts", headers=headers).json()["items"]}
        assert not listed["key-persons"]["readable"] and listed["tickets"]["readable"]
        row = api_client.get("/v1/marts/tickets", params={"limit": 1}, headers=headers).json()["items"][0]
        assert "caller_key" not in row  # the caller's pseudonym only for street and admin keys
    for headers in (street, admin):  # entitled: the slice does not publish key persons, so not 403 but 404
        r = api_client.get("/v1/marts/key-persons", headers=headers)
        assert r.status_code == 404 and "not in the published snapshot" in r.text
        assert "caller_key" in api_client.get("/v1/marts/tickets", params={"limit": 1}, headers=headers).json()[
            "items"][0]
    community = keys("app", MINZHI + "001")
    r = api_client.get("/v1/marts/tickets-monthly-by-street", headers=community)
    assert r.status_code == 403 and "coarser" in r.text


def _count_in(published_env: dict[str, Any], table: str, column: str) -> int:
    from serving import reader

    con = reader.connect(published_env["settings"])
    try:
        return int(con.execute(f"select count(*) from {table} where starts_with({column}, ?)",  # type: ignore[index]
                               [MINZHI]).fetchone()[0])
    finally:
        con.close()


def test_a_minzhi_key_sees_only_minzhi(keys: Any, api_client: Any, published_env: dict[str, Any]) -> None:
    headers = keys("street", MINZHI)
    marts = [m for m in api_client.get("/v1/marts", headers=headers).json()["items"] if m["published"]]
    checked = 0
    for mart in marts:
        url = f"/v1/marts/{mart['mart']}"
        for fmt in ("json", "csv", "parquet", "arrow"):
            params: dict[str, Any] = {"limit": 1000, "format": fmt}
            rows: list[dict[str, Any]] = []
            while True:
                r = api_client.get(url, params=params, headers=headers)
                rows += _rows(r, fmt)
                cursor = r.headers.get("x-next-cursor")
                if not cursor:
                    break
                params["cursor"] = cursor
            assert not _foreign(rows, MINZHI), (mart["mart"], fmt, _foreign(rows, MINZHI)[:2])
            scope_column = next((c for c in AREA_COLUMNS if c in {col["name"] for col in mart["columns"]}), None)
            if scope_column:  # scoped, not emptied: exactly the rows of 民治
                assert len(rows) == _count_in(published_env, mart["table"], scope_column), (mart["mart"], fmt)
                checked += 1
        for column, own, other in (("street_code", MINZHI, "440309003"),
                                   ("community_code", MINZHI + "001", "440309003001"),
                                   ("grid_code", None, None)):
            if column not in mart["filters"]:
                continue
            if own:
                rows = api_client.get(url, params={column: own, "limit": 1000}, headers=headers).json()["items"]
                assert all(r[column] == own for r in rows) and not _foreign(rows, MINZHI)
                r = api_client.get(url, params={column: other}, headers=headers)
                assert r.status_code == 403 and "outside this key's area" in r.text, (url, column)
    assert checked >= 4 * 10 and _count_in(published_env, "fct_tickets", "street_code") > 500  # not trivial
    assert [s["street_code"] for s in api_client.get("/v1/streets", headers=headers).json()["items"]] == [MINZHI]
    r = api_client.get("/v1/kpi", params={"period": "2024", "area_code": "440309003"}, headers=headers)
    assert r.status_code == 403
    r = api_client.get("/v1/kpi", params={"period": "2024", "area_code": "440309"}, headers=headers)
    assert r.status_code == 403  # the district is more than 民治


def test_every_request_is_audited_without_personal_data(keys: Any, api_client: Any, tmp_path: Path) -> None:
    headers = keys("street", MINZHI)
    key_id = headers["Authorization"].split("_")[1]
    api_client.get("/v1/marts/tickets", params={"limit": 3, "street_code": MINZHI}, headers=headers)
    api_client.get("/v1/marts/tickets", params={"street_code": "440309003"}, headers=headers)
    api_client.get("/v1/streets")
    lines = [json.loads(line) for f in sorted((tmp_path / "audit").glob("*.jsonl")) for line in f.open()]
    assert [(e["key"], e["endpoint"], e["status"], e["rows"]) for e in lines[-3:]] == [
        (key_id, "/v1/marts/tickets", 200, 3), (key_id, "/v1/marts/tickets", 403, None),
        (None, "/v1/streets", 401, None)]
    assert lines[-3]["params"] == {"limit": "3", "street_code": MINZHI} and lines[-3]["ms"] >= 0
    text = "".join(f.read_text() for f in (tmp_path / "audit").glob("*.jsonl"))
    assert headers["Authorization"].split("_", 2)[2] not in text and "caller_key" not in text


def test_rate_limit_in_process(keys: Any, api_client: Any) -> None:
    headers = keys("app", rate_limit=3)
    statuses = [api_client.get("/v1/streets", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = api_client.get("/v1/streets", headers=headers)
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert api_client.get("/v1/streets", headers=keys("app", rate_limit=3)).status_code == 200  # per key


def test_rate_limit_in_redis(keys: Any, api_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.settimeout(1)
        require(s.connect_ex(("127.0.0.1", 6379)) == 0, "Redis is not running on 127.0.0.1:6379")
    import redis

    from services.api.auth import limiter, reset_auth

    headers = keys("app", rate_limit=2)
    monkeypatch.setenv("API_REDIS_URL", "redis://127.0.0.1:6379/15")
    reset_auth()
    assert type(limiter()).__name__ == "RedisLimiter"
    key_id = headers["Authorization"].split("_")[1]
    statuses = [api_client.get("/v1/streets", headers=headers).status_code for _ in range(3)]
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    counters = list(client.scan_iter(f"govlake:rl:{key_id}:*"))
    assert statuses == [200, 200, 429] and len(counters) == 1 and int(client.get(counters[0]) or 0) == 3
    assert 0 < client.ttl(counters[0]) <= 65
    client.delete(*counters)


def test_key_store_on_postgresql(postgres_url: str, keys: Any, api_client: Any,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from services.api.auth import key_store, reset_auth
    from services.api.keystore import KeyStore

    monkeypatch.setenv("API_KEY_STORE", postgres_url)
    reset_auth()
    assert key_store().engine.dialect.name == "postgresql"
    key, token = key_store().create(f"pg {uuid.uuid4().hex[:6]}", "street", MINZHI)
    r = api_client.get("/v1/streets", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and [s["street_code"] for s in r.json()["items"]] == [MINZHI]
    other = KeyStore(postgres_url)  # another process's view of the same store
    assert key.key_id in {k.key_id for k in other.list()} and other.revoke(key.key_id)
    other.close()
    assert api_client.get("/v1/streets", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    reset_auth()
