"""Ingestion of S5, the community workbench, through its REST API served by the simulated upstream over HTTP:
reconciliation, every planted defect quarantined with its rule and no clean row, 5xx and 429 on the way, a crash
mid-batch resumed without refetching, re-runs, and a later `updated_since` run that picks up late corrections."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from common.lake import LocalLake
from common.settings import Settings
from ingestion.rest_extract import RestClient, RestError, landed_rows
from ingestion.sources.community import COMMUNITY
from quality.manifests import list_manifests
from simulator import upstream_http
from simulator.context import GroundTruth
from tests.conftest import govlake_env, run_govlake

pytestmark = pytest.mark.integration

SCALE = "0.01"
FIRST_AS_OF = "2024-09-30T23:59:59"
LATER_AS_OF = "2024-11-30T23:59:59"
# defect rates raised so that every kind the simulator plants in the community shows up at this scale (seed 42); the
# rejection limit is lifted because this test is about which rows are rejected, not about failing a batch
MESS = ("duplicate=0.05", "missing_required=0.05", "unknown_code=0.05", "future_timestamp=0.05", "inconsistent=0.05",
        "late_correction=0.05")
TOKEN = "community-test-token"
COUNTS_PAGE = 500  # the crashed batch's page size: several pages at this scale
CRASH_AT_PAGE = 4

KIND_TO_RULE: dict[tuple[str, str], str] = {
    ("apps", "missing_required"): "community_code:not_nullable",
    ("apps", "unknown_code"): "category:isin",
    ("apps", "future_timestamp"): "created_at_not_after_upstream_clock",
    ("apps", "inconsistent"): "updated_at_not_before_created_at",
    ("apps", "duplicate"): "duplicate_key",
    ("app_record_counts", "duplicate"): "duplicate_key",
    ("app_record_counts", "inconsistent"): "records_added:greater_than_or_equal_to",
}
VALID_KINDS = {"late_correction"}  # a later version of a valid row, not a defect
KEYS = {e.name: e.primary_key for e in COMMUNITY.entities}


def _simulate(env: dict[str, str], as_of: str) -> None:
    run_govlake(env, "simulate", "--system", "community", "--scale", SCALE, "--as-of", as_of,
                *(a for m in MESS for a in ("--mess", m)))


class DiesMidBatch(RestClient):
    """A client whose process 'dies' when it asks for a given page of the record counts."""

    def get_json(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        if path.endswith("/app-record-counts") and params.get("page") == CRASH_AT_PAGE \
                and params.get("page_size") == COUNTS_PAGE:
            raise RestError("simulated crash")
        return super().get_json(path, params)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("community")
    env = govlake_env(data_dir, MAX_REJECT_RATE="0.9", COMMUNITY_API_TOKEN=TOKEN)
    _simulate(env, FIRST_AS_OF)
    # a flaky, rate-limited upstream: 15% of requests answer 5xx, more than 6 requests a second get 429
    server = upstream_http.start(data_dir / "sources", token=TOKEN, rate_limit_per_s=6, error_rate=0.15, seed=7)
    state = {"data_dir": data_dir, "env": {**env, "COMMUNITY_API_URL": server.url}, "server": server}
    yield state
    state["server"].stop()


@pytest.fixture(scope="module")
def ingested(upstream: dict[str, Any]) -> dict[str, Any]:
    data_dir, env = upstream["data_dir"], upstream["env"]
    lake = LocalLake(data_dir / "lake")
    # 1. a run that dies in the middle of the record counts (after three of its pages are in landing)
    entities = tuple(dataclasses.replace(e, page_size=COUNTS_PAGE) if e.name == "app_record_counts" else e
                     for e in COMMUNITY.entities)
    dying = dataclasses.replace(COMMUNITY, entities=entities,
                                client=lambda url, token: DiesMidBatch(url, token, base_delay=0.05))
    settings = Settings(data_dir=data_dir, lake_uri="", community_api_url=env["COMMUNITY_API_URL"],
                        community_api_token=TOKEN, max_reject_rate=0.9)
    with pytest.raises(RestError, match="simulated crash"):
        dying.ingest(settings)
    pages = {p: p.stat().st_mtime_ns for p in (data_dir / "lake" / "landing" / "community" / "app_record_counts")
             .rglob("page-*.json")}
    assert len(pages) == CRASH_AT_PAGE - 1
    committed_before = {m["entity"] for m in list_manifests(lake, "community")}
    # 2. the scheduler's rerun, through the CLI with the registered source
    results = json.loads(run_govlake(env, "ingest", "community", "--json").stdout)
    return {**upstream, "lake": lake, "results": results, "crash_pages": pages, "committed_before": committed_before,
            "truth": GroundTruth.read(data_dir / "sources" / "truth.json")}


def _zone(data_dir: Path, zone: str, m: dict[str, Any]) -> pl.DataFrame | None:
    path = data_dir / "lake" / zone / "community" / m["entity"] / f"batch_date={m['high'][:10]}" / \
        f"{m['batch_id']}.parquet"
    return pl.read_parquet(path) if path.exists() else None


def _check_batch(data_dir: Path, lake: LocalLake, m: dict[str, Any], truth: GroundTruth) -> Counter[str]:
    """Within one batch: each defect quarantined under its rule (one copy of a duplicate), no clean row quarantined."""
    key = KEYS[m["entity"]]
    landed = Counter(landed_rows(lake, m["details"]["landing"])[key].to_list())
    bronze = Counter(b[key].to_list()) if (b := _zone(data_dir, "bronze", m)) is not None else Counter()
    q = _zone(data_dir, "quarantine", m)
    quarantined = dict(zip(q[key], q["_rule"], strict=True)) if q is not None else {}
    if q is not None:
        assert q.height == len(quarantined), "a key is quarantined once per batch"
        assert q["_reason"].str.len_chars().min() > 0
    assert set(quarantined) <= set(landed)
    anomalies = truth.anomalies_of("community", m["entity"])
    caught: Counter[str] = Counter()
    for k, copies in landed.items():
        kind = anomalies.get(k)
        if kind is None or kind in VALID_KINDS:
            assert k not in quarantined, f"{m['entity']} {k} is clean but quarantined: {quarantined.get(k)}"
            assert (copies, bronze[k]) == (1, 1), k
            continue
        rule = KIND_TO_RULE[(m["entity"], kind)]
        assert k in quarantined and rule in quarantined[k].split("; "), f"{m['entity']} {k} ({kind}): " \
                                                                         f"expected {rule}, got {quarantined.get(k)}"
        # of two identical copies one is a good row
        assert bronze[k] == (1 if kind == "duplicate" else 0) and copies == (2 if kind == "duplicate" else 1), k
        caught[kind] += 1
    return caught


def test_the_crashed_batch_resumed_after_its_landed_pages(ingested: dict[str, Any]) -> None:
    assert ingested["committed_before"] == {"scenarios", "indicators", "apps"}
    by_entity = {r["entity"]: r for r in ingested["results"]}
    assert [by_entity[e][
        "status"] for e in ("scenarios", "indicators", "apps")] == ["skipped"] * 3, "nothing new upstream"
    counts = by_entity["app_record_counts"]
    truth_rows = ingested["truth"].counts["community.app_record_counts"]
    assert counts["status"] == "committed"
    assert counts["details"]["pages_resumed_after"] == CRASH_AT_PAGE - 1
    assert counts["details"]["pages"] == -(-truth_rows // COUNTS_PAGE), "the batch kept the page size it began with"
    assert not counts["details"]["restarted"]
    for page, mtime in ingested["crash_pages"].items():
        assert page.stat().st_mtime_ns == mtime, f"{page.name} was fetched again"
    assert counts["received"] == truth_rows, "every row once: none lost, none twice at the resume point"


def test_received_equals_bronze_plus_quarantined_for_every_batch(ingested: dict[str, Any]) -> None:
    data_dir, lake, truth = ingested["data_dir"], ingested["lake"], ingested["truth"]
    manifests = list_manifests(lake, "community")
    assert sorted(m["entity"] for m in manifests) == sorted(KEYS), "one batch per resource"
    for m in manifests:
        q = _zone(data_dir, "quarantine", m)
        bronze = _zone(data_dir, "bronze", m)
        assert m["status"] == "committed" and bronze is not None
        assert m["received"] == landed_rows(lake, m["details"]["landing"]).height
        assert (m["bronze"], m["quarantined"]) == (bronze.height, q.height if q is not None else 0)
        assert m["received"] == m["bronze"] + m["quarantined"]
        assert m["received"] == truth.counts[f"community.{m['entity']}"], "a first run reads every row"
        assert {"_batch_id", "_ingested_at", "_source"} <= set(bronze.columns)


def test_every_planted_defect_is_quarantined_with_its_rule_and_no_clean_row_is(ingested: dict[str, Any]) -> None:
    truth: GroundTruth = ingested["truth"]
    planted = {(a["entity"], a["kind"]) for a in truth.anomalies
               if a["system"] == "community" and a["kind"] not in VALID_KINDS}
    assert planted == set(KIND_TO_RULE), "every defect kind is planted at these rates"
    caught: Counter[tuple[str, str]] = Counter()
    for m in list_manifests(ingested["lake"], "community"):
        caught.update({(m["entity"], k): n for k, n in _check_batch(ingested["data_dir"], ingested["lake"], m, truth)
                       .items()})
    expected = Counter((a["entity"], a["kind"]) for a in truth.anomalies
                       if a["system"] == "community" and a["kind"] not in VALID_KINDS)
    assert caught == expected


def test_ingestion_went_through_5xx_and_429(ingested: dict[str, Any]) -> None:
    committed = [r for r in ingested["results"] if r["status"] == "committed"]
    fetched = sum(r["details"]["pages"] - r["details"]["pages_resumed_after"] for r in committed)
    # besides the pages: one look at the resume point of the crashed batch; the rest are retries
    assert sum(r["details"]["requests"] for r in committed) > fetched + 1, "failed requests were retried"
    assert sum(r["details"]["waited_s"] for r in committed) >= 1.0, "Retry-After was honoured"


def test_a_rerun_adds_nothing(ingested: dict[str, Any]) -> None:
    data_dir, env = ingested["data_dir"], ingested["env"]
    files = sorted((data_dir / "lake").rglob("*.parquet"))
    again = json.loads(run_govlake(env, "ingest", "community", "--json").stdout)
    assert [r["status"] for r in again] == ["skipped"] * len(KEYS)
    assert sorted((data_dir / "lake").rglob("*.parquet")) == files


def test_a_later_run_picks_up_late_corrections(ingested: dict[str, Any]) -> None:
    data_dir, env, lake = ingested["data_dir"], ingested["env"], ingested["lake"]
    first = {m["entity"]: m for m in list_manifests(lake, "community")}
    # two months later: the upstream has moved on (a fresh server: it reads its data once)
    ingested["server"].stop()
    _simulate(env, LATER_AS_OF)
    server = upstream_http.start(data_dir / "sources", token=TOKEN, rate_limit_per_s=0)
    ingested["server"] = server
    env = {**env, "COMMUNITY_API_URL": server.url}
    results = {r["entity"]: r for r in json.loads(run_govlake(env, "ingest", "community", "--json").stdout)}
    truth = GroundTruth.read(data_dir / "sources" / "truth.json")

    counts = results["app_record_counts"]
    assert counts["status"] == "committed"
    low = counts["details"]["params"]["updated_since"]
    served = pl.read_parquet(data_dir / "sources" / "community" / "app_record_counts.parquet")
    window = served.filter(pl.col("updated_at") >= pl.lit(low).str.to_datetime())
    assert counts["received"] == window.height < served.height, "an incremental window, not a full load"
    assert low < first["app_record_counts"]["high"].replace(" ", "T"), "the window overlaps the last one"
    # corrections made after the first run, to days counted before it, arrive with their corrected count
    late = {k for k, kind in truth.anomalies_of("community", "app_record_counts").items() if kind == "late_correction"}
    first_high = pl.lit(first["app_record_counts"]["high"]).str.to_datetime()
    corrected = served.filter(pl.col("stat_id").is_in(sorted(late)) & (pl.col("updated_at") > first_high)
                              & (pl.col("stat_date") <= pl.lit(FIRST_AS_OF[:10]).str.to_date()))
    assert corrected.height > 0
    batch = next(m for m in list_manifests(lake, "community") if m["batch_id"] == counts["batch_id"])
    bronze = _zone(data_dir, "bronze", batch)
    assert bronze is not None
    got = corrected.join(bronze.select("stat_id", pl.col("records_added").alias("got")), on="stat_id", how="left")
    assert got["got"].to_list() == got["records_added"].to_list()
    # the incremental batches hold to the same rules
    for m in list_manifests(lake, "community"):
        if m["batch_id"] == results.get(m["entity"], {}).get("batch_id"):
            _check_batch(data_dir, lake, m, truth)
    assert {r["status"] for r in json.loads(run_govlake(env, "ingest", "community", "--json").stdout)} == {"skipped"}
