"""Extraction from REST upstreams: bearer auth, pagination, retries that honour Retry-After, resume after a failure.

Every page is kept as received (the raw JSON body) in the landing zone under the batch's prefix before the next one
is asked for, so a batch that dies on page 40 of 60 resumes at page 41 on the rerun instead of starting again — and
landing still holds exactly what the upstream sent.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import polars as pl

from common.lake import Lake

RETRYABLE = {429, 500, 502, 503, 504}


class RestError(RuntimeError):
    """A request the upstream refused for good (4xx other than 429), or one that kept failing."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable  # no attempt got an HTTP answer: nothing listens there (or no route)


@dataclass
class RestClient:
    base_url: str
    token: str
    max_attempts: int = 8
    base_delay: float = 0.5  # first backoff; doubles per attempt
    max_delay: float = 30.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    attempts_made: int = field(default=0, init=False)  # for the batch's manifest and the tests
    waited: float = field(default=0.0, init=False)
    _http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.base_url, timeout=self.timeout,
                                  headers={"Authorization": f"Bearer {self.token}"})
        # jitter spreads retries of parallel workers; seeded so a run's waits are reproducible
        self._jitter = random.Random(self.base_url)

    def close(self) -> None:
        self._http.close()

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(float(retry_after), self.max_delay)
            except ValueError:
                pass  # an HTTP-date: fall back to our own backoff
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return backoff * (0.5 + self._jitter.random() / 2)

    def get_json(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        last, answered = "", False
        for attempt in range(1, self.max_attempts + 1):
            self.attempts_made += 1
            try:
                response = self._http.get(path, params=params)
            except httpx.TransportError as exc:
                last, retry_after = f"{type(exc).__name__}: {exc}", None
            else:
                answered = True
                if response.status_code == 200:
                    return response.json()  # type: ignore[no-any-return]
                last = f"HTTP {response.status_code}: {response.text[:300]}"
                if response.status_code not in RETRYABLE:
                    raise RestError(f"GET {path} {params} refused: {last}")
                retry_after = response.headers.get("Retry-After")
            if attempt < self.max_attempts:
                delay = self._delay(attempt, retry_after)
                self.waited += delay
                self.sleep(delay)
        raise RestError(f"GET {path} {params} failed {self.max_attempts} times; last: {last}", unreachable=not answered)


@dataclass(frozen=True)
class PagedEndpoint:
    """A list endpoint and how it pages: `page` (page/page_size/pages) or `cursor` (cursor → next_cursor)."""

    path: str
    style: Literal["page", "cursor"] = "page"
    page_size: int = 1000
    size_param: str = "page_size"

    def pages(self, client: RestClient, params: dict[str, Any], start: dict[str, Any] | None
              ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(request position, body) per page, from START (the position after the last page kept) on."""
        if self.style == "page":
            page = int(start["page"]) if start else 1
            while True:
                body = client.get_json(self.path, {**params, "page": page, self.size_param: self.page_size})
                yield {"page": page}, body
                if page >= int(body["data"]["pages"]):
                    return
                page += 1
        else:
            cursor = start["cursor"] if start else None
            while True:
                query = {**params, self.size_param: self.page_size, **({"cursor": cursor} if cursor else {})}
                body = client.get_json(self.path, query)
                yield {"cursor": cursor}, body
                cursor = body["data"].get("next_cursor")
                if not cursor:
                    return

    def next_position(self, position: dict[str, Any], body: dict[str, Any]) -> dict[str, Any] | None:
        if self.style == "page":
            return None if position["page"] >= int(body["data"]["pages"]) else {"page": position["page"] + 1}
        cursor = body["data"].get("next_cursor")
        return {"cursor": cursor} if cursor else None


def fetch_to_landing(client: RestClient, endpoint: PagedEndpoint, params: dict[str, Any], lake: Lake,
                     prefix: str) -> int:
    """Fetch every page into LAKE under PREFIX (page-00001.json …), resuming after the last page already there.

    Returns the number of pages held. A `_complete.json` marker is written once the last page is in.
    """
    done = sorted(k for k in lake.list(prefix) if k.rsplit("/", 1)[-1].startswith("page-"))
    if lake.exists(f"{prefix}/_complete.json"):
        return len(done)
    start = None
    if done:
        last = lake.read_json(done[-1])
        start = endpoint.next_position(last["position"], last["body"])
        if start is None:  # the last page was in but the marker was not: nothing left to ask
            lake.write_json(f"{prefix}/_complete.json", {"pages": len(done)})
            return len(done)
    n = len(done)
    for position, body in endpoint.pages(client, params, start):
        n += 1
        lake.write_json(f"{prefix}/page-{n:05d}.json", {"position": position, "params": params, "body": body})
    lake.write_json(f"{prefix}/_complete.json", {"pages": n})
    return n


def landed_rows(lake: Lake, prefix: str) -> pl.DataFrame:
    """Every item of every landed page, as text columns (what quality then casts and checks)."""
    items: list[dict[str, Any]] = []
    for key in sorted(k for k in lake.list(prefix) if k.rsplit("/", 1)[-1].startswith("page-")):
        items.extend(lake.read_json(key)["body"]["data"]["items"])
    if not items:
        return pl.DataFrame()
    columns = list(dict.fromkeys(c for item in items for c in item))
    return pl.DataFrame(
        {c: [None if (v := item.get(c)) is None else v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
             for item in items] for c in columns},
        schema={c: pl.String for c in columns},
    )
