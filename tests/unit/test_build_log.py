"""The build log publish reads: which relations the builds since the last publish wrote (and when it cannot tell)."""

from __future__ import annotations

import json
from pathlib import Path

from common.settings import Settings
from transform.build_state import BUILD_LOG_KEEP, log_written, record_build, written_since


def _build(settings: Settings, written: list[str] | None, failed: tuple[str, ...] = ()) -> str:
    record_build(settings, success=True)
    target = settings.data_dir / "dbt" / "target"
    target.mkdir(parents=True, exist_ok=True)
    results = target / "run_results.json"
    if written is None:
        results.unlink(missing_ok=True)
    else:
        nodes = [{"unique_id": f"model.govlake.{n}", "status": "success"} for n in written]
        nodes += [{"unique_id": f"model.govlake.{n}", "status": "error"} for n in failed]
        nodes += [{"unique_id": "test.govlake.primary_key_x.1a2b", "status": "pass"}]
        results.write_text(json.dumps({"results": nodes}))
    log_written(settings)
    return json.loads((settings.warehouse_path.parent / "last_build.json").read_text())["finished_at"]


def test_the_builds_since_a_publish_are_unioned(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert written_since(settings, None) == (None, None)
    first = _build(settings, ["fct_tickets", "agg_tickets_daily"])
    second = _build(settings, ["fct_ratings"], failed=("fct_warnings",))
    third = _build(settings, ["agg_tickets_daily", "ref_streets"])
    assert written_since(settings, first) == (third, {"fct_ratings", "agg_tickets_daily", "ref_streets"})
    assert written_since(settings, third) == (third, set())
    assert written_since(settings, None) == (third, None), "no publish yet: every table is judged"
    assert second < third


def test_a_build_with_unknown_results_makes_every_table_judged(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = _build(settings, ["fct_tickets"])
    _build(settings, None)
    last = _build(settings, ["fct_ratings"])
    assert written_since(settings, first) == (last, None)


def test_the_log_is_bounded_and_a_publish_older_than_it_judges_everything(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = _build(settings, ["fct_tickets"])
    for _ in range(BUILD_LOG_KEEP):
        last = _build(settings, ["fct_ratings"])
    lines = (settings.warehouse_path.parent / "build_log.jsonl").read_text().splitlines()
    assert len(lines) == BUILD_LOG_KEEP
    assert written_since(settings, first) == (last, None)


def _manifest(settings: Settings, key: str) -> None:
    target = settings.data_dir / "dbt" / "target"
    target.mkdir(parents=True, exist_ok=True)
    test = {"resource_type": "test", "attached_node": "model.govlake.fct_x", "column_name": key,
            "test_metadata": {"name": "primary_key", "kwargs": {}}}
    model = {"resource_type": "model", "name": "fct_x", "columns": {},
             "config": {"unique_key": key, "meta": {"serving_order": [key]}}}
    nodes = {"test.govlake.pk": test, "model.govlake.fct_x": model}
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}))


def test_the_manifest_facts_are_kept_per_project_fingerprint(tmp_path: Path) -> None:
    from serving.publish import _manifest_facts

    settings = Settings(data_dir=tmp_path)
    settings.serving_dir.mkdir(parents=True)
    record_build(settings, success=True, fingerprint="code-1")
    _manifest(settings, "x_id")
    first = _manifest_facts(settings)
    assert (first.row_keys["fct_x"], first.incremental_keys["fct_x"], first.serving_orders["fct_x"]) == (
        ["x_id"], ["x_id"], ["x_id"])
    _manifest(settings, "other_id")  # a later manifest of the same code: the kept facts stand
    assert _manifest_facts(settings) == first
    record_build(settings, success=True, fingerprint="code-2")  # a build of other code: parsed again
    assert _manifest_facts(settings).row_keys["fct_x"] == ["other_id"]
    record_build(settings, success=True)  # a build that recorded no fingerprint: always parsed
    _manifest(settings, "third_id")
    assert _manifest_facts(settings).row_keys["fct_x"] == ["third_id"]


def test_a_model_built_by_replace_periods_is_known_by_its_period(tmp_path: Path) -> None:
    from serving.publish import _parse_manifest

    settings = Settings(data_dir=tmp_path)
    _manifest(settings, "month")
    path = settings.data_dir / "dbt" / "target" / "manifest.json"
    manifest = json.loads(path.read_text())
    assert _parse_manifest(path).replaced_periods == {}, "delete+insert by its key: patched by that key"
    manifest["nodes"]["model.govlake.fct_x"]["config"]["incremental_strategy"] = "replace_periods"
    path.write_text(json.dumps(manifest))
    facts = _parse_manifest(path)
    assert facts.replaced_periods == {"fct_x": "month"} and facts.row_keys["fct_x"] == ["month"]
