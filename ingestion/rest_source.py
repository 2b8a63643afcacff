"""A REST upstream as a source: one entity per list resource, each ingested incrementally by `updated_since`.

A batch of an entity is the window from its watermark (less an overlap: rows committed late with a slightly older
updated_at are still picked up) to whatever the upstream holds now. Its id is derived from the source, the entity and
the window's low bound only — the high bound is not known before every page is in — so a rerun after a crash finds
the same landing prefix and resumes after the last page landed (ingestion.rest_extract.fetch_to_landing). The pages
under the prefix are the landing copy: exactly what the upstream sent, replayable.

Order of writes, each idempotent: pages → `_received.json` (landing complete, the batch's received time) →
bronze + quarantine + manifest (ingestion.batches.commit_batch) → watermark. The high watermark is the latest
updated_at received (capped at the received time: a row stamped in the future must not push the window past rows
that are yet to come).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import polars as pl

from common.lake import Lake, open_lake
from common.settings import Settings
from ingestion.batches import BatchResult, SourceUnavailable, commit_batch, known_codes
from ingestion.clock import received_now
from ingestion.rest_extract import PagedEndpoint, RestClient, RestError, fetch_to_landing, landed_rows
from quality import manifests

if TYPE_CHECKING:  # ingestion.sources imports its source modules, which import this one
    from ingestion.sources.base import SchemaFactory

# what `govlake upstream serve` listens on: the default when no URL is configured
SIMULATOR_URL = "http://127.0.0.1:8765"
ClientFactory = Callable[[str, str], RestClient]


@dataclass(frozen=True)
class RestEntity:
    name: str  # lake name, e.g. "apps"
    path: str  # list endpoint, e.g. "/api/workbench/v1/apps"
    primary_key: str
    schema: SchemaFactory
    watermark_column: str = "updated_at"
    since_param: str = "updated_since"  # inclusive lower bound on the watermark column, upstream-side
    page_size: int = 5000
    size_param: str = "page_size"
    overlap: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class RestSource:
    name: str
    title: str
    url: Callable[[Settings], str]  # "" = not configured
    token: Callable[[Settings], str]
    entities: tuple[RestEntity, ...]  # in ingestion order: code resources before the rows checked against them
    # code lists later entities are validated against, read from this source's bronze: name -> (entity, column)
    reference_codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    url_setting: str = ""  # the environment variable that configures the URL, for messages
    client: ClientFactory = RestClient  # tests wrap it (a client that dies mid-batch)

    def ingest(self, settings: Settings, until: datetime | None = None) -> list[BatchResult]:
        """Everything changed upstream since the watermark. UNTIL is not used: a REST upstream answers with its
        present state and has no `updated_until`, so a catch-up run takes what is there now."""
        base_url = self._base_url(settings)
        lake = open_lake(settings)
        client = self.client(base_url, self.token(settings))
        providers = {entity for entity, _ in self.reference_codes.values()}
        try:
            codes = self._known_codes(settings, lake)
            results = []
            for entity in self.entities:
                results.append(ingest_entity(settings, lake, self, entity, client, codes))
                if entity.name in providers and results[-1].status == "committed":
                    codes = self._known_codes(settings, lake)  # later entities see the codes just ingested
            return results
        except RestError as exc:
            if exc.unreachable:  # the upstream is down: a source with nothing to read from here (skipped by --all)
                raise SourceUnavailable(f"{self.name}: the upstream at {base_url} does not answer ({exc})") from exc
            raise
        finally:
            client.close()

    def _base_url(self, settings: Settings) -> str:
        configured = self.url(settings)
        if configured:
            return configured.rstrip("/")
        # not configured: the simulated upstream, if someone started it (`govlake upstream serve`)
        try:
            httpx.get(f"{SIMULATOR_URL}/health", timeout=2.0).raise_for_status()
        except httpx.HTTPError as exc:
            raise SourceUnavailable(
                f"{self.name}: {self.url_setting or 'the API URL'} is not set and no simulated upstream answers on "
                f"{SIMULATOR_URL} ({type(exc).__name__}) — set {self.url_setting or 'it'} or run "
                f"`govlake upstream serve`") from exc
        return SIMULATOR_URL

    def _known_codes(self, settings: Settings, lake: Lake) -> dict[str, set[str]]:
        return known_codes(settings, lake, self.name, self.reference_codes)


def batch_id_for(source: str, entity: str, low: datetime | None) -> str:
    digest = hashlib.sha1(f"{source}/{entity}/{low}".encode()).hexdigest()[:16]
    return f"{'full' if low is None else f'{low:%Y%m%dT%H%M%S}'}-{digest}"


def landing_prefix(source: str, entity: str, batch_id: str) -> str:
    return f"landing/{source}/{entity}/pages/{batch_id}"


def _iso(ts: datetime) -> str:
    return ts.isoformat(timespec="microseconds" if ts.microsecond else "seconds")


def _has_newer(client: RestClient, entity: RestEntity, watermark: datetime) -> bool:
    """One row's worth of a request: has anything changed after the watermark? (`updated_since` is inclusive.)"""
    body = client.get_json(entity.path, {entity.since_param: _iso(watermark + timedelta(microseconds=1)),
                                         "page": 1, entity.size_param: 1})
    return int(body["data"]["total"]) > 0


