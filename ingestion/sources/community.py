"""S5 数治助手 / 社区工作台 (community workbench): its open REST API, one entity per list resource.

Code resources first (scenarios, indicators): apps and indicator values are checked against the codes just ingested.
"""

from __future__ import annotations

from ingestion.rest_source import RestEntity, RestSource
from quality.schemas import community as s

API = "/api/workbench/v1"

COMMUNITY = RestSource(
    name="community",
    title="数治助手/社区工作台 (S5)",
    url=lambda settings: settings.community_api_url,
    token=lambda settings: settings.community_api_token,
    url_setting="COMMUNITY_API_URL",
    entities=(
        RestEntity("scenarios", f"{API}/scenarios", "scenario_id", lambda ctx: s.scenarios_schema(ctx.received_at)),
        RestEntity("indicators", f"{API}/indicators", "indicator_code",
                   lambda ctx: s.indicators_schema(ctx.received_at)),
        RestEntity("apps", f"{API}/apps", "app_id",
                   lambda ctx: s.apps_schema(ctx.known_codes.get("scenarios", set()), ctx.received_at)),
        RestEntity("app_record_counts", f"{API}/app-record-counts", "stat_id",
                   lambda ctx: s.app_record_counts_schema(ctx.received_at)),
        RestEntity("tasks", f"{API}/tasks", "task_id", lambda ctx: s.tasks_schema(ctx.received_at)),
        RestEntity("task_progress", f"{API}/task-progress", "progress_id",
                   lambda ctx: s.task_progress_schema(ctx.received_at)),
        RestEntity("indicator_values", f"{API}/indicator-values", "value_id",
                   lambda ctx: s.indicator_values_schema(ctx.known_codes.get("indicators", set()), ctx.received_at)),
        RestEntity("work_stats", f"{API}/work-stats", "stat_id", lambda ctx: s.work_stats_schema(ctx.received_at)),
    ),
    reference_codes={"scenarios": ("scenarios", "scenario_id"), "indicators": ("indicators", "indicator_code")},
)
