"""S7 生命关爱, S8 群防群治/平安夜巡 and S10 法律监督 inputs: the 政法 operational database (MariaDB in production,
SQLite embedded). The S6 e-dossier JSON lines and the S9 court CSVs are files, ingested by the file connectors.

Life-care tables are highly sensitive personal data: like all raw data they stay in landing/bronze (restricted);
quality/schemas/zhengfa/ (one module per subsystem) lists the personal columns of every table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandera.polars as pa

from ingestion.sources.base import BatchContext, SqlEntity, SqlSource
from quality.schemas import zhengfa as s


def _entity(name: str, table: str, primary_key: str,
            schema: Callable[[datetime], pa.DataFrameSchema]) -> SqlEntity:
    def factory(ctx: BatchContext) -> pa.DataFrameSchema:
        return schema(ctx.received_at)

    return SqlEntity(name, table, primary_key, "updated_at", factory)


ZHENGFA = SqlSource(
    name="zhengfa",
    title="政法（生命关爱、群防群治与平安夜巡、法律监督）",
    url=lambda settings: settings.source_url("zhengfa"),
    # no dictionary tables in this database: vocabularies and area codes come from the schema module and the seeds,
    # so the order is only the systems' (registries before the rows that name them)
    entities=(
        _entity("lifecare_liaisons", "lifecare_liaison", "liaison_id", s.lifecare_liaison_schema),
        _entity("lifecare_rooms", "lifecare_room", "room_id", s.lifecare_room_schema),
        _entity("lifecare_counsellors", "lifecare_counsellor", "counsellor_id", s.lifecare_counsellor_schema),
        _entity("lifecare_library_entries", "lifecare_library", "entry_id", s.lifecare_library_schema),
        _entity("lifecare_crisis_cases", "lifecare_crisis_case", "case_id", s.lifecare_crisis_case_schema),
        _entity("lifecare_crisis_events", "lifecare_crisis_event", "event_id", s.lifecare_crisis_event_schema),
        _entity("volunteers", "volunteer", "volunteer_id", s.volunteer_schema),
        _entity("volunteer_activities", "volunteer_activity", "activity_id", s.volunteer_activity_schema),
        _entity("volunteer_points", "volunteer_points", "record_id", s.volunteer_points_schema),
        _entity("night_patrols", "night_patrol", "patrol_id", s.night_patrol_schema),
        _entity("patrol_participations", "patrol_participation", "participation_id", s.patrol_participation_schema),
        _entity("patrol_hazards", "patrol_hazard", "hazard_id", s.patrol_hazard_schema),
        _entity("supervision_models", "supervision_model", "model_id", s.supervision_model_schema),
        _entity("correction_subjects", "correction_subject", "subject_id", s.correction_subject_schema),
        _entity("driving_licence_statuses", "driving_licence_status", "record_id", s.driving_licence_status_schema),
        _entity("traffic_violations", "traffic_violation", "violation_id", s.traffic_violation_schema),
    ),
)
