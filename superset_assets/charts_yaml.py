"""Chart and dashboard YAML for Superset's import, built from short Python descriptions (dashboards_spec.py).

Every chart on a dataset with a time column carries a TEMPORAL_RANGE filter on it (so the dashboard's 时间 filter
reaches it); the native filters' scopes leave out the charts whose dataset lacks the filtered column. UUIDs are
uuid5 of the dashboard slug and the chart key, so regenerating rewrites the same objects.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DATASETS_DIR = HERE / "datasets" / "govlake_serving"
NAMESPACE = uuid.UUID("0b8f3c52-0d1e-4f59-9a3e-6f2d7c1e4a21")


@dataclass(frozen=True)
class Dataset:
    table: str
    uuid: str
    columns: frozenset[str]
    dttm: str | None
    types: dict[str, str] = field(default_factory=dict)  # physical column -> its type (upper case)
    labels: dict[str, str] = field(default_factory=dict)  # column -> its Chinese label


def load_datasets(directory: Path = DATASETS_DIR) -> dict[str, Dataset]:
    found = {}
    for path in sorted(directory.glob("*.yaml")):
        ds = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[ds["table_name"]] = Dataset(
            ds["table_name"], ds["uuid"], frozenset(c["column_name"] for c in ds["columns"]), ds["main_dttm_col"],
            {c["column_name"]: (c["type"] or "").upper() for c in ds["columns"] if not c["expression"]},
            {c["column_name"]: c["verbose_name"] or c["column_name"] for c in ds["columns"]})
    return found


@dataclass
class Chart:
    key: str
    title: str
    dataset: str
    viz: str
    params: dict[str, Any]
    description: str = ""
    width: int = 4
    height: int = 50


@dataclass
class Dashboard:
    slug: str
    title: str
    description: str
    rows: list[list[Chart | str]]  # a str is a markdown cell (width 4 unless the row is only markdown)
    filters: tuple[str, ...] = ("time", "street", "community")
    charts: list[Chart] = field(default_factory=list)


def _time_filter(dttm: str | None) -> list[dict[str, Any]]:
    if not dttm:
        return []
    return [{"clause": "WHERE", "comparator": "No filter", "expressionType": "SIMPLE",
             "operator": "TEMPORAL_RANGE", "subject": dttm}]


def _sql_filter(sql: str) -> dict[str, Any]:
    column, eq, value = sql.partition(" = '")
    if eq and column.isidentifier() and value.endswith("'"):
        # a simple filter, which may name a calculated column of the dataset
        return {"clause": "WHERE", "expressionType": "SIMPLE", "subject": column, "operator": "==",
                "comparator": value[:-1]}
    return {"clause": "WHERE", "expressionType": "SQL", "sqlExpression": sql}


NULL_TEXT = "—"  # an empty cell (Superset's table prints an untranslated "N/A" for a null)
TABLE_PAGE_ROWS = 10
# Every dashboard's CSS. Superset's table chart prints a null as a hard-coded, untranslated "N/A" and marks the cell
# with the class dt-is-null: a null metric in an aggregate table (a rate without a denominator) or a null number in
# a raw table reads — like the text and time cells display_column fills. (The cell's own text is sized to zero, the
# dash drawn in its place at the table's font size, 12px.)
DASHBOARD_CSS = (f'td.dt-is-null {{ font-size: 0; }}\n'
                 f'td.dt-is-null::after {{ content: "{NULL_TEXT}"; font-size: 12px; }}\n')


def display_column(ds: Dataset, column: str, timestamp_format: str = "%Y-%m-%d %H:%M") -> str | dict[str, Any]:
    """A raw table's column as leaders should read it: a boolean as 是 / 否, an empty text or time cell as —.
    Numbers and calculated columns stay as they are (formatted by the chart)."""
    kind = ds.types.get(column, "")
    label = ds.labels.get(column, column)
    if kind == "BOOLEAN":
        sql = f"CASE WHEN {column} THEN '是' WHEN NOT {column} THEN '否' ELSE '{NULL_TEXT}' END"
    elif kind.startswith("VARCHAR"):
        sql = f"COALESCE({column}, '{NULL_TEXT}')"
    elif kind.startswith("TIMESTAMP"):
        sql = f"COALESCE(strftime({column}, '{timestamp_format}'), '{NULL_TEXT}')"
    elif kind == "DATE":
        sql = f"COALESCE(strftime({column}, '%Y-%m-%d'), '{NULL_TEXT}')"
    else:
        return column
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label, "columnType": None}


def sql_metric(label: str, sql: str) -> dict[str, Any]:
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label, "hasCustomLabel": True}


def _base(ds: Dataset, where: list[str]) -> dict[str, Any]:
    return {"adhoc_filters": _time_filter(ds.dttm) + [_sql_filter(w) for w in where], "extra_form_data": {},
            "color_scheme": "supersetColors"}


# a count axis: ECharts puts ticks at halves when the counts are small, and ",d" printed them as 0, 0, 1, 1, 2;
# this prints 0.5 where a tick falls between integers and 1,234 for a whole number
COUNT_AXIS = ",.2~f"


class Builder:
    """Makes the charts of one dashboard against the generated datasets."""

    def __init__(self, datasets: dict[str, Dataset]) -> None:
        self.datasets = datasets

    def ds(self, table: str) -> Dataset:
        if table not in self.datasets:
            raise KeyError(f"no dataset for {table}: add it to semantic_layer.yml and regenerate")
        return self.datasets[table]

    def number(self, key: str, title: str, table: str, metric: str | dict[str, Any], *, fmt: str = ",d",
               subtitle: str = "", trend: bool = True, where: tuple[str, ...] = (), width: int = 3,
               height: int = 32, x: str | None = None) -> Chart:
        ds = self.ds(table)
        params = {**_base(ds, list(where)), "metric": metric, "y_axis_format": fmt, "header_font_size": 0.3,
                  "subtitle": subtitle, "subtitle_font_size": 0.125, "time_format": "%Y-%m"}
        if trend and (x or ds.dttm):
            viz = "big_number"
            params.update({"x_axis": x or ds.dttm, "time_grain_sqla": "P1M", "compare_lag": 1,
                           "compare_suffix": "较上月", "show_trend_line": True, "start_y_axis_at_zero": True,
                           "rolling_type": "None", "show_timestamp": True})
        else:
            viz = "big_number_total"
        return Chart(key, title, table, viz, {"viz_type": viz, **params}, subtitle, width, height)

    def timeseries(self, key: str, title: str, table: str, metrics: list[Any], *, kind: str = "line",
                   groupby: tuple[str, ...] = (), y_title: str = "", fmt: str = COUNT_AXIS, stack: bool = False,
                   where: tuple[str, ...] = (), width: int = 6, height: int = 50, x: str | None = None) -> Chart:
        ds = self.ds(table)
        viz = "echarts_timeseries_line" if kind == "line" else "echarts_timeseries_bar"
        params = {**_base(ds, list(where)), "viz_type": viz, "x_axis": x or ds.dttm, "time_grain_sqla": "P1M",
                  "groupby": list(groupby), "metrics": metrics, "row_limit": 10000, "truncate_metric": True,
                  "show_legend": True, "legendType": "scroll", "legendOrientation": "top", "rich_tooltip": True,
                  "tooltipTimeFormat": "%Y年%m月", "x_axis_time_format": "%Y-%m", "x_axis_title": "月份",
                  "x_axis_title_margin": 30, "y_axis_title": y_title, "y_axis_title_margin": 50,
                  "y_axis_title_position": "Left", "y_axis_format": fmt, "truncateYAxis": False,
                  "markerEnabled": True, "markerSize": 5, "annotation_layers": [], "order_desc": True}
        if stack:
            params["stack"] = "Stack"
        return Chart(key, title, table, viz, params, "", width, height)

    def bar(self, key: str, title: str, table: str, x: str, metrics: list[Any], *, groupby: tuple[str, ...] = (),
            x_title: str = "", y_title: str = "", fmt: str = COUNT_AXIS, stack: bool = False, horizontal: bool = False,
            where: tuple[str, ...] = (), width: int = 6, height: int = 50, limit: int = 50,
            values: bool = True) -> Chart:
        """Bars over a category column, sorted by the first metric (VALUES: print each bar's value)."""
        ds = self.ds(table)
        first = metrics[0] if isinstance(metrics[0], str) else metrics[0]["label"]
        params = {**_base(ds, list(where)), "viz_type": "echarts_timeseries_bar", "x_axis": x,
                  "groupby": list(groupby), "metrics": metrics, "row_limit": 10000, "truncate_metric": True,
                  "orientation": "horizontal" if horizontal else "vertical", "show_value": values and not groupby,
                  "show_legend": bool(groupby) or len(metrics) > 1, "legendType": "scroll",
                  "legendOrientation": "top", "rich_tooltip": True, "x_axis_sort": first,
                  "x_axis_sort_asc": False, "x_axis_title": x_title, "x_axis_title_margin": 30,
                  "y_axis_title": y_title, "y_axis_title_margin": 50, "y_axis_title_position": "Left",
                  "y_axis_format": fmt, "annotation_layers": [], "order_desc": True, "only_total": True}
        if groupby:
            params["series_limit"] = limit
        else:  # the query keeps the LIMIT categories with the largest first metric
            params.update({"row_limit": limit, "timeseries_limit_metric": metrics[0],
                           "series_limit_metric": metrics[0]})
        if stack:
            params["stack"] = "Stack"
        return Chart(key, title, table, "echarts_timeseries_bar", params, "", width, height)

    def pie(self, key: str, title: str, table: str, groupby: str, metric: str, *, where: tuple[str, ...] = (),
            width: int = 4, height: int = 50) -> Chart:
        ds = self.ds(table)
        params = {**_base(ds, list(where)), "viz_type": "pie", "groupby": [groupby], "metric": metric,
                  "row_limit": 20, "sort_by_metric": True, "show_labels": True, "label_type": "key_percent",
                  "show_legend": True, "legendType": "scroll", "legendOrientation": "top", "donut": True,
                  "innerRadius": 35, "outerRadius": 70, "number_format": "SMART_NUMBER", "labels_outside": True}
        return Chart(key, title, table, "pie", params, "", width, height)

    def table(self, key: str, title: str, table: str, *, groupby: tuple[str, ...] = (), metrics: list[Any] | None =
              None, columns: tuple[str, ...] = (), order_by: str | dict[str, Any] | None = None,
              ascending: bool = False, where: tuple[str, ...] = (), limit: int = 100, width: int = 6,
              height: int = 50) -> Chart:
        """An aggregate table (groupby + metrics) or, with COLUMNS, the latest raw rows ordered by ORDER_BY."""
        ds = self.ds(table)
        # ten rows a page: a dashboard table shows about ten rows at its height anyway, and drawing every row of a
        # 200-row table (React, a cell bar per number) cost the cockpit's warm render more than any chart
        params = {**_base(ds, list(where)), "viz_type": "table", "row_limit": limit, "page_length": TABLE_PAGE_ROWS,
                  "server_page_length": TABLE_PAGE_ROWS,
                  "include_search": False, "show_cell_bars": True, "table_timestamp_format": "%Y-%m-%d %H:%M",
                  "allow_rearrange_columns": False, "color_pn": True,
                  "column_config": {"value": {"d3NumberFormat": ",.2f"}}}
        if columns:
            params.update({"query_mode": "raw", "all_columns": [display_column(ds, c) for c in columns],
                           "order_by_cols": [f'["{order_by}", {str(ascending).lower()}]'] if order_by else []})
        else:
            params.update({"query_mode": "aggregate", "groupby": list(groupby), "metrics": metrics or [],
                           "timeseries_limit_metric": order_by, "order_desc": not ascending})
        return Chart(key, title, table, "table", params, "", width, height)

    def scatter_map(self, key: str, title: str, table: str, entity: str, series: str, *, size: str | None = None,
                    where: tuple[str, ...] = (), width: int = 6, height: int = 60) -> Chart:
        """Points at their coordinates (经度 × 纬度) as an ECharts bubble chart: needs no WebGL and no tiles."""
        ds = self.ds(table)
        params = {**_base(ds, list(where) + ["longitude IS NOT NULL AND latitude IS NOT NULL"]),
                  "viz_type": "bubble_v2", "entity": entity, "series": series,
                  "x": sql_metric("经度", "AVG(longitude)"), "y": sql_metric("纬度", "AVG(latitude)"),
                  "size": size or sql_metric("数量", "COUNT(*)"), "row_limit": 5000, "max_bubble_size": "8",
                  "show_legend": True, "legendType": "scroll", "legendOrientation": "top",
                  "x_axis_label": "经度", "y_axis_label": "纬度", "xAxisFormat": ".3f", "y_axis_format": ".3f",
                  "x_axis_title_margin": 30, "y_axis_title_margin": 50, "truncateXAxis": True,
                  "truncateYAxis": True, "xAxisBounds": [None, None], "y_axis_bounds": [None, None],
                  "opacity": 0.7}
        return Chart(key, title, table, "bubble_v2", params, "", width, height)


    def geojson_map(self, key: str, title: str, table: str, feature: str, *, center: tuple[float, float],
                    zoom: float, where: tuple[str, ...] = (), width: int = 12, height: int = 80,
                    point_radius_m: int = 60) -> Chart:
        """GeoJSON features drawn with deck.gl (polygons, lines, points; colours from each feature's properties)
        over an offline base map (superset_config.DECKGL_BASE_MAP: no tiles from the internet, no Mapbox token)."""
        ds = self.ds(table)
        transparent = {"r": 0, "g": 0, "b": 0, "a": 0}  # 0 alpha: each feature's own fillColor / strokeColor
        params = {**_base(ds, list(where)), "viz_type": "deck_geojson", "geojson": feature, "row_limit": 50000,
                  "filled": True, "stroked": True, "extruded": False, "point_radius_scale": point_radius_m,
                  "line_width": 2, "line_width_unit": "pixels", "fill_color_picker": transparent,
                  "stroke_color_picker": transparent, "autozoom": False, "mapbox_style": OFFLINE_BASE_MAP,
                  "viewport": {"longitude": center[0], "latitude": center[1], "zoom": zoom, "bearing": 0,
                               "pitch": 0},
                  "js_columns": [], "js_data_mutator": "", "js_tooltip": "", "js_onclick_href": "",
                  "reverse_long_lat": False}
        return Chart(key, title, table, "deck_geojson", params, "", width, height)


# the one map's base map: a blank tile this Superset serves itself (superset_config.py: BLUEPRINTS, DECKGL_BASE_MAP)
OFFLINE_BASE_MAP = "tile:///govlake/blank-tile.png"


# ---------------------------------------------------------------- YAML


def chart_uuid(slug: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{slug}/{key}"))


def chart_yaml(dashboard: Dashboard, chart: Chart, datasets: dict[str, Dataset]) -> dict[str, Any]:
    return {"slice_name": chart.title, "description": chart.description or None, "viz_type": chart.viz,
            "certified_by": None, "certification_details": None, "cache_timeout": None, "query_context": None,
            "params": chart.params, "uuid": chart_uuid(dashboard.slug, chart.key), "version": "1.0.0",
            "dataset_uuid": datasets[chart.dataset].uuid}


FILTER_COLUMNS = {"street": ("街道", "street_name"), "community": ("社区", "community_name")}


def _native_filters(dashboard: Dashboard, datasets: dict[str, Dataset], ids: dict[str, int]) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    charts = [c for row in dashboard.rows for c in row if isinstance(c, Chart)]
    common = {"type": "NATIVE_FILTER", "description": "", "cascadeParentIds": [],
              "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}}}
    if "time" in dashboard.filters:
        excluded = [ids[c.key] for c in charts if not datasets[c.dataset].dttm]
        filters.append({**common, "id": "NATIVE_FILTER-time", "name": "时间", "filterType": "filter_time",
                        "targets": [{}], "controlValues": {},
                        "defaultDataMask": {"extraFormData": {}, "filterState": {"value": "No filter"},
                                            "ownState": {}},
                        "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded}})
    for name in ("street", "community"):
        if name not in dashboard.filters:
            continue
        label, column = FILTER_COLUMNS[name]
        # the filter's values come from the first chart's dataset that has the column; dim_areas also has the
        # district's row (no street), which would add an empty option
        source = next((c.dataset for c in charts if column in datasets[c.dataset].columns
                       and c.dataset != "dim_areas"), None)
        if source is None:
            continue
        excluded = [ids[c.key] for c in charts if column not in datasets[c.dataset].columns]
        filters.append({**common, "id": f"NATIVE_FILTER-{name}", "name": label, "filterType": "filter_select",
                        "targets": [{"datasetUuid": datasets[source].uuid, "column": {"name": column}}],
                        "controlValues": {"enableEmptyFilter": False, "defaultToFirstItem": False,
                                          "multiSelect": True, "searchAllOptions": False,
                                          "inverseSelection": False},
                        "cascadeParentIds": ["NATIVE_FILTER-street"] if name == "community" and
                        any(f["id"] == "NATIVE_FILTER-street" for f in filters) else [],
                        "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded}})
    return filters


def dashboard_yaml(dashboard: Dashboard, datasets: dict[str, Dataset]) -> dict[str, Any]:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"id": "ROOT_ID", "type": "ROOT", "children": ["GRID_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": dashboard.title}},
        "GRID_ID": {"id": "GRID_ID", "type": "GRID", "parents": ["ROOT_ID"], "children": []},
    }
    ids: dict[str, int] = {}
    for r, row in enumerate(dashboard.rows):
        row_id = f"ROW-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {"id": row_id, "type": "ROW", "meta": {"background": "BACKGROUND_TRANSPARENT"},
                            "parents": ["ROOT_ID", "GRID_ID"], "children": []}
        for m, cell in enumerate(row):
            parents = ["ROOT_ID", "GRID_ID", row_id]
            if isinstance(cell, str):
                cell_id = f"MARKDOWN-{r}-{m}"
                width = 12 if len(row) == 1 else 4
                position[cell_id] = {"id": cell_id, "type": "MARKDOWN", "children": [], "parents": parents,
                                     "meta": {"width": width, "height": 30 if len(row) == 1 else 50, "code": cell}}
            else:
                ids[cell.key] = len(ids) + 1
                cell_id = f"CHART-{cell.key}"
                position[cell_id] = {"id": cell_id, "type": "CHART", "children": [], "parents": parents,
                                     "meta": {"chartId": ids[cell.key],
                                              "uuid": chart_uuid(dashboard.slug, cell.key),
                                              "sliceName": cell.title, "width": cell.width,
                                              "height": cell.height}}
            position[row_id]["children"].append(cell_id)
    return {
        "dashboard_title": dashboard.title, "description": dashboard.description, "slug": dashboard.slug,
        "css": DASHBOARD_CSS, "certified_by": "", "certification_details": "", "published": True,
        "metadata": {"color_scheme": "supersetColors", "label_colors": {}, "shared_label_colors": [],
                     "map_label_colors": {}, "color_scheme_domain": [], "cross_filters_enabled": True,
                     "default_filters": "{}", "expanded_slices": {}, "refresh_frequency": 0,
                     "timed_refresh_immune_slices": [], "chart_configuration": {},
                     "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                                                    "chartsInScope": []},
                     "native_filter_configuration": _native_filters(dashboard, datasets, ids)},
        "position": position,
        "uuid": str(uuid.uuid5(NAMESPACE, f"dashboard/{dashboard.slug}")),
        "version": "1.0.0",
    }


HEADER = "# Generated by `python -m superset_assets.dashboards_spec`: edit that file, not this one.\n"


def dump(data: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
