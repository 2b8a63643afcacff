"""Bearer keys on every /v1 request, the role × mart matrix and the key's jurisdiction (docs/api.md §Access).

- no key, a malformed, unknown or revoked one → 401; over the key's rate → 429 with Retry-After;
- a person-level mart (rows about one individual: key persons, 失驾 clues, volunteers) → only `street` (its own
  area) and `admin`; other roles get 403. The caller's pseudonym on tickets (`caller_key`) is left out for `app`
  and `analyst`;
- a key with an area sees only its area's rows on every mart, filter and format; naming another area → 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from services.api.config import api_settings
from services.api.contracts import PSEUDONYM_COLUMNS, MartSpec
from services.api.keystore import ApiKey, KeyStore
from services.api.query import Plan, quote
from services.api.rate_limit import Limiter, MemoryLimiter, make_limiter

PERSON_ROLES = frozenset({"street", "admin"})
PSEUDONYM_ROLES = frozenset({"street", "admin"})


@lru_cache
def key_store() -> KeyStore:
    settings = api_settings()
    return KeyStore(settings.key_store_url, cache_seconds=settings.api_key_cache_seconds)


@lru_cache
def limiter() -> Limiter:
    return make_limiter(api_settings().api_redis_url)


def reset_auth() -> None:
    if key_store.cache_info().currsize:
        key_store().close()
    key_store.cache_clear()
    limiter.cache_clear()
    api_settings.cache_clear()


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail=detail, headers={"WWW-Authenticate": 'Bearer realm="govlake"'})


async def authenticate(request: Request) -> ApiKey:
    """FastAPI dependency of every /v1 route: the caller's live key, counted against its rate limit. Checked in the
    event loop when nothing can wait (the key checked within API_KEY_CACHE_SECONDS, the in-process limiter), else in
    a worker thread (the key store or Redis is asked): no thread hop on the common path."""
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    if isinstance(limiter(), MemoryLimiter) and key_store().is_fresh(token):
        return _authenticate(request)
    return await run_in_threadpool(_authenticate, request)


def _authenticate(request: Request) -> ApiKey:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("an API key is required: Authorization: Bearer <key> (govlake api-key create)")
    key = key_store().verify(token.strip())
    if key is None:
        raise _unauthorized("invalid or revoked API key")
    request.state.key_id = key.key_id
    retry = limiter().hit(key.key_id, key.rate_limit or api_settings().api_rate_limit)
    if retry:
        raise HTTPException(429, detail=f"rate limit of key {key.key_id} reached; retry in {retry} s",
                            headers={"Retry-After": str(retry)})
    return key


@dataclass(frozen=True)
class Scope:
    """What one key may read of one mart."""

    key: ApiKey

    @property
    def area(self) -> str | None:
        return self.key.area_code

    def check_mart(self, mart: MartSpec) -> None:
        if mart.person_level and self.key.role not in PERSON_ROLES:
            raise HTTPException(403, detail=f"mart {mart.slug} holds rows about individual people; role "
                                            f"{self.key.role} may not read it (docs/api.md)")
        if self.area and mart.area_columns and not self._scope_column(mart):
            raise HTTPException(403, detail=f"mart {mart.slug} is coarser than this key's area {self.area}")

    def visible_columns(self, mart: MartSpec) -> list[str]:
        hidden = PSEUDONYM_COLUMNS if self.key.role not in PSEUDONYM_ROLES else frozenset()
        return [c for c in mart.column_names if c not in hidden]

    def _scope_column(self, mart: MartSpec) -> str | None:
        """The finest-or-equal area column that can hold the key's area."""
        level = self.key.area_level
        wanted = ("street_code", "community_code", "grid_code") if level == "street" else (
            ("community_code", "grid_code") if level == "community" else ("grid_code",))
        return next((c for c in wanted if c in mart.area_columns), None)

    def check_area(self, parameter: str, code: str) -> None:
        """A filter on CODE (a street, community or grid) must lie inside the key's area."""
        if self.area and not code.startswith(self.area):
            raise HTTPException(403, detail=f"{parameter}={code} is outside this key's area {self.area}")

    def restrict(self, mart: MartSpec, plan: Plan) -> None:
        if not self.area:
            return
        if mart.has_area_code:
            plan.add("starts_with(area_code, ?)", self.area)
            return
        column = self._scope_column(mart)
        if column is None:
            return  # a mart without areas (catalogues, district figures): nothing of another area in it
        if column == self.key.area_level + "_code":  # type: ignore[operator]
            plan.add(f"{quote(column)} = ?", self.area)
        else:
            plan.add(f"starts_with({quote(column)}, ?)", self.area)
