"""How charts read to a leader: 是/否 and — in raw tables, channel names, count axes, the offline one map."""

from __future__ import annotations

import re
from typing import Any

import yaml

from superset_assets import charts_yaml, dashboards_spec
from superset_assets.charts_yaml import Builder, Dataset, display_column, load_datasets


def _dataset() -> Dataset:
    return Dataset("t", "u", frozenset({"flag", "name", "at", "day", "n", "calc"}), None,
                   {"flag": "BOOLEAN", "name": "VARCHAR", "at": "TIMESTAMP", "day": "DATE", "n": "BIGINT"},
                   {"flag": "持续失败", "name": "名称", "at": "时间", "day": "日期", "n": "数量", "calc": "算"})


def test_a_raw_table_prints_yes_no_and_a_dash_for_empty_cells() -> None:
    ds = _dataset()
    flag = display_column(ds, "flag")
    assert flag["label"] == "持续失败"
    assert flag["sqlExpression"] == "CASE WHEN flag THEN '是' WHEN NOT flag THEN '否' ELSE '—' END"
    assert display_column(ds, "name")["sqlExpression"] == "COALESCE(name, '—')"
    assert "strftime(at, '%Y-%m-%d %H:%M')" in display_column(ds, "at")["sqlExpression"]
    assert "strftime(day, '%Y-%m-%d')" in display_column(ds, "day")["sqlExpression"]
    assert display_column(ds, "n") == "n"  # numbers keep the chart's number format
    assert display_column(ds, "calc") == "calc"  # a calculated column is left as the dataset defines it


def _charts() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for dashboard in dashboards_spec.dashboards(Builder(load_datasets())):
        found += [(dashboard.slug, chart) for chart in dashboards_spec.all_charts(dashboard)]
    return found


def test_raw_tables_show_no_boolean_or_text_column_bare() -> None:
    datasets = load_datasets()
    for slug, chart in _charts():
        if chart.params.get("query_mode") != "raw":
            continue
        ds = datasets[chart.dataset]
        for column in chart.params["all_columns"]:
            if isinstance(column, str):
                kind = ds.types.get(column, "")  # "" for a calculated column
                assert not kind.startswith(("BOOLEAN", "VARCHAR", "TIMESTAMP", "DATE")), (slug, chart.key, column)
            else:  # the SQL names a column of the dataset
                names = set(re.findall(r"[a-z_][a-z0-9_]*", column["sqlExpression"]))
                assert names & ds.columns, (slug, chart.key, column)


def test_count_axes_do_not_print_repeated_integer_ticks() -> None:
    for slug, chart in _charts():
        if chart.viz.startswith("echarts_timeseries") and chart.params.get("y_axis_format") == ",d":
            raise AssertionError(f"{slug}/{chart.key}: ',d' labels small-count ticks 0, 0, 1, 1")


def test_the_channel_chart_shows_channel_names() -> None:
    (channels,) = [c for slug, c in _charts() if slug == "demand-analysis" and c.key == "channels"]
    assert channels.params["groupby"] == ["channel_name"]
    assert not any("channel_code" in str(c.params) for _, c in _charts())


def test_the_one_map_draws_the_illustrative_boundaries_offline() -> None:
    (one_map,) = [d for d in dashboards_spec.dashboards(Builder(load_datasets())) if d.slug == "one-map"]
    maps = [c for c in dashboards_spec.all_charts(one_map) if c.viz == "deck_geojson"]
    assert len(maps) == 1 and maps[0].dataset == "dim_map_features"
    assert maps[0].params["geojson"] in load_datasets()["dim_map_features"].columns
    assert maps[0].params["mapbox_style"] == charts_yaml.OFFLINE_BASE_MAP
    assert "示意" in maps[0].title
    notes = [cell for row in one_map.rows for cell in row if isinstance(cell, str)]
    assert any("示意边界" in note for note in notes)
    # nothing in the bundle points at the internet: no Mapbox style, no tile server
    for path in (charts_yaml.HERE / "charts").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "mapbox://" not in text and "http" not in yaml.safe_load(text)["params"].get("mapbox_style", ""), path


def test_source_axes_and_columns_read_the_sources_chinese_names() -> None:
    """A chart over a quality mart groups or lists by the source's name (民意速办 …), never its code (minyi)."""
    datasets = load_datasets()
    for slug, chart in _charts():
        ds = datasets[chart.dataset]
        shown = [chart.params.get("x_axis"), *chart.params.get("groupby", []), *chart.params.get("all_columns", [])]
        assert "source_system" not in shown, (slug, chart.key)
        if "source_system" in ds.columns:
            assert "source_name" in ds.columns, chart.dataset
    (per_source,) = [c for slug, c in _charts() if slug == "data-quality" and c.key == "per-source"]
    assert per_source.params["x_axis"] == "source_name"
    expression = next(c["expression"] for c in yaml.safe_load(
        (charts_yaml.DATASETS_DIR / "fct_ingestion_batches.yaml").read_text(encoding="utf-8"))["columns"]
        if c["column_name"] == "source_name")
    assert "WHEN 'minyi' THEN '民意速办'" in expression


def test_tables_draw_a_page_of_rows_and_every_dashboard_prints_a_dash_for_a_null() -> None:
    """Superset's table chart prints a null as an untranslated N/A (aggregate metrics, raw numbers): every dashboard's
    CSS draws — in its place. A table draws ten rows a page, not its whole row limit."""
    tables = [(slug, c) for slug, c in _charts() if c.viz == "table"]
    assert tables
    for slug, chart in tables:
        assert chart.params["page_length"] == charts_yaml.TABLE_PAGE_ROWS <= 10, (slug, chart.key)
    for dashboard in dashboards_spec.dashboards(Builder(load_datasets())):
        css = charts_yaml.dashboard_yaml(dashboard, load_datasets())["css"]
        assert "td.dt-is-null" in css and f'content: "{charts_yaml.NULL_TEXT}"' in css, dashboard.slug


def test_the_cockpit_keeps_what_leaders_need() -> None:
    """The cockpit's must-haves (issue 18): cards against targets with the change on last month, monthly trends, the
    street ranking, the latest warnings, the baseline by street; the indicator table's own rate chart lives on
    民意速办分析, and the cockpit's trend carries the same demand rates from the marts."""
    cockpit = {c.key: c for slug, c in _charts() if slug == dashboards_spec.COCKPIT_SLUG}
    cards = [c for c in cockpit.values() if c.viz == "big_number"]
    assert {c.title for c in cards} == {"事件总量", "群众诉求", "响应率", "满意率", "解决率", "按时办结率",
                                        "视频在线率", "本月预警"}
    assert all(c.params["compare_lag"] == 1 and c.params["compare_suffix"] == "较上月" for c in cards)
    assert cockpit["open-events"].title == "未办结重点事件"
    assert {"response_rate", "satisfaction_rate", "on_time_rate", "return_rate", "repeat_rate",
            "overdue_rate"} <= set(cockpit["rates-trend"].params["metrics"])
    for key in ("tickets-trend", "street-ranking", "latest-warnings", "baseline-by-street", "indicator-targets",
                "indicator-availability"):
        assert key in cockpit, key
    assert [slug for slug, c in _charts() if c.key == "indicator-rates"] == ["demand-analysis"]
