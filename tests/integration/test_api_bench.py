"""The bench's API load stage end to end, small: the API served as `govlake serve api` runs it, a steady load over
the mix of endpoints, the next day's publish in the middle; every answer succeeds and the new snapshot is served
soon after the commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import build_slice, run_govlake

pytestmark = pytest.mark.integration


def test_api_load_with_a_publish_in_the_middle(tmp_path: Path) -> None:
    from govlake.bench_api import api_load

    lake = build_slice(tmp_path / "lake")
    env = lake["env"]
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.005", "--as-of", "2025-01-01T23:59:59")
    run_govlake(env, "ingest", "minyi")
    run_govlake(env, "transform")
    report: dict[str, object] = {}
    with api_load(lake["settings"], env, report, rate=5, seconds=16):  # a smoke run: the figures are the bench's
        run_govlake(env, "publish")
    assert report["requests"] == 80 and report["rate_per_s"] > 2  # type: ignore[operator]
    # the demand slice has no indicator mart: /v1/kpi answers 503 there; everything else must succeed
    failures = [e for e in report["error_examples"] if "/v1/kpi" not in e]  # type: ignore[attr-defined]
    assert not failures, failures
    assert (report["snapshot_before"], report["snapshot_after"]) == ("1", "2")
    assert report["new_snapshot_first_served_s"] is not None and report["new_snapshot_first_served_s"] < 5  # type: ignore[operator]
    assert 0 < report["p50_ms"] <= report["p99_ms"]  # type: ignore[operator]
    workers = report["warm_up_by_worker"]
    assert workers and all(w["snapshot"] == 2 and w["seen_s_after_commit"] <= w["switched_s_after_commit"] < 5  # type: ignore[index]
                           for w in workers), workers  # type: ignore[union-attr]
