"""The committed chart and dashboard YAML is what dashboards_spec generates, and it only names what exists."""

from __future__ import annotations

import re
from typing import Any

import yaml

from superset_assets import charts_yaml, dashboards_spec, semantic

CJK = re.compile(r"[\u4e00-\u9fff]")


def _datasets() -> dict[str, dict[str, Any]]:
    return {ds["uuid"]: ds for ds in (yaml.safe_load(p.read_text(encoding="utf-8"))
                                      for p in semantic.DATASETS_DIR.glob("*.yaml"))}


def test_the_committed_yaml_is_what_the_spec_generates() -> None:
    rendered = dashboards_spec.render()
    committed = {p.relative_to(charts_yaml.HERE).as_posix(): p.read_text(encoding="utf-8")
                 for sub in ("charts", "dashboards") for p in (charts_yaml.HERE / sub).rglob("*.yaml")
                 if p.read_text(encoding="utf-8").startswith(charts_yaml.HEADER)}
    assert committed.keys() == rendered.keys(), "run `python -m superset_assets.dashboards_spec`"
    stale = [name for name, text in rendered.items() if committed[name] != text]
    assert stale == [], f"run `python -m superset_assets.dashboards_spec`: {stale}"


def _referenced_columns(params: dict[str, Any]) -> set[str]:
    cols = set()
    for key in ("x_axis", "entity", "series"):
        if isinstance(params.get(key), str):
            cols.add(params[key])
    for key in ("groupby", "all_columns"):
        cols.update(c for c in params.get(key, []) if isinstance(c, str))
    cols.update(f["subject"] for f in params.get("adhoc_filters", []) if f["expressionType"] == "SIMPLE")
    return cols


def test_charts_name_only_columns_and_metrics_of_their_dataset_and_read_chinese() -> None:
    datasets = _datasets()
    rendered = dashboards_spec.render()
    charts = [yaml.safe_load(text) for name, text in rendered.items() if name.startswith("charts/")]
    assert len(charts) >= 60
    for chart in charts:
        ds = datasets[chart["dataset_uuid"]]
        assert ds["table_name"] not in semantic.PERSON_LEVEL_MARTS
        columns = {c["column_name"] for c in ds["columns"]}
        metrics = {m["metric_name"] for m in ds["metrics"]}
        params = chart["params"]
        missing = _referenced_columns(params) - columns
        assert not missing, (chart["slice_name"], missing)
        named = [m for m in params.get("metrics", []) + [params.get("metric"), params.get("size")]
                 if isinstance(m, str)]
        assert set(named) <= metrics, (chart["slice_name"], set(named) - metrics)
        assert CJK.search(chart["slice_name"])
        for key in ("x_axis_title", "y_axis_title"):
            if params.get(key) and params[key] not in ("%",):
                assert CJK.search(params[key]), (chart["slice_name"], key)


def test_every_dashboard_is_chinese_with_filters_scoped_to_charts_that_have_the_column() -> None:
    datasets = _datasets()
    for name, text in dashboards_spec.render().items():
        if not name.startswith("dashboards/"):
            continue
        dash = yaml.safe_load(text)
        assert CJK.search(dash["dashboard_title"])
        filters = {f["name"]: f for f in dash["metadata"]["native_filter_configuration"]}
        assert "时间" in filters
        if "社区" in filters:
            assert filters["社区"]["cascadeParentIds"] == [filters["街道"]["id"]]
        for f in filters.values():
            for target in f["targets"]:
                if "column" in target:
                    ds = datasets[target["datasetUuid"]]
                    assert target["column"]["name"] in {c["column_name"] for c in ds["columns"]}


def test_the_engineer_can_read_every_dataset_of_the_data_quality_dashboard() -> None:
    """The engineer's role (access.QUALITY_TABLES) must cover each dataset a 数据质量 chart reads, or that chart
    shows them a permission error instead of its data."""
    from superset_assets import access

    datasets = _datasets()
    read = {datasets[yaml.safe_load(p.read_text(encoding="utf-8"))["dataset_uuid"]]["table_name"]
            for p in (charts_yaml.HERE / "charts" / "data-quality").glob("*.yaml")}
    assert read and read <= access.QUALITY_TABLES, read - access.QUALITY_TABLES
