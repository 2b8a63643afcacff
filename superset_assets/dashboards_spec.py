"""The govlake dashboards: what each shows, in Chinese, over the semantic layer's datasets.

    python -m superset_assets.dashboards_spec      # rewrite charts/<slug>/*.yaml and dashboards/<slug>.yaml

Run after `python -m superset_assets.semantic MANIFEST` (the scopes of the native filters depend on the datasets'
columns). The YAML it writes is committed; a test regenerates it and requires it unchanged.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from superset_assets.charts_yaml import (
    HERE,
    Builder,
    Chart,
    Dashboard,
    chart_yaml,
    dashboard_yaml,
    dump,
    load_datasets,
    sql_metric,
)

CHARTS_DIR = HERE / "charts"
DASHBOARDS_DIR = HERE / "dashboards"
INDICATORS_SEED = HERE.parent / "dbt_project" / "seeds" / "ref_indicators.csv"
COCKPIT_SLUG = "cockpit"
# the demand rates leaders ask for; the indicator rows appear in fct_indicator_values as the dbt catalogue grows
DEMAND_RATE_CODES = ("demand.response_rate", "demand.satisfaction_rate", "demand.resolution_rate",
                     "demand.on_time_closure_rate", "demand.return_rate", "demand.repeat_rate",
                     "demand.overdue_rate")
DISTRICT_MONTHS = ("area_level = 'district'", "period_type = 'month'")
# Superset refuses sub-queries in a chart's SQL, so the latest snapshot is a calculated column of the dataset
LATEST_SNAPSHOT = "snapshot_period = '本期'"
PREVIOUS_SNAPSHOT = "snapshot_period = '上期'"
LATEST_WARNINGS = "warning_window = '近7天'"  # a calculated column of the dataset, as above


def target_text(code: str) -> str:
    """目标 from the indicator catalogue, e.g. 目标 95%, or '' when the indicator has none (or is not there yet)."""
    with INDICATORS_SEED.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["indicator_code"] == code and row["target"]:
                return f"目标 {row['target']}{row['unit']}"
    return ""


def dashboards(b: Builder) -> list[Dashboard]:
    rank = sql_metric("按时办结率排名", "RANK() OVER (ORDER BY SUM(closed_on_time) * 1.0 / "
                                        "NULLIF(SUM(tickets_due), 0) DESC)")
    cockpit = Dashboard(COCKPIT_SLUG, "一屏感知 · 领导驾驶舱",
                        "龙华区领导驾驶舱：核心指标与目标对照、月度趋势、街道排名、最新预警与平安底数", [
        [b.number("tickets", "事件总量", "agg_tickets_monthly", "event_count", subtitle="民意速办事件（件）"),
         b.number("citizen", "群众诉求", "agg_tickets_monthly", "citizen_count", subtitle="群众诉求（件）"),
         b.number("response", "响应率", "agg_tickets_monthly", "response_rate", fmt=".1%",
                  subtitle=target_text("demand.response_rate") or "派单后 24 小时内首次联系"),
         b.number("satisfaction", "满意率", "agg_tickets_monthly", "satisfaction_rate", fmt=".1%",
                  subtitle=target_text("demand.satisfaction_rate") or "满意 ÷ 已评价")],
        [b.number("resolution", "解决率", "fct_ratings", "resolution_rate", fmt=".1%",
                  subtitle=target_text("demand.resolution_rate") or "评价为已解决 ÷ 已评价"),
         b.number("on-time", "按时办结率", "agg_tickets_monthly", "on_time_rate", fmt=".1%",
                  subtitle=target_text("demand.on_time_closure_rate")),
         b.number("online", "视频在线率", "agg_camera_availability_daily", "online_rate", fmt=".1%",
                  subtitle=target_text("video.online_rate")),
         b.number("warnings", "本月预警", "fct_warnings", "warning_count", subtitle="预警件次（较上月）")],
        [b.number("open-events", "未办结重点事件", "fct_key_events", "open_event_count", trend=False,
                  subtitle="当前仍在处置的重点事件", width=3, height=40),
         b.timeseries("rates-trend", "三率及按时办结率月度趋势", "agg_tickets_monthly",
                      ["response_rate", "satisfaction_rate", "on_time_rate", "overdue_rate", "return_rate",
                       "repeat_rate"],
                      y_title="比率", fmt=".1%", width=9, height=40)],
        [b.table("street-ranking", "街道排名", "agg_tickets_monthly", groupby=("street_name",),
                 metrics=[rank, "event_count", "response_rate", "satisfaction_rate", "on_time_rate",
                          "return_rate", "repeat_rate", "overdue_rate"],
                 order_by="on_time_rate", width=7),
         b.timeseries("tickets-trend", "月度事件量（按街道）", "agg_tickets_monthly", ["event_count"],
                      kind="bar", groupby=("street_name",), stack=True, y_title="事件量（件）", width=5)],
        # each street's last week of warnings (to its own newest: a street user's view is never empty while the
        # street has warnings), all of them: a row limit that cuts the list short
        # makes Superset show a warning sign on the chart ("the row limit ... was reached"), alarming to a leader
        [b.table("latest-warnings", "最新预警（近 7 天）", "fct_warnings",
                 columns=("raised_at", "rule_name", "level", "department", "street_name", "status"),
                 order_by="raised_at", where=(LATEST_WARNINGS,), limit=1000, width=6),
         b.bar("baseline-by-street", "平安底数（按街道，最新快照）", "fct_baseline_snapshots", "street_name",
               ["element_total"], groupby=("element_type_name",), stack=True, x_title="街道",
               y_title="数量（个）", where=(LATEST_SNAPSHOT,), width=6)],
        [b.table("indicator-targets", "指标与目标对照（全区，按月）", "fct_indicator_values",
                 columns=("period", "indicator_name", "value", "unit", "target", "target_met"),
                 order_by="period", where=DISTRICT_MONTHS + ("target IS NOT NULL",), limit=200, width=6),
         b.table("indicator-availability", "指标可用状态（来源系统未接入的指标暂不可用）", "fct_indicator_availability",
                 columns=("indicator_name", "status_name", "reason", "missing_sources", "latest_year"),
                 order_by="catalogue_order", ascending=True, limit=100, width=6)],
        ["#### 口径说明\n"
         "- **响应率**：派单后 24 小时内首次联系的工单 ÷ 已派单工单；**满意率**：满意 ÷ 已评价；"
         "**解决率**：评价为已解决 ÷ 已评价；**按时办结率**：按时办结 ÷ 应办结。\n"
         "- 所有比率均先求和再相除（不对各行比率取平均）；卡片下方为较上月变化。\n"
         "- 街道用户只看到本街道的数据；指标与目标来自指标目录（fct_indicator_values）。"],
    ])

    one_map = Dashboard("one-map", "一图统览",
                        "全区一张图：街道与社区示意边界、社区事件量、视频点位、重点场所与重点事件"
                        "（离线，无在线底图）", [
        ["#### 一图统览\n"
         "**边界为示意边界**：由平台网格中心点生成（各网格的泰森多边形按社区、街道合并），仅用于定位，"
         "非测绘或行政区划边界。\n\n"
         "- 深蓝线：街道边界；白线：社区边界\n"
         "- 社区填色：事件量（全部月份）由浅到深分五档\n"
         "- 绿点：视频点位；橙点：重点场所；红点：重点事件\n\n"
         "图上不加载任何在线底图或瓦片，内网可用；可按街道、社区筛选（左侧）。",
         b.geojson_map("boundaries", "街道与社区（示意边界）及点位", "dim_map_features", "feature_geojson",
                       center=(114.048, 22.669), zoom=11.2, width=8, height=90, point_radius_m=40)],
        [b.scatter_map("hazards", "夜巡隐患分布（按隐患类型）", "fct_patrol_hazards", "hazard_id", "hazard_type"),
         b.scatter_map("places", "重点场所分布（按场所类型）", "dim_key_places", "place_id", "place_type_name")],
        [b.bar("tickets-by-community", "各社区事件量", "agg_tickets_monthly", "community_name", ["event_count"],
               x_title="社区", y_title="事件量（件）", width=6, limit=60, values=False),
         b.bar("online-by-street", "各街道摄像机在线 / 离线（台·日）", "agg_camera_availability_daily",
               "street_name", ["online_cameras", "offline_cameras"], x_title="街道", y_title="台·日",
               stack=True, width=6)],
    ])

    demand = Dashboard("demand-analysis", "民意速办分析", "渠道、分类、流转、评价、重复诉求与办理时长", [
        [b.number("d-tickets", "事件量", "agg_tickets_monthly", "event_count"),
         b.number("d-returns", "退单率", "agg_tickets_monthly", "return_rate", fmt=".1%"),
         b.number("d-repeat", "重复诉求率", "agg_tickets_monthly", "repeat_rate", fmt=".1%"),
         b.number("d-formal", "疑似形式办结", "agg_tickets_monthly", "formal_closure_count")],
        [b.pie("channels", "受理渠道", "agg_tickets_monthly_by_channel", "channel_name", "channel_event_count"),
         b.bar("categories", "诉求大类", "agg_tickets_monthly", "category_l1_name", ["event_count"],
               x_title="诉求大类", y_title="事件量（件）", width=8)],
        [b.table("categories-l2", "诉求小类（前 20）", "agg_tickets_monthly",
                 groupby=("category_l1_name", "category_l2_name"),
                 metrics=["event_count", "on_time_rate", "satisfaction_rate", "repeat_rate"],
                 order_by="event_count", limit=20, width=6),
         b.timeseries("flows", "流转环节（按月）", "fct_ticket_flows", ["flow_count"], kind="bar",
                      groupby=("step_name",), stack=True, y_title="次数", width=6)],
        [b.timeseries("returns-trend", "退单、重新办理、重复诉求（按月）", "agg_tickets_monthly",
                      ["returned_count", "reopened_count", "repeat_count"], y_title="数量（件）", width=8),
         b.pie("ratings", "评价结果", "fct_ratings", "satisfaction", "rating_count")],
        [b.timeseries("handling", "平均办理时长（小时，按月）", "agg_tickets_monthly",
                      [sql_metric("平均办理时长（小时）", "SUM(handling_seconds) / 3600.0 / NULLIF(SUM(closed), 0)")],
                      y_title="小时", fmt=",.1f", width=6),
         # the demand rates as the indicator catalogue computes them (fct_indicator_values): a rate added to the
         # catalogue appears here without a change to the chart
         b.timeseries("indicator-rates", "民意速办比率指标（指标表，全区）", "fct_indicator_values",
                      ["indicator_value"], groupby=("indicator_name",), y_title="%", fmt=",.1f",
                      where=DISTRICT_MONTHS + ("indicator_code IN ("
                                               + ", ".join(f"'{c}'" for c in DEMAND_RATE_CODES) + ")",),
                      width=6)],
    ])

    baseline = Dashboard("safety-baseline", "平安底数",
                         "重点人员（仅计数）、重点场所、重点事件、扫黑除恶线索；本月与上月", [
        [b.number("b-now", "最新快照底数", "fct_baseline_snapshots", "element_total", trend=False,
                  where=(LATEST_SNAPSHOT,), subtitle="全部要素（个）"),
         b.number("b-prev", "上一快照底数", "fct_baseline_snapshots", "element_total", trend=False,
                  where=(PREVIOUS_SNAPSHOT,), subtitle="全部要素（个）"),
         b.number("b-open", "未办结重点事件", "fct_key_events", "open_event_count", trend=False),
         b.number("b-clues", "扫黑除恶线索", "fct_shce_clues", "clue_count")],
        [b.bar("persons", "重点人员（按类别、管控等级，计数）", "fct_baseline_snapshots", "element_subtype",
               ["element_total"], groupby=("element_level",), stack=True, x_title="人员类别", y_title="人数",
               where=(LATEST_SNAPSHOT, "element_type = 'key_person'"), width=6),
         b.bar("places-by-type", "重点场所（按类型）", "dim_key_places", "place_type_name", ["place_count"],
               x_title="场所类型", y_title="数量（个）", width=6)],
        [b.timeseries("baseline-trend", "底数月度变化（按要素）", "fct_baseline_snapshots", ["element_total"],
                      groupby=("element_type_name",), y_title="数量（个）", width=6),
         b.timeseries("events-trend", "重点事件（按月）", "fct_key_events", ["event_total", "open_event_count"],
                      kind="bar", y_title="数量（件）", width=6)],
    ])

    video = Dashboard("video-ledger", "视频资源一本账", "摄像机台账、每日在线、离线聚集与点位治理", [
        [b.number("v-cameras", "摄像机总数", "dim_cameras", "camera_count", trend=False),
         b.number("v-online", "视频在线率", "agg_camera_availability_daily", "online_rate", fmt=".1%",
                  subtitle=target_text("video.online_rate")),
         b.number("v-issues", "点位治理问题", "fct_point_governance_issues", "issue_count"),
         b.number("v-clusters", "离线聚集簇", "fct_point_governance_issues", "cluster_count", trend=False)],
        [b.pie("vendors", "按厂商", "dim_cameras", "platform_vendor", "camera_count"),
         b.pie("types", "按设备类型", "dim_cameras", "device_type_name", "camera_count"),
         b.pie("industries", "按行业", "dim_cameras", "industry_name", "camera_count")],
        [b.bar("by-street", "各街道摄像机", "dim_cameras", "street_name", ["camera_count"], x_title="街道",
               y_title="数量（台）", width=4),
         b.timeseries("availability", "每日在线率（按月汇总）", "agg_camera_availability_daily", ["online_rate"],
                      groupby=("street_name",), y_title="在线率", fmt=".1%", width=8)],
        [b.bar("issue-types", "点位治理问题（按类型）", "fct_point_governance_issues", "issue_type",
               ["issue_count"], x_title="问题类型", y_title="数量（个）", width=12)],
    ])

    pingan = Dashboard("pingan-zhengfa", "平安建设与数智政法",
                       "协同工单、提醒函、矛盾纠纷、群防群治；电子卷宗、法院、生命关爱、志愿者与夜巡、失驾线索", [
        [b.number("p-orders", "协同工单", "fct_work_orders", "order_count"),
         b.number("p-conflicts", "矛盾纠纷", "fct_conflict_items", "conflict_count"),
         b.number("p-dossiers", "电子卷宗", "fct_zhengfa_e_dossiers", "dossier_count"),
         b.number("p-shijia", "失驾线索", "fct_supervision_model_runs", "shijia_clues_found",
                  subtitle="法律监督模型发现（条）", trend=False)],
        [b.timeseries("orders-trend", "协同工单（按月、按类型）", "fct_work_orders", ["order_count"], kind="bar",
                      groupby=("order_type_name",), stack=True, y_title="数量（件）", width=6),
         b.bar("letters", "治安提醒函（按街道）", "fct_reminder_letters", "street_name",
               ["letter_count", "rectified_count"], x_title="街道", y_title="数量（份）", width=6)],
        [b.bar("conflicts", "矛盾纠纷（按类型）", "fct_conflict_items", "dispute_type_name",
               ["conflict_count", "conflict_closed_count"], x_title="纠纷类型", y_title="数量（件）", width=6),
         b.timeseries("activities", "群防群治活动与参与人次（按月）", "fct_activities",
                      ["activity_count", "participant_sum"], y_title="场 / 人次", width=6)],
        [b.timeseries("court", "法院收结案与电子送达（按月）", "agg_court_monthly",
                      ["court_cases_filed", "court_cases_closed"], kind="bar", y_title="数量（件）", width=6),
         b.timeseries("lifecare", "生命关爱危机个案（按月）", "agg_lifecare_crisis_cases_monthly",
                      ["crisis_cases", "high_risk_cases_sum"], y_title="个案", width=6)],
        [b.timeseries("volunteers", "志愿服务时长（按月、按街道）", "agg_volunteer_points_monthly_by_street",
                      ["volunteer_hours_sum"], kind="bar", groupby=("street_name",), stack=True,
                      y_title="小时", fmt=",.0f", width=6),
         b.timeseries("patrols", "平安夜巡与发现隐患（按月）", "fct_night_patrols",
                      ["patrol_count", "hazards_found_sum"], y_title="场 / 处", width=6)],
        [b.table("model-runs", "法律监督模型运行", "fct_supervision_model_runs",
                 columns=("run_at", "model_name", "correction_subjects", "clues_found", "new_clues"),
                 order_by="run_at", limit=20, width=12)],
    ])

    community = Dashboard("community", "社区数治", "社区应用、数据量、线上化率、9 项核心指标与 80 项重点任务", [
        [b.number("c-apps", "社区应用", "dim_community_apps", "app_count", trend=False),
         b.number("c-records", "应用数据量", "agg_community_records_monthly", "records_sum"),
         b.number("c-online", "日常工作线上化率", "agg_community_online_ratio_monthly", "online_ratio", fmt=".1%",
                  subtitle=target_text("community.online_ratio")),
         b.number("c-behind", "落后于计划的重点任务", "dim_community_key_tasks", "behind_plan_count",
                  trend=False)],
        [b.bar("apps-by-street", "社区应用（按街道）", "dim_community_apps", "street_name", ["app_count"],
               x_title="街道", y_title="数量（个）", width=6),
         b.timeseries("online-trend", "线上化率（按月、按街道）", "agg_community_online_ratio_monthly",
                      ["online_ratio"], groupby=("street_name",), y_title="线上化率", fmt=".1%", width=6)],
        # the 9 indicators are per community and mostly rates without their numerators: listed, never summed
        [b.table("core-indicators", "9 项核心指标（各社区，按月）", "fct_community_indicator_values",
                 columns=("month", "street_name", "community_name", "indicator_name", "value", "unit"),
                 order_by="month", limit=500, width=6),
         b.table("key-tasks", "80 项重点任务进展", "dim_community_key_tasks",
                 columns=("task_name", "category", "lead_unit", "progress_pct", "planned_pct", "status",
                          "is_behind_plan"),
                 order_by="progress_pct", ascending=True, limit=80, width=6)],
    ])

    freshness = b.table("freshness", "数据源新鲜度（按应到周期判断是否超期）", "agg_source_freshness",
                        columns=("source_name", "entity", "cadence_name", "last_committed_at", "due_by", "is_late",
                                 "data_through", "batches_committed", "batches_failed", "is_failing"),
                        order_by="is_late", limit=100, width=12)
    freshness.description = ("每个数据源按其应到周期（每小时 / 每日 / 每月，与 Airflow 调度一致）判断是否超期："
                             "最近一次成功接收时间加上最长间隔即为下批应到时间，早于判定时点（湖中最新一次到达）即为超期。")
    quality = Dashboard("data-quality", "数据质量",
                        "批次、接收 / 入湖 / 隔离、按规则拒收、数据源新鲜度、调度告警（工程）", [
        [b.number("q-batches", "批次数", "fct_ingestion_batches", "batch_count", trend=False),
         b.number("q-received", "接收行数", "fct_ingestion_batches", "rows_received_sum", trend=False),
         b.number("q-rate", "拒收率", "fct_ingestion_batches", "batch_reject_rate", fmt=".2%", trend=False),
         b.number("q-failing", "异常数据源", "agg_source_freshness", "failing_sources", trend=False)],
        [b.bar("per-source", "各数据源接收 / 入湖 / 隔离", "fct_ingestion_batches", "source_name",
               ["rows_bronze_sum", "rows_quarantined_sum"], stack=True, x_title="数据源", y_title="行数",
               width=6),
         b.bar("rules", "按规则拒收（前 20）", "agg_quarantine_by_rule", "rule_name", ["rows_affected_sum"],
               where=("level = 'row'",), x_title="规则", y_title="拒收行数", limit=20, width=6)],
        [b.bar("field-repairs", "字段级修复：按规则（行保留，字段置空或修复）", "agg_quarantine_by_rule", "rule_name",
               ["rows_affected_sum"], where=("level = 'field'",), x_title="规则", y_title="修复行数", limit=20,
               width=6),
         b.number("q-repaired", "修复行数（字段级）", "fct_ingestion_batches", "rows_repaired_sum", trend=False,
                  width=3),
         b.number("q-late", "超期数据源", "agg_source_freshness", "late_sources", trend=False,
                  subtitle="最近成功接收已超过应到周期", width=3)],
        [freshness],
        # the alerts ledger (dags/govlake_common/alerts.py): task failures, failed or overdue runs, late sources
        [b.number("q-alerts", "调度告警数", "log_pipeline_alerts", "alert_count", trend=False, width=3),
         b.table("alerts", "调度告警（任务失败、运行超时、来源时效超期）", "log_pipeline_alerts",
                 columns=("recorded_at", "kind_name", "dag_id", "task_id", "source_name", "message"),
                 order_by="recorded_at", ascending=False, limit=100, width=9)],
    ], filters=("time",))
    return [cockpit, one_map, demand, baseline, video, pingan, community, quality]


def all_charts(dashboard: Dashboard) -> list[Chart]:
    return [c for row in dashboard.rows for c in row if isinstance(c, Chart)]


def render() -> dict[str, str]:
    """Bundle path (relative to superset_assets/) -> YAML text of every generated chart and dashboard."""
    datasets = load_datasets()
    files = {}
    for dashboard in dashboards(Builder(datasets)):
        for chart in all_charts(dashboard):
            files[f"charts/{dashboard.slug}/{chart.key}.yaml"] = dump(chart_yaml(dashboard, chart, datasets))
        files[f"dashboards/{dashboard.slug}.yaml"] = dump(dashboard_yaml(dashboard, datasets))
    return files


def write() -> list[Path]:
    files = render()
    for slug in {p.split("/")[1] for p in files if p.startswith("charts/")}:
        shutil.rmtree(CHARTS_DIR / slug, ignore_errors=True)
    written = []
    for name, text in sorted(files.items()):
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    print(f"wrote {len(write())} files")