def _pages(lake: Lake, prefix: str) -> list[str]:
    return sorted(k for k in lake.list(prefix) if k.rsplit("/", 1)[-1].startswith("page-"))


def _upstream_moved(client: RestClient, endpoint: PagedEndpoint, params: dict[str, Any], lake: Lake, prefix: str,
                    primary_key: str) -> bool:
    """Before resuming by page number: is the last row landed still at its position upstream?

    Paging by position is stable only while the rows before the position stay put. A row updated between the crash
    and the rerun moves to the end and every later row shifts one place forward, so resuming at the next page would
    skip one. Asking for that single row (page_size=1) tells.
    """
    last = lake.read_json(_pages(lake, prefix)[-1])
    items = last["body"]["data"]["items"]
    if not items:
        return False
    position = (int(last["position"]["page"]) - 1) * endpoint.page_size + len(items)
    body = client.get_json(endpoint.path, {**params, "page": position, endpoint.size_param: 1})
    now = body["data"]["items"]
    return not now or now[0].get(primary_key) != items[-1].get(primary_key)


def _high(raw: pl.DataFrame, column: str, received_at: datetime) -> datetime | None:
    latest = raw.select(pl.col(column).str.to_datetime(time_unit="us", strict=False).max()).item()
    return None if latest is None else min(latest, received_at)


def ingest_entity(settings: Settings, lake: Lake, source: RestSource, entity: RestEntity, client: RestClient,
                  known_codes: dict[str, set[str]]) -> BatchResult:
    started = datetime.now(UTC)
    watermark = manifests.read_watermark(lake, source.name, entity.name)
    low = watermark - entity.overlap if watermark is not None else None
    batch_id = batch_id_for(source.name, entity.name, low)
    committed = manifests.read_manifest(lake, source.name, entity.name, batch_id)
    if committed is not None and committed["status"] == "committed":
        # committed, but the run died before moving the watermark: move it now
        if watermark is None or datetime.fromisoformat(committed["details"]["watermark"]) > watermark:
            manifests.write_watermark(lake, source.name, entity.name,
                                      datetime.fromisoformat(committed["details"]["watermark"]), batch_id)
        return BatchResult(source.name, entity.name, batch_id=batch_id, status="skipped")

    prefix = landing_prefix(source.name, entity.name, batch_id)
    meta_key = f"{prefix}/_batch.json"
    requests_before, waited_before = client.attempts_made, client.waited
    if lake.exists(meta_key):
        meta = lake.read_json(meta_key)  # a batch begun before a crash: same window, same page size
    else:
        if watermark is not None and not _has_newer(client, entity, watermark):
            return BatchResult(source.name, entity.name, batch_id="", status="skipped")
        meta = {"low": str(low) if low else None, "page_size": entity.page_size,
                "params": {entity.since_param: _iso(low)} if low is not None else {}, "path": entity.path}
        lake.write_json(meta_key, meta)
    endpoint = PagedEndpoint(entity.path, style="page", page_size=int(meta["page_size"]), size_param=entity.size_param)
    landed_before = len(_pages(lake, prefix))
    restarted = False
    if landed_before and not lake.exists(f"{prefix}/_complete.json") and _upstream_moved(
            client, endpoint, meta["params"], lake, prefix, entity.primary_key):
        # the upstream changed beneath the landed pages: resuming could skip rows, so the window starts over
        lake.delete_prefix(prefix)
        lake.write_json(meta_key, meta)
        landed_before, restarted = 0, True
    pages = fetch_to_landing(client, endpoint, meta["params"], lake, prefix)

    received_key = f"{prefix}/_received.json"
    if not lake.exists(received_key):
        # received once the last page is in: no row served in this batch can be newer than this
        lake.write_json(received_key, {"received_at": received_now().isoformat(sep=" ")})
    received_at = datetime.fromisoformat(lake.read_json(received_key)["received_at"])
    raw = landed_rows(lake, prefix)
    high = _high(raw, entity.watermark_column, received_at) if raw.height else None
    if high is None:  # nothing in the window (an empty resource): no batch, and no landing left to resume
        lake.delete_prefix(prefix)
        return BatchResult(source.name, entity.name, batch_id="", status="skipped")

    from ingestion.sources.base import BatchContext

    schema = entity.schema(BatchContext(received_at=received_at, known_codes=known_codes))
    details = {
        "landing": prefix, "pages": pages, "pages_resumed_after": landed_before, "restarted": restarted,
        "requests": client.attempts_made - requests_before, "waited_s": round(client.waited - waited_before, 3),
        "watermark": high.isoformat(sep=" "), "params": meta["params"],
        "extract_seconds": round((datetime.now(UTC) - started).total_seconds(), 3),
    }
    result = commit_batch(settings, lake, source.name, entity.name, schema, batch_id, raw, low, high, received_at,
                          details)
    manifests.write_watermark(lake, source.name, entity.name, high, batch_id)
    return result
